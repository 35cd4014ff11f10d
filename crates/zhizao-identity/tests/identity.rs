//! Identity on every backend: organisations, users, sign-in, throttling, sessions, tokens, audit.

use std::sync::Arc;

use zhizao_core::{Classified, FixedClock, PageRequest};
use zhizao_db::testing::{TestDatabase, test_databases};
use zhizao_identity::audit::AuditFilter;
use zhizao_identity::testing::{self, PASSWORD};
use zhizao_identity::{
    Actor, Channel, Error, Identity, IdentitySettings, NewOrganization, NewUser, Principal,
    UserFilter, UserUpdate,
};

struct Fixture {
    identity: Identity,
    clock: Arc<FixedClock>,
    _db: TestDatabase,
}

async fn fixture(test: TestDatabase) -> Fixture {
    let clock = testing::fixed_clock();
    let identity = testing::identity(&test.db, &clock);
    sqlx::query("INSERT INTO towns (code, name_zh, name_en, kind, valid_from, sort_order) VALUES ('442000118', '小榄镇', 'Xiaolan', 'town', '2021-01-01', 1)")
        .execute(test.db.pool())
        .await
        .unwrap();
    let mut transaction = test.db.begin().await.unwrap();
    testing::create_organizations(
        &mut transaction,
        &[
            testing::ORGANIZATIONS[0],
            testing::ORGANIZATIONS[1],
            testing::ORGANIZATIONS[3],
        ],
    )
    .await;
    testing::create_users(
        &mut transaction,
        &testing::users(&["admin", "xiaolan", "polisher"]),
    )
    .await;
    transaction.commit().await.unwrap();
    Fixture {
        identity,
        clock,
        _db: test,
    }
}

async fn login(identity: &Identity, username: &str) -> (Principal, String) {
    let outcome = identity
        .login(username, PASSWORD, "10.0.0.1", "test")
        .await
        .unwrap();
    (outcome.principal, outcome.token.expose().to_owned())
}

#[tokio::test]
async fn sign_in_opens_a_session_that_expires_and_can_be_revoked() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let (principal, token) = login(&f.identity, "Admin").await;
        assert_eq!(principal.username, "admin");
        assert_eq!(principal.organization_code, "city");
        let again = f
            .identity
            .authenticate_session(&token, Channel::Web, "10.0.0.1")
            .await
            .unwrap();
        assert_eq!(again.user_id, principal.user_id);
        assert!(matches!(
            f.identity
                .authenticate_session("not-a-token", Channel::Web, "10.0.0.1")
                .await,
            Err(Error::InvalidCredentials)
        ));

        // Idle for longer than the timeout: the session is over.
        f.clock
            .advance(IdentitySettings::default().session_idle_timeout_ms + 1);
        assert!(
            f.identity
                .authenticate_session(&token, Channel::Web, "x")
                .await
                .is_err()
        );

        let (principal, token) = login(&f.identity, "admin").await;
        let sessions = f.identity.list_sessions(&principal, "admin").await.unwrap();
        assert_eq!(sessions.len(), 1, "the expired session is not listed");
        assert!(sessions[0].current);
        f.identity
            .revoke_session(&principal, sessions[0].id)
            .await
            .unwrap();
        assert!(
            f.identity
                .authenticate_session(&token, Channel::Web, "x")
                .await
                .is_err()
        );
    }
}

