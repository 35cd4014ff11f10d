//! Open data keys on every backend: the city's data office issues them (bad input named by
//! field, nobody else may), a key is admitted within its rate limit and refused past it with
//! the seconds to wait, every request is counted per day, and a revoked key is refused at once.

use std::sync::Arc;

use zhizao_core::{Classified, ErrorKind, FixedClock};
use zhizao_db::testing::{TestDatabase, test_databases};
use zhizao_identity::testing;
use zhizao_identity::{Identity, Principal};
use zhizao_opendata::{Error, KeyInput, OpenData};

struct Fixture {
    open_data: OpenData,
    identity: Identity,
    clock: Arc<FixedClock>,
    db: TestDatabase,
}

impl Fixture {
    async fn sign_in(&self, username: &str) -> Principal {
        testing::sign_in(&self.identity, username).await
    }
}

async fn fixture(test: TestDatabase) -> Fixture {
    let db = test.db.clone();
    // The towns the city's and towns' organisations belong to.
    zhizao_registry::reference::sync(&db).await.unwrap();
    let clock = testing::fixed_clock();
    let identity = testing::identity(&db, &clock);
    let open_data = OpenData::new(db.clone(), Arc::<FixedClock>::clone(&clock));
    let mut transaction = db.begin().await.unwrap();
    testing::create_organizations(&mut transaction, testing::ORGANIZATIONS).await;
    testing::create_users(&mut transaction, testing::USERS).await;
    transaction.commit().await.unwrap();
    Fixture {
        open_data,
        identity,
        clock,
        db: test,
    }
}

fn input(per_minute: i64) -> KeyInput {
    KeyInput {
        holder: "广东省政务数据平台".into(),
        contact: "陈工 0760-88888888".into(),
        purpose: "汇集各市智能制造指标".into(),
        per_minute,
    }
}

#[tokio::test]
async fn the_city_issues_keys_that_are_limited_counted_and_revoked() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let backend = f.db.db.backend();
        let staff = f.sign_in("staff").await;

        // Bad input is named by field and stores nothing.
        let bad = KeyInput {
            holder: "x".into(),
            contact: String::new(),
            purpose: "ok ok".into(),
            per_minute: 0,
        };
        let error = f.open_data.issue(&staff, &bad).await.unwrap_err();
        let mut fields: Vec<String> = error.field_errors().into_iter().map(|e| e.field).collect();
        fields.sort();
        assert_eq!(fields, ["contact", "holder", "per_minute"], "{backend:?}");
        assert!(f.open_data.keys(&staff).await.unwrap().is_empty());

        // Only the city's data office issues, lists and sees keys.
        for username in ["xiaolan", "polisher", "expert"] {
            let other = f.sign_in(username).await;
            let error = f.open_data.issue(&other, &input(10)).await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Forbidden, "{username}");
            let error = f.open_data.keys(&other).await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Forbidden, "{username}");
        }

        let issued = f.open_data.issue(&staff, &input(2)).await.unwrap();
        assert!(issued.secret.starts_with("zod_"), "{}", issued.secret);
        assert!(issued.secret.starts_with(&issued.view.key_prefix));
        assert_eq!(issued.view.per_minute, 2);
        let id = issued.view.id;
        for username in ["xiaolan", "polisher", "expert"] {
            let other = f.sign_in(username).await;
            let error = f.open_data.key(&other, id).await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::NotFound, "{username}");
            let error = f.open_data.revoke(&other, id).await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::NotFound, "{username}");
        }

        // Two a minute: a burst of two, then one each 30 s.
        let first = f.open_data.admit(&issued.secret).await.unwrap();
        assert_eq!((first.key_id, first.remaining), (id, 1));
        f.open_data.admit(&issued.secret).await.unwrap();
        match f.open_data.admit(&issued.secret).await.unwrap_err() {
            Error::RateLimited {
                per_minute,
                retry_after,
            } => assert_eq!((per_minute, retry_after), (2, 30)),
            other => panic!("{other}"),
        }
        f.clock.advance(30_000);
        f.open_data.admit(&issued.secret).await.unwrap();

        // An unknown secret, a mangled one and another scheme's token are all unauthenticated.
        let mangled = &issued.secret[..issued.secret.len() - 1];
        for secret in ["zod_nope", "", "zz_abc", mangled] {
            let error = f.open_data.admit(secret).await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Unauthenticated, "{secret:?}");
        }

        // Counted per day, answered and refused apart.
        let view = f.open_data.key(&staff, id).await.unwrap();
        assert_eq!(
            (view.answered, view.refused, view.answered_today),
            (3, 1, 3),
            "{backend:?}"
        );
        assert!(view.last_used_at.is_some());
        f.clock.advance(86_400_000);
        f.open_data.admit(&issued.secret).await.unwrap();
        let days = f.open_data.usage(&staff, id, 30).await.unwrap();
        let days: Vec<(i64, i64)> = days.iter().map(|d| (d.answered, d.refused)).collect();
        assert_eq!(days, [(1, 0), (3, 1)], "newest first");

        // Revoked: refused at once, listed last, audited.
        let second = f.open_data.issue(&staff, &input(60)).await.unwrap();
        let revoked = f.open_data.revoke(&staff, id).await.unwrap();
        assert_eq!(revoked.revoked_by.as_deref(), Some("staff"));
        let error = f.open_data.admit(&issued.secret).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Unauthenticated);
        f.open_data.admit(&second.secret).await.unwrap();
        let listed: Vec<i64> = f
            .open_data
            .keys(&staff)
            .await
            .unwrap()
            .iter()
            .map(|k| k.id)
            .collect();
        assert_eq!(listed, [second.view.id, id]);
        let actions: Vec<String> = sqlx::query_scalar(
            "SELECT action FROM audit_log WHERE entity_type = 'open_data_key' ORDER BY id",
        )
        .fetch_all(f.db.db.pool())
        .await
        .unwrap();
        assert_eq!(
            actions,
            [
                "open_data.key_issued",
                "open_data.key_issued",
                "open_data.key_revoked"
            ]
        );
    }
}
