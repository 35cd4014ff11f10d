//! The store's behaviour on every backend: migrations, ids, constraint names, dynamic SQL.

use zhizao_db::testing::test_databases;
use zhizao_db::{Backend, Database, PoolSettings, SqlBuilder, allocate_ids, unique_violation};

#[tokio::test]
async fn migrations_are_idempotent_and_ids_are_consecutive() {
    for test in test_databases().await {
        let db = &test.db;
        db.migrate().await.expect("second migration run is a no-op");
        let mut transaction = db.begin().await.unwrap();
        let first = allocate_ids(&mut transaction, "things", 3).await.unwrap();
        let next = allocate_ids(&mut transaction, "things", 1).await.unwrap();
        transaction.commit().await.unwrap();
        assert_eq!(first, 1, "{:?}", db.backend());
        assert_eq!(next, 4, "{:?}", db.backend());

        // A rolled-back allocation is given out again.
        let mut transaction = db.begin().await.unwrap();
        assert_eq!(
            allocate_ids(&mut transaction, "things", 5).await.unwrap(),
            5
        );
        transaction.rollback().await.unwrap();
        let mut transaction = db.begin().await.unwrap();
        assert_eq!(
            allocate_ids(&mut transaction, "things", 1).await.unwrap(),
            5
        );
        transaction.commit().await.unwrap();
        db.ping().await.unwrap();
    }
}

#[tokio::test]
async fn unique_violations_carry_the_same_constraint_name_on_every_backend() {
    for test in test_databases().await {
        let db = &test.db;
        let insert = "INSERT INTO organizations (id, code, kind, name, created_at, updated_at) VALUES ($1, 'city', 'city', $2, 0, 0)";
        sqlx::query(insert)
            .bind(1i64)
            .bind("市")
            .execute(db.pool())
            .await
            .unwrap();
        let error = sqlx::query(insert)
            .bind(2i64)
            .bind("又一个")
            .execute(db.pool())
            .await
            .unwrap_err();
        assert_eq!(
            unique_violation(&error).as_deref(),
            Some("organizations_code_key"),
            "{:?}",
            db.backend()
        );
    }
}

#[tokio::test]
async fn built_queries_bind_every_kind_of_value() {
    for test in test_databases().await {
        let db = &test.db;
        let mut insert = SqlBuilder::new(
            "INSERT INTO organizations (id, code, kind, name, town_code, sector, created_at, updated_at) VALUES (",
        );
        insert
            .push_bind(7i64)
            .push(", ")
            .push_bind("polish")
            .push(", 'platform', ")
            .push_bind("打磨抛光平台 '; DROP TABLE users; --")
            .push(", ")
            .push_bind(None::<String>)
            .push(", ")
            .push_bind(Some("smart_manufacturing".to_owned()))
            .push(", 0, 0)");
        insert.query().execute(db.pool()).await.unwrap();
        let mut select = SqlBuilder::new("SELECT name FROM organizations WHERE code = ");
        select
            .push_bind("polish")
            .push(" AND town_code IS NULL AND sector = ")
            .push_bind("smart_manufacturing");
        let name: String = select.query_scalar().fetch_one(db.pool()).await.unwrap();
        assert_eq!(name, "打磨抛光平台 '; DROP TABLE users; --");
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(count, 0);
    }
}

#[tokio::test]
async fn money_and_instants_are_read_into_their_types_nulls_included() {
    use zhizao_core::{Fen, Timestamp};
    use zhizao_db::{FenColumn, OptionalFenColumn, OptionalTimestampColumn, TimestampColumn};

    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(try_from = "FenColumn")]
        amount: Fen,
        #[sqlx(try_from = "OptionalFenColumn")]
        maybe_amount: Option<Fen>,
        #[sqlx(try_from = "TimestampColumn")]
        at: Timestamp,
        #[sqlx(try_from = "OptionalTimestampColumn")]
        maybe_at: Option<Timestamp>,
    }

    for test in test_databases().await {
        let db = &test.db;
        for (maybe_amount, maybe_at) in [(Some(-7i64), Some(1i64)), (None, None)] {
            let row: Row = sqlx::query_as(
                "SELECT CAST($1 AS BIGINT) AS amount, CAST($2 AS BIGINT) AS maybe_amount, \
                 CAST($3 AS BIGINT) AS at, CAST($4 AS BIGINT) AS maybe_at",
            )
            .bind(100_000_000_000_000i64)
            .bind(maybe_amount)
            .bind(1_764_979_200_123i64)
            .bind(maybe_at)
            .fetch_one(db.pool())
            .await
            .unwrap();
            assert_eq!(row.amount, Fen::MAX);
            assert_eq!(row.maybe_amount, maybe_amount.map(Fen::new));
            assert_eq!(row.at, Timestamp::from_millis(1_764_979_200_123));
            assert_eq!(row.maybe_at, maybe_at.map(Timestamp::from_millis));
        }
    }
}

