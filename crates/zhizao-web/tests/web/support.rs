//! A test application per database backend, seeded with a few tenants, reached in-process.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use zhizao_core::{CreditCode, FixedClock, Timestamp};
use zhizao_db::testing::{TestDatabase, test_databases};
use zhizao_identity::{
    Actor, Identity, IdentitySettings, NewOrganization, NewUser, PasswordHashing,
    create_organization_in, create_token_in, create_user_in,
};
use zhizao_registry::{BulkRegistrar, EnterpriseInput, Registry, link_platform_client};
use zhizao_web::{AppState, WebSettings};

pub(crate) const NOW: i64 = 1_795_700_000_000;
pub(crate) const PASSWORD: &str = "correct-horse-42";

/// A valid credit code numbered `n`.
pub(crate) fn code(n: u32) -> String {
    CreditCode::from_parts('9', '1', "442000", &format!("{n:08}"))
        .unwrap()
        .to_string()
}

/// The makers' enterprise (Xiaolan), another Xiaolan enterprise, and a Nantou enterprise that is
/// a client of the polishing platform.
pub(crate) fn maker_code() -> String {
    code(1)
}
pub(crate) fn xiaolan_code() -> String {
    code(2)
}
pub(crate) fn nantou_code() -> String {
    code(3)
}

/// Every test user: (user name, organisation, role).
pub(crate) const USERS: &[(&str, &str, &str)] = &[
    ("admin", "city", "city_admin"),
    ("staff", "city", "city_staff"),
    ("xiaolan", "442000118", "town_staff"),
    ("nantou", "442000111", "town_staff"),
    ("polisher", "polish", "platform_staff"),
    ("expert", "experts", "expert"),
    ("maker", "<maker>", "enterprise_user"),
    ("rival", "<rival>", "enterprise_user"),
];

pub(crate) struct TestApp {
    pub(crate) router: Router,
    pub(crate) tokens: HashMap<&'static str, String>,
    pub(crate) token_ids: HashMap<&'static str, i64>,
    pub(crate) identity: Identity,
    pub(crate) telemetry: zhizao_telemetry::TelemetryStore,
    pub(crate) clock: Arc<FixedClock>,
    pub(crate) backend: &'static str,
    pub(crate) _db: TestDatabase,
    pub(crate) _telemetry_directory: tempfile::TempDir,
    pub(crate) _attachment_directory: tempfile::TempDir,
}

pub(crate) fn enterprise(n: u32, town: &str, industry: &str) -> EnterpriseInput {
    EnterpriseInput {
        credit_code: Some(code(n)),
        name: Some(format!("中山市测试{n}号企业（示例）")),
        legal_representative: Some("张某某".into()),
        town: Some(town.into()),
        industry_code: Some(industry.into()),
        above_designated_size: Some(true),
        employees: Some(Some(100)),
        annual_revenue_fen: Some(Some(zhizao_core::Fen::new(5_000_000_000))),
        ..EnterpriseInput::default()
    }
}