#[tokio::test]
async fn repeated_failures_lock_the_account_and_are_audited() {
    for test in test_databases().await {
        let f = fixture(test).await;
        for _ in 0..5 {
            let error = f
                .identity
                .login("xiaolan", "wrong-password-1", "10.0.0.9", "t")
                .await
                .unwrap_err();
            assert!(matches!(error, Error::InvalidCredentials), "{error:?}");
        }
        // Locked now, even with the right password.
        let error = f
            .identity
            .login("xiaolan", PASSWORD, "10.0.0.9", "t")
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::Throttled { retry_after_seconds } if retry_after_seconds > 0),
            "{error:?}"
        );
        // Unknown users fail the same way as wrong passwords.
        assert!(matches!(
            f.identity.login("nobody", PASSWORD, "10.0.0.9", "t").await,
            Err(Error::InvalidCredentials)
        ));
        f.clock
            .advance(IdentitySettings::default().lockout_base_ms + 1);
        let (admin, _) = login(&f.identity, "xiaolan").await;
        assert_eq!(admin.role.as_str(), "town_staff");

        let (admin, _) = login(&f.identity, "admin").await;
        let failures = f
            .identity
            .audit_log(
                &admin,
                &AuditFilter {
                    action: Some("session.login_failed".into()),
                    ..AuditFilter::default()
                },
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(
            failures.total, 7,
            "5 wrong passwords, 1 locked attempt, 1 unknown user"
        );
        assert!(failures.items.iter().all(|e| e.ip == "10.0.0.9"));
    }
}

#[tokio::test]
async fn one_address_cannot_guess_across_many_accounts() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let limit = IdentitySettings::default().failures_per_address;
        for attempt in 0..limit {
            let _ = f
                .identity
                .login(&format!("guess{attempt}"), "nope-nope-1", "10.9.9.9", "t")
                .await;
        }
        let error = f
            .identity
            .login("admin", PASSWORD, "10.9.9.9", "t")
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Throttled { .. }), "{error:?}");
        assert!(
            f.identity
                .login("admin", PASSWORD, "10.9.9.10", "t")
                .await
                .is_ok(),
            "other addresses still work"
        );
    }
}

#[tokio::test]
async fn tokens_are_shown_once_stored_hashed_and_revocable() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let (principal, _) = login(&f.identity, "polisher").await;
        let token = f
            .identity
            .create_token(&principal, "ERP sync", None)
            .await
            .unwrap();
        assert!(token.secret.starts_with("zz_"));
        let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
            .fetch_all(f.identity.database().pool())
            .await
            .unwrap();
        assert!(
            !stored.contains(&token.secret),
            "the secret itself is never stored"
        );

        let by_token = f
            .identity
            .authenticate_token(&token.secret, "10.1.1.1")
            .await
            .unwrap();
        assert_eq!(by_token.username, "polisher");
        assert_eq!(by_token.channel, Channel::Api);
        let listed = f
            .identity
            .list_tokens(&principal, "polisher")
            .await
            .unwrap();
        assert_eq!(listed[0].last_used_ip.as_deref(), Some("10.1.1.1"));

        // Another tenant cannot see or revoke it.
        let (other, _) = login(&f.identity, "xiaolan").await;
        assert!(matches!(
            f.identity.revoke_token(&other, token.view.id).await,
            Err(Error::NotFound { .. })
        ));
        assert!(matches!(
            f.identity.list_tokens(&other, "polisher").await,
            Err(Error::NotFound { .. })
        ));

        f.identity
            .revoke_token(&principal, token.view.id)
            .await
            .unwrap();
        assert!(
            f.identity
                .authenticate_token(&token.secret, "10.1.1.1")
                .await
                .is_err()
        );
    }
}