/// SQLite busy past its timeout, and PostgreSQL's serialization failure, are the database being
/// briefly unable to serve (503 with a retry hint), not internal errors; a constraint is not.
#[tokio::test]
async fn a_busy_or_conflicting_database_is_unavailable_not_an_internal_error() {
    use sqlx::Connection;
    use zhizao_core::{Classified, ErrorKind};
    sqlx::any::install_default_drivers();
    let directory = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        directory.path().join("busy.sqlite3").display()
    );
    let mut holder = sqlx::AnyConnection::connect(&url).await.unwrap();
    sqlx::query("CREATE TABLE t (id BIGINT PRIMARY KEY)")
        .execute(&mut holder)
        .await
        .unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut holder)
        .await
        .unwrap();
    let mut waiter = sqlx::AnyConnection::connect(&url).await.unwrap();
    sqlx::query("PRAGMA busy_timeout = 50")
        .execute(&mut waiter)
        .await
        .unwrap();
    let busy = sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut waiter)
        .await
        .unwrap_err();
    assert!(zhizao_db::transient(&busy), "{busy}");
    assert_eq!(zhizao_db::Error::Query(busy).kind(), ErrorKind::Unavailable);
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();

    for test in test_databases().await {
        let db = &test.db;
        sqlx::query("CREATE TABLE pairs (id BIGINT PRIMARY KEY)")
            .execute(db.pool())
            .await
            .unwrap();
        sqlx::query("INSERT INTO pairs (id) VALUES (1)")
            .execute(db.pool())
            .await
            .unwrap();
        let duplicate = sqlx::query("INSERT INTO pairs (id) VALUES (1)")
            .execute(db.pool())
            .await
            .unwrap_err();
        assert!(!zhizao_db::transient(&duplicate), "{duplicate}");
        assert_eq!(
            zhizao_db::Error::Query(duplicate).kind(),
            ErrorKind::Conflict
        );
        if db.backend() == zhizao_db::Backend::Postgres {
            // Two serializable transactions that read what the other writes: one fails with
            // 40001, which is worth retrying.
            let mut a = db.pool().begin().await.unwrap();
            let mut b = db.pool().begin().await.unwrap();
            for t in [&mut a, &mut b] {
                sqlx::query("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
                    .execute(&mut **t)
                    .await
                    .unwrap();
                sqlx::query("SELECT COUNT(*) FROM pairs")
                    .fetch_one(&mut **t)
                    .await
                    .unwrap();
            }
            sqlx::query("INSERT INTO pairs (id) VALUES (2)")
                .execute(&mut *a)
                .await
                .unwrap();
            sqlx::query("INSERT INTO pairs (id) VALUES (3)")
                .execute(&mut *b)
                .await
                .unwrap();
            a.commit().await.unwrap();
            let conflict = b.commit().await.unwrap_err();
            assert!(zhizao_db::transient(&conflict), "{conflict}");
            assert_eq!(
                zhizao_db::Error::Query(conflict).kind(),
                ErrorKind::Unavailable
            );
        }
    }
}

/// Rows of `organizations` as `code|name`, in code order.
async fn organizations(db: &Database) -> Vec<String> {
    sqlx::query_scalar("SELECT code || '|' || name FROM organizations ORDER BY code")
        .fetch_all(db.pool())
        .await
        .unwrap()
}

/// A backup holds every row committed before it and none after, restores into an empty
/// database only, and a restored database is at the same schema.
#[tokio::test]
async fn a_backup_restores_every_row_on_every_backend() {
    for test in test_databases().await {
        let db = &test.db;
        let insert = "INSERT INTO organizations (id, code, kind, name, created_at, updated_at) VALUES ($1, $2, 'enterprise', $3, 0, 0)";
        for i in 0..50_i64 {
            sqlx::query(insert)
                .bind(i + 1)
                .bind(format!("org-{i:03}"))
                .bind(format!("中山市第{i}号‘厂’ \"O'Brien\"; --"))
                .execute(db.pool())
                .await
                .unwrap();
        }
        let before = organizations(db).await;
        let directory = tempfile::tempdir().unwrap();
        let file = directory.path().join("database.backup");
        db.back_up_into(&test.url, &file).await.unwrap();
        let again = db.back_up_into(&test.url, &file).await.unwrap_err();
        assert!(again.to_string().contains("exists already"), "{again}");
        sqlx::query(insert)
            .bind(100_i64)
            .bind("org-after")
            .bind("after the backup")
            .execute(db.pool())
            .await
            .unwrap();

        let restored_url = match db.backend() {
            Backend::Sqlite => format!("sqlite://{}", file.display()),
            Backend::Postgres => {
                let admin = std::env::var("ZHIZAO_TEST_POSTGRES_URL").unwrap();
                let url = zhizao_db::testing::blank_postgres(&admin).await;
                zhizao_db::restore_postgres(&url, &file).await.unwrap();
                // Into a database that holds data: refused, whole, by pg_restore.
                let refused = zhizao_db::restore_postgres(&url, &file).await.unwrap_err();
                assert!(refused.to_string().contains("pg_restore"), "{refused}");
                url
            }
        };
        let restored = Database::connect(&restored_url, PoolSettings::default())
            .await
            .unwrap();
        assert_eq!(organizations(&restored).await, before, "{:?}", db.backend());
        assert!(!restored.is_blank().await.unwrap());
        assert_eq!(
            restored.schema_version().await.unwrap(),
            Some(zhizao_db::latest_schema_version())
        );
        restored
            .migrate()
            .await
            .expect("a restored database is current");
        restored.close().await;
    }
}
