//! A test application per database backend, seeded with a few tenants, reached in-process.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use zhizao_core::FixedClock;
use zhizao_db::testing::{TestDatabase, test_databases};
use zhizao_identity::testing;
use zhizao_identity::{Actor, Identity, create_token_in};
use zhizao_registry::testing::{enterprise, register};
use zhizao_registry::{Registry, link_platform_client};
use zhizao_web::{AppState, WebSettings};

pub(crate) use zhizao_identity::testing::{PASSWORD, credit_code as code};

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

/// Every test user (user name, organisation, role): the test kit's cast, the makers' user and
/// the Nantou enterprise's (their organisations are the enterprises' credit codes).
pub(crate) static USERS: LazyLock<Vec<testing::User>> = LazyLock::new(|| {
    let mut users = testing::USERS.to_vec();
    users.push(("maker", "<maker>", "enterprise_user"));
    users.push(("rival", "<rival>", "enterprise_user"));
    users
});

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

pub(crate) async fn app_on(test: TestDatabase) -> TestApp {
    let db = test.db.clone();
    zhizao_registry::reference::sync(&db).await.unwrap();
    let clock = testing::fixed_clock();
    let identity = testing::identity(&db, &clock);
    let registry = Registry::new(db.clone(), Arc::<FixedClock>::clone(&clock));
    let attachment_directory = tempfile::tempdir().unwrap();
    let projects = zhizao_projects::Projects::new(db.clone(), Arc::<FixedClock>::clone(&clock))
        .with_attachment_dir(attachment_directory.path().to_owned());
    let mut transaction = db.begin().await.unwrap();
    testing::create_organizations(&mut transaction, testing::ORGANIZATIONS).await;
    let ids = register(
        &mut transaction,
        &[
            enterprise(1, "442000118", "3851"),
            enterprise(2, "442000118", "3399"),
            enterprise(3, "442000111", "3856"),
        ],
    )
    .await;
    let platform: i64 = sqlx::query_scalar("SELECT id FROM organizations WHERE code = 'polish'")
        .fetch_one(&mut *transaction)
        .await
        .unwrap();
    link_platform_client(&mut transaction, platform, ids[2], testing::NOW)
        .await
        .unwrap();
    let (maker, rival) = (maker_code(), nantou_code());
    let users: Vec<(&str, &str, &str)> = USERS
        .iter()
        .map(|(username, organization, role)| {
            let organization = match *organization {
                "<maker>" => maker.as_str(),
                "<rival>" => rival.as_str(),
                other => other,
            };
            (*username, organization, *role)
        })
        .collect();
    let created = testing::create_users(&mut transaction, &users).await;
    let mut tokens = HashMap::new();
    let mut token_ids = HashMap::new();
    for ((username, _, _), user) in users.iter().zip(&created) {
        let token = create_token_in(
            &mut transaction,
            &Actor::system("test"),
            testing::NOW,
            user.id,
            "tests",
            None,
        )
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
    let assessments =
        zhizao_assessment::Assessments::new(db.clone(), Arc::<FixedClock>::clone(&clock))
            .with_file_dir(attachment_directory.path().join("maturity-evidence"));
    let state = AppState::new(
        zhizao_web::Services {
            identity: identity.clone(),
            registry,
            devices: devices.clone(),
            commands: commands.clone(),
            telemetry: telemetry.clone(),
            projects,
            // Plans and quotes search a fixed number of iterations, so dates do not depend
            // on the machine's speed.
            factories: zhizao_factory::Factories::new(db.clone(), Arc::<FixedClock>::clone(&clock))
                .with_plan_budget(std::time::Duration::from_secs(20), Some(300))
                .with_nesting_budget(40)
                .with_telemetry(telemetry.clone())
                .with_file_dir(attachment_directory.path().join("factory-orders")),
            services: zhizao_services::PublicServices::new(
                db.clone(),
                Arc::<FixedClock>::clone(&clock),
            )
            .with_file_dir(attachment_directory.path().join("service-requests")),
            assessments: assessments.clone(),
            solutions: zhizao_solutions::Solutions::new(
                db.clone(),
                Arc::<FixedClock>::clone(&clock),
                assessments,
            ),
            training: zhizao_training::Training::new(db.clone(), Arc::<FixedClock>::clone(&clock))
                .with_file_dir(attachment_directory.path().join("training")),
            talents: zhizao_talent::Talents::new(db.clone(), Arc::<FixedClock>::clone(&clock)),
            open_data: zhizao_opendata::OpenData::new(db.clone(), Arc::<FixedClock>::clone(&clock)),
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

/// A multipart form body with its content type: text `fields`, then a `file` field when given
/// (its name and bytes), as a browser sends a form with a file input.
pub(crate) fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "zhizao-pattern-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((file_name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