#[tokio::test]
async fn disabling_a_user_ends_their_access_and_role_changes_are_audited() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let (admin, _) = login(&f.identity, "admin").await;
        let (_, session) = login(&f.identity, "polisher").await;
        let token = f
            .identity
            .create_token_for_user(&Actor::command_line(), "polisher", "cli")
            .await
            .unwrap();

        let stale = f
            .identity
            .update_user(
                &admin,
                "polisher",
                &UserUpdate {
                    display_name: Some("张某某".into()),
                    ..UserUpdate::default()
                },
                Some(99),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(stale, Error::StaleVersion { current: 1, .. }),
            "{stale:?}"
        );

        let wrong_kind = f
            .identity
            .update_user(
                &admin,
                "polisher",
                &UserUpdate {
                    role: Some("city_staff".into()),
                    ..UserUpdate::default()
                },
                None,
            )
            .await
            .unwrap_err();
        assert_eq!(wrong_kind.field_errors()[0].field, "role");

        let disabled = f
            .identity
            .update_user(
                &admin,
                "polisher",
                &UserUpdate {
                    disabled: Some(true),
                    ..UserUpdate::default()
                },
                Some(1),
            )
            .await
            .unwrap();
        assert!(disabled.disabled);
        assert!(
            f.identity
                .authenticate_session(&session, Channel::Web, "x")
                .await
                .is_err()
        );
        assert!(
            f.identity
                .authenticate_token(&token.secret, "x")
                .await
                .is_err()
        );
        assert!(
            f.identity
                .login("polisher", PASSWORD, "10.0.0.2", "t")
                .await
                .is_err()
        );

        let history = f
            .identity
            .audit_log(
                &admin,
                &AuditFilter {
                    entity_key: Some("polisher".into()),
                    ..AuditFilter::default()
                },
                PageRequest::default(),
            )
            .await
            .unwrap();
        let disabled_entry = history
            .items
            .iter()
            .find(|e| e.action == "user.disabled")
            .expect("disable audited");
        let changes = disabled_entry.parsed_changes();
        assert_eq!(changes["disabled"].before, serde_json::json!(false));
        assert_eq!(changes["disabled"].after, serde_json::json!(true));
        assert_eq!(disabled_entry.actor_username, "admin");

        let (town, _) = login(&f.identity, "xiaolan").await;
        assert!(matches!(
            f.identity
                .audit_log(&town, &AuditFilter::default(), PageRequest::default())
                .await,
            Err(Error::Forbidden(_))
        ));
    }
}

#[tokio::test]
async fn organisations_are_validated_and_scoped() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let (admin, _) = login(&f.identity, "admin").await;
        let invalid = f
            .identity
            .create_organization(
                &admin,
                &NewOrganization {
                    code: "../x".into(),
                    kind: "town".into(),
                    name: " ".into(),
                    ..NewOrganization::default()
                },
            )
            .await
            .unwrap_err();
        let fields: Vec<String> = invalid
            .field_errors()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["code", "name", "town_code"]);
        let duplicate = f
            .identity
            .create_organization(
                &admin,
                &NewOrganization {
                    code: "polish".into(),
                    kind: "platform".into(),
                    name: "又一个".into(),
                    ..NewOrganization::default()
                },
            )
            .await
            .unwrap_err();
        assert!(
            matches!(duplicate, Error::Duplicate { field: "code", .. }),
            "{duplicate:?}"
        );

        let all = f
            .identity
            .list_organizations(&admin, &Default::default(), PageRequest::default())
            .await
            .unwrap();
        assert_eq!(all.total, 3);
        let (platform, _) = login(&f.identity, "polisher").await;
        let own = f
            .identity
            .list_organizations(&platform, &Default::default(), PageRequest::default())
            .await
            .unwrap();
        assert_eq!(
            own.items
                .iter()
                .map(|o| o.code.as_str())
                .collect::<Vec<_>>(),
            ["polish"]
        );
        assert!(matches!(
            f.identity.organization(&platform, "city").await,
            Err(Error::NotFound { .. })
        ));
        assert!(matches!(
            f.identity
                .update_organization(&platform, "city", &Default::default(), None)
                .await,
            Err(Error::NotFound { .. })
        ));
    }
}

/// How many messages the outbox holds.
async fn outbox_size(identity: &Identity, admin: &Principal) -> i64 {
    identity
        .notifications(admin, PageRequest::default())
        .await
        .unwrap()
        .total
}

/// The token at the end of the newest outbox message's link.
async fn newest_link(identity: &Identity, admin: &Principal) -> (String, String) {
    let outbox = identity
        .notifications(admin, PageRequest::default())
        .await
        .unwrap();
    let message = outbox.items.first().expect("a message in the outbox");
    let token = message
        .body
        .split("/password/reset/")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("a link in {:?}", message.body))
        .to_owned();
    (message.recipient.clone(), token)
}

