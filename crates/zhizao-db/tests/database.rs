//! The store's behaviour on every backend: migrations, ids, constraint names, dynamic SQL.

use zhizao_db::testing::test_databases;
use zhizao_db::{SqlBuilder, allocate_ids, unique_violation};

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
