//! Accounts through the pages: a company signs up and its town approves it, a forgotten
//! password is reset by its link, and an enterprise's administrator opens accounts for its
//! colleagues.

use axum::http::StatusCode;
use serde_json::json;

use crate::pages::Visitor;
use crate::support::{TestApp, apps, code};

/// The link in the newest outbox message.
async fn newest_link(app: &TestApp) -> String {
    let admin = zhizao_identity::testing::sign_in(&app.identity, "admin").await;
    let outbox = app
        .identity
        .notifications(&admin, zhizao_core::PageRequest::default())
        .await
        .unwrap();
    let body = &outbox.items.first().expect("a message").body;
    let start = body.find("/password/reset/").expect("a link");
    body[start..].split_whitespace().next().unwrap().to_owned()
}

#[tokio::test]
async fn a_company_signs_up_on_its_page_and_its_town_lets_it_in() {
    for app in apps().await {
        let mut visitor = Visitor::new(&app);
        let form = visitor.get("/signup").await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.text().contains("name=\"credit_code\""));
        let csrf = visitor.csrf();
        let fields = |password_again: &'static str| {
            vec![
                ("csrf_token", csrf.clone()),
                ("credit_code", code(88)),
                ("enterprise_name", "中山市页面注册五金有限公司".to_owned()),
                ("legal_representative", "周七".to_owned()),
                ("town_code", "442000118".to_owned()),
                ("industry_code", "3399".to_owned()),
                ("contact_name", "周七".to_owned()),
                ("phone", "13900000088".to_owned()),
                ("email", String::new()),
                ("username", "hardware88".to_owned()),
                ("password", "Hardware-Page-2026".to_owned()),
                ("password_again", password_again.to_owned()),
            ]
        };
        // Passwords that differ are named beside the second one, and nothing is sent back.
        let mismatch = fields("Other-Page-2026");
        let refs: Vec<(&str, &str)> = mismatch.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = visitor.post("/signup", &refs).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        let text = reply.text();
        assert!(text.contains("id=\"password_again-error\""), "{text}");
        assert!(
            !text.contains("Hardware-Page-2026"),
            "a password is never echoed"
        );
        assert!(
            text.contains("中山市页面注册五金有限公司"),
            "the rest is kept"
        );

        let good = fields("Hardware-Page-2026");
        let refs: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = visitor.post("/signup", &refs).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        assert!(reply.text().contains("id=\"signup-sent\""));
        assert!(reply.text().contains("小榄镇"), "says who checks it");

        // Nantou does not see it; Xiaolan does and approves it.
        let mut nantou = Visitor::new(&app);
        nantou.sign_in("nantou").await;
        assert!(!nantou.get("/signups").await.text().contains("页面注册五金"));
        let mut company = Visitor::new(&app);
        company.sign_in("maker").await;
        assert_eq!(company.get("/signups").await.status, StatusCode::FORBIDDEN);
        let mut town = Visitor::new(&app);
        town.sign_in("xiaolan").await;
        let queue = town.get("/signups").await.text();
        assert!(queue.contains("页面注册五金"), "{queue}");
        let id = queue
            .split("action=\"/signups/")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .expect("a decision form")
            .to_owned();
        let csrf = town.csrf();
        let decision = format!("/signups/{id}/decision");
        // Refusing needs a reason; the page says so and nothing changes.
        let reply = town
            .post(
                &decision,
                &[
                    ("csrf_token", &csrf),
                    ("version", "1"),
                    ("decision", "reject"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.text().contains("id=\"decision-error\""));
        let reply = town
            .post(
                &decision,
                &[
                    ("csrf_token", &csrf),
                    ("version", "1"),
                    ("decision", "approve"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let notice = reply.headers["location"].to_str().unwrap().to_owned();
        assert!(town.get(&notice).await.text().contains("hardware88"));
        // A second click on a stale page is a conflict, said on the page.
        let reply = town
            .post(
                &decision,
                &[
                    ("csrf_token", &csrf),
                    ("version", "1"),
                    ("decision", "approve"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::CONFLICT);

        // The new administrator signs in with the password chosen at sign-up and sees its
        // enterprise and the page to manage its users.
        let mut joined = Visitor::new(&app);
        joined.get("/login").await;
        let csrf = joined.csrf();
        let reply = joined
            .post(
                "/login",
                &[
                    ("csrf_token", &csrf),
                    ("username", "hardware88"),
                    ("password", "Hardware-Page-2026"),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let users = joined.get("/users").await;
        assert_eq!(users.status, StatusCode::OK);
        assert!(users.text().contains("hardware88"));
        let new = joined.get("/users/new").await.text();
        assert!(new.contains(&code(88)) && new.contains("readonly"), "{new}");
        let csrf = joined.csrf();
        let reply = joined
            .post(
                "/users/new",
                &[
                    ("csrf_token", &csrf),
                    ("organization_code", &code(88)),
                    ("username", "hardware88-floor"),
                    ("role", "enterprise_user"),
                    ("password", "Floor-Worker-2026"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        // Another organisation's user is not found.
        assert_eq!(
            joined.get("/users/maker").await.status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn a_forgotten_password_is_reset_through_the_pages() {
    for app in apps().await {
        let reply = app
            .api(
                "PATCH",
                "/api/v1/users/maker",
                Some("admin"),
                Some(json!({"phone": "13700000001"})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let mut visitor = Visitor::new(&app);
        let login = visitor.get("/login").await.text();
        assert!(login.contains("href=\"/password/forgot\""));
        visitor.get("/password/forgot").await;
        let csrf = visitor.csrf();
        // The same answer for an account that does not exist.
        for name in ["nobody-at-all", "13700000001"] {
            let reply = visitor
                .post(
                    "/password/forgot",
                    &[("csrf_token", &csrf), ("login", name)],
                )
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
            assert!(reply.text().contains("id=\"reset-sent\""), "{name}");
        }
        let link = newest_link(&app).await;
        let page = visitor.get(&link).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.headers["referrer-policy"], "no-referrer");
        let csrf = visitor.csrf();
        let reply = visitor
            .post(
                &link,
                &[
                    ("csrf_token", &csrf),
                    ("password", "maker"),
                    ("password_again", "maker"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.text().contains("id=\"password-error\""));
        let reply = visitor
            .post(
                &link,
                &[
                    ("csrf_token", &csrf),
                    ("password", "Maker-Reset-2026"),
                    ("password_again", "Maker-Reset-2026"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        // Used: the link now says so and offers a new one.
        let used = visitor.get(&link).await;
        assert_eq!(used.status, StatusCode::NOT_FOUND);
        assert!(used.text().contains("id=\"link-broken\""));
        app.identity
            .login("maker", "Maker-Reset-2026", "10.0.0.3", "test")
            .await
            .unwrap();
    }
}