#[tokio::test]
async fn a_forgotten_password_is_reset_once_by_a_link_that_expires() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let (admin, _) = login(&f.identity, "admin").await;
        let polisher = f
            .identity
            .update_user(
                &admin,
                "polisher",
                &UserUpdate {
                    email: Some("Polisher@Example.com".into()),
                    ..UserUpdate::default()
                },
                None,
            )
            .await
            .unwrap();
        let (_, session) = login(&f.identity, "polisher").await;

        // An unknown name is answered like a known one, and nothing is sent.
        f.identity
            .request_password_reset("nobody", "10.0.0.9", "https://zz.example/")
            .await
            .unwrap();
        assert_eq!(outbox_size(&f.identity, &admin).await, 0);

        // By e-mail address, in any case: the link goes to that address.
        f.identity
            .request_password_reset("polisher@example.com", "10.0.0.9", "https://zz.example/")
            .await
            .unwrap();
        let (recipient, token) = newest_link(&f.identity, &admin).await;
        assert_eq!(recipient, "Polisher@Example.com");
        assert!(f.identity.reset_link_works(&token).await.unwrap());
        assert!(!f.identity.reset_link_works("forged").await.unwrap());

        // A weak password is named and leaves the link working.
        let weak = f
            .identity
            .reset_password_with_link(&token, "short", "10.0.0.9")
            .await
            .unwrap_err();
        assert_eq!(weak.field_errors()[0].field, "password");
        assert!(f.identity.reset_link_works(&token).await.unwrap());

        f.identity
            .reset_password_with_link(&token, "Fresh-Polish-2026", "10.0.0.9")
            .await
            .unwrap();
        // Once: the link is used, the old password and the old session are over.
        assert!(!f.identity.reset_link_works(&token).await.unwrap());
        let again = f
            .identity
            .reset_password_with_link(&token, "Other-Polish-2026", "10.0.0.9")
            .await
            .unwrap_err();
        assert_eq!(again.field_errors()[0].field, "token");
        assert!(
            f.identity
                .authenticate_session(&session, Channel::Web, "10.0.0.1")
                .await
                .is_err()
        );
        assert!(
            f.identity
                .login("polisher", PASSWORD, "10.0.0.2", "t")
                .await
                .is_err()
        );
        f.identity
            .login("polisher", "Fresh-Polish-2026", "10.0.0.2", "t")
            .await
            .unwrap();
        let current = f.identity.user(&admin, "polisher").await.unwrap();
        assert!(current.version > polisher.version);

        // A link not used within its minutes stops working.
        f.identity
            .request_password_reset("polisher", "10.0.0.8", "https://zz.example")
            .await
            .unwrap();
        let (_, late) = newest_link(&f.identity, &admin).await;
        f.clock
            .advance(zhizao_identity::RESET_LINK_MINUTES * 60_000 + 1);
        assert!(!f.identity.reset_link_works(&late).await.unwrap());
        assert!(
            f.identity
                .reset_password_with_link(&late, "Late-Polish-2026", "10.0.0.8")
                .await
                .is_err()
        );

        // An account is sent a few links an hour (two went out this hour); asking more sends
        // nothing more.
        let before = outbox_size(&f.identity, &admin).await;
        for n in 0..5 {
            f.identity
                .request_password_reset("polisher", &format!("10.0.1.{n}"), "https://zz.example")
                .await
                .unwrap();
        }
        let after = outbox_size(&f.identity, &admin).await;
        assert_eq!(after - before, 1, "three links an hour");
        f.clock.advance(60 * 60_000);
        for n in 0..5 {
            f.identity
                .request_password_reset("polisher", &format!("10.0.3.{n}"), "https://zz.example")
                .await
                .unwrap();
        }
        let next_hour = outbox_size(&f.identity, &admin).await;
        assert_eq!(next_hour - after, 3, "three links the next hour");

        // One address asking again and again is throttled like failed sign-ins.
        let mut throttled = None;
        for _ in 0..40 {
            if let Err(error) = f
                .identity
                .request_password_reset("nobody", "10.0.2.1", "https://zz.example")
                .await
            {
                throttled = Some(error);
                break;
            }
        }
        assert!(
            matches!(throttled, Some(Error::Throttled { .. })),
            "{throttled:?}"
        );

        // The outbox is the city administrators' to read.
        let (platform, _) = login(&f.identity, "xiaolan").await;
        assert!(matches!(
            f.identity
                .notifications(&platform, PageRequest::default())
                .await,
            Err(Error::Forbidden(_))
        ));
        // The history says who asked and who reset, never the link.
        let history = f
            .identity
            .audit_log(
                &admin,
                &AuditFilter {
                    entity_key: Some("polisher".into()),
                    ..AuditFilter::default()
                },
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert!(
            history
                .items
                .iter()
                .any(|e| e.action == "user.password_reset")
        );
        assert!(
            history
                .items
                .iter()
                .all(|e| !format!("{e:?}").contains(&token))
        );
    }
}