pub(crate) async fn app_on(test: TestDatabase) -> TestApp {
    let db = test.db.clone();
    zhizao_registry::reference::sync(&db).await.unwrap();
    let clock = Arc::new(FixedClock::new(Timestamp::from_millis(NOW)));
    let identity = Identity::new(
        db.clone(),
        std::sync::Arc::<FixedClock>::clone(&clock),
        PasswordHashing::for_tests(),
        IdentitySettings::default(),
    );
    let registry = Registry::new(db.clone(), Arc::<FixedClock>::clone(&clock));
    let attachment_directory = tempfile::tempdir().unwrap();
    let projects = zhizao_projects::Projects::new(db.clone(), Arc::<FixedClock>::clone(&clock))
        .with_attachment_dir(attachment_directory.path().to_owned());
    let actor = Actor::system("test");
    let now = Timestamp::from_millis(NOW);
    let mut transaction = db.begin().await.unwrap();
    for (code, kind, name, town) in [
        ("city", "city", "市科技局", None),
        ("442000118", "town", "小榄镇办事处", Some("442000118")),
        ("442000111", "town", "南头镇办事处", Some("442000111")),
        ("polish", "platform", "共享打磨抛光平台", None),
        ("experts", "expert_panel", "专家组", None),
    ] {
        let new = NewOrganization {
            code: code.into(),
            kind: kind.into(),
            name: name.into(),
            town_code: town.map(Into::into),
            ..Default::default()
        };
        create_organization_in(&mut transaction, &actor, now, &new)
            .await
            .unwrap();
    }
    let registrar = BulkRegistrar::load(&mut transaction, now).await.unwrap();
    registrar
        .register(
            &mut transaction,
            &actor,
            now,
            &enterprise(1, "442000118", "3851"),
        )
        .await
        .unwrap();
    registrar
        .register(
            &mut transaction,
            &actor,
            now,
            &enterprise(2, "442000118", "3399"),
        )
        .await
        .unwrap();
    let nantou = registrar
        .register(
            &mut transaction,
            &actor,
            now,
            &enterprise(3, "442000111", "3856"),
        )
        .await
        .unwrap();
    let platform: i64 = sqlx::query_scalar("SELECT id FROM organizations WHERE code = 'polish'")
        .fetch_one(&mut *transaction)
        .await
        .unwrap();
    link_platform_client(&mut transaction, platform, nantou, now)
        .await
        .unwrap();
    let mut tokens = HashMap::new();
    let mut token_ids = HashMap::new();
    for (username, organization, role) in USERS {
        let organization = match *organization {
            "<maker>" => maker_code(),
            "<rival>" => nantou_code(),
            other => other.to_owned(),
        };
        let new = NewUser {
            organization_code: organization,
            username: (*username).into(),
            role: (*role).into(),
            password: PASSWORD.into(),
            ..Default::default()
        };
        let user = create_user_in(
            &mut transaction,
            &PasswordHashing::for_tests(),
            &actor,
            now,
            &new,
        )
        .await
        .unwrap();
        let token = create_token_in(&mut transaction, &actor, now, user.id, "tests", None)
            .await
            .unwrap();
        tokens.insert(*username, token.secret);
        token_ids.insert(*username, token.view.id);
    }
    transaction.commit().await.unwrap();
    let telemetry_directory = tempfile::tempdir().unwrap();
    let telemetry = zhizao_telemetry::TelemetryStore::open(zhizao_telemetry::StoreOptions::new(
        telemetry_directory.path().to_owned(),
    ))
    .unwrap();
    let devices = zhizao_devices::Devices::new(db.clone(), Arc::new(zhizao_core::SystemClock));
    let commands = zhizao_devices::rpc::CommandHub::default();
    let state = AppState::new(
        zhizao_web::Services {
            identity: identity.clone(),
            registry,
            devices: devices.clone(),
            commands: commands.clone(),
            telemetry: telemetry.clone(),
            projects,
        },
        db.clone(),
        WebSettings::default(),
    );
    let router = zhizao_web::router(state);
    let backend = db.backend().name();
    TestApp {
        router,
        tokens,
        token_ids,
        identity,
        telemetry,
        clock,
        backend,
        _db: test,
        _telemetry_directory: telemetry_directory,
        _attachment_directory: attachment_directory,
    }
}

/// One app per available backend.
pub(crate) async fn apps() -> Vec<TestApp> {
    let mut apps = Vec::new();
    for test in test_databases().await {
        apps.push(app_on(test).await);
    }
    apps
}

/// A response, read whole.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub(crate) fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Asserts a problem+json response with this status, returning its body.
    pub(crate) fn problem(&self, status: StatusCode) -> Value {
        assert_eq!(self.status, status, "{}", self.text());
        assert_eq!(
            self.content_type(),
            "application/problem+json",
            "{}",
            self.text()
        );
        let problem = self.json();
        assert_eq!(problem["status"], status.as_u16());
        assert!(
            problem["type"]
                .as_str()
                .unwrap_or("")
                .starts_with("/problems/"),
            "{problem}"
        );
        assert!(
            !problem["title"].as_str().unwrap_or("").is_empty(),
            "{problem}"
        );
        problem
    }
}

impl TestApp {
    pub(crate) async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    /// A device's JSON message to a device-API path, `{token}` replaced by its access token.
    pub(crate) async fn send_device(&self, template: &str, token: &str, body: Value) -> Reply {
        let request = Request::builder()
            .method("POST")
            .uri(template.replace("{token}", token))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(request).await
    }

    /// A JSON API call as `user` (or anonymously).
    pub(crate) async fn api(
        &self,
        method: &str,
        path: &str,
        user: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        self.api_with_headers(method, path, user, body, &[]).await
    }

    /// [`TestApp::api`] with extra request headers.
    pub(crate) async fn api_with_headers(
        &self,
        method: &str,
        path: &str,
        user: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::ACCEPT_LANGUAGE, "en");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(user) = user {
            request = request.header(
                header::AUTHORIZATION,
                format!("Bearer {}", self.tokens[user]),
            );
        }
        let request = match body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
            None => request.body(Body::empty()).unwrap(),
        };
        self.send(request).await
    }
}