#[tokio::test]
async fn an_organisations_administrator_manages_its_own_users_only() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let (admin, _) = login(&f.identity, "admin").await;
        f.identity
            .update_user(
                &admin,
                "polisher",
                &UserUpdate {
                    org_admin: Some(true),
                    ..UserUpdate::default()
                },
                None,
            )
            .await
            .unwrap();
        let (polisher, _) = login(&f.identity, "polisher").await;
        assert!(polisher.org_admin);

        let new = |organization: &str, username: &str, role: &str| NewUser {
            organization_code: organization.into(),
            username: username.into(),
            role: role.into(),
            password: "Polish-Line-2026".into(),
            ..NewUser::default()
        };
        let colleague = f
            .identity
            .create_user(&polisher, &new("polish", "polisher2", "platform_staff"))
            .await
            .unwrap();
        assert!(!colleague.org_admin);
        // Not in another organisation, and not with a role of another kind.
        assert!(matches!(
            f.identity
                .create_user(&polisher, &new("city", "sneaky", "city_admin"))
                .await,
            Err(Error::Forbidden(_))
        ));
        let role = f
            .identity
            .create_user(&polisher, &new("polish", "sneaky", "city_admin"))
            .await
            .unwrap_err();
        assert_eq!(role.field_errors()[0].field, "role");

        // The list holds the organisation's users; another's user is not found.
        let users = f
            .identity
            .list_users(&polisher, &UserFilter::default(), PageRequest::default())
            .await
            .unwrap();
        let mut names: Vec<_> = users.items.iter().map(|u| u.username.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["polisher", "polisher2"]);
        assert!(matches!(
            f.identity.user(&polisher, "xiaolan").await,
            Err(Error::NotFound { .. })
        ));
        assert!(matches!(
            f.identity
                .update_user(
                    &polisher,
                    "xiaolan",
                    &UserUpdate {
                        disabled: Some(true),
                        ..UserUpdate::default()
                    },
                    None
                )
                .await,
            Err(Error::NotFound { .. })
        ));

        // Disables a colleague, makes them an administrator, but cannot give up its own
        // administration (someone must be left to manage the users).
        let disabled = f
            .identity
            .update_user(
                &polisher,
                "polisher2",
                &UserUpdate {
                    disabled: Some(true),
                    org_admin: Some(true),
                    ..UserUpdate::default()
                },
                None,
            )
            .await
            .unwrap();
        assert!(disabled.disabled && disabled.org_admin);
        let own = f
            .identity
            .update_user(
                &polisher,
                "polisher",
                &UserUpdate {
                    org_admin: Some(false),
                    ..UserUpdate::default()
                },
                None,
            )
            .await
            .unwrap_err();
        assert_eq!(own.field_errors()[0].field, "org_admin");

        // A user who is not an administrator changes only their own name.
        let (town, _) = login(&f.identity, "xiaolan").await;
        assert!(matches!(
            f.identity
                .create_user(&town, &new("442000118", "xiaolan2", "town_staff"))
                .await,
            Err(Error::Forbidden(_))
        ));
        let names: Vec<_> = f
            .identity
            .list_users(&town, &UserFilter::default(), PageRequest::default())
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|u| u.username)
            .collect();
        assert_eq!(names, ["xiaolan"]);
    }
}
