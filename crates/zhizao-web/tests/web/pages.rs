//! The pages, driven in-process like a browser without JavaScript: sign-in with CSRF, every
//! page for every role, language switching, forms with errors next to their fields, and other
//! tenants' pages answering "not found".

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::support::{PASSWORD, Reply, TestApp, apps, maker_code, nantou_code, xiaolan_code};

/// A cookie jar and the requests a browser would make.
pub(crate) struct Visitor<'a> {
    app: &'a TestApp,
    cookies: HashMap<String, String>,
}

impl<'a> Visitor<'a> {
    pub(crate) fn new(app: &'a TestApp) -> Self {
        Visitor {
            app,
            cookies: HashMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub(crate) async fn send(
        &mut self,
        request: axum::http::request::Builder,
        body: Body,
    ) -> Reply {
        let request = request
            .header(header::COOKIE, self.cookie_header())
            .body(body)
            .unwrap();
        let reply = self.app.send(request).await;
        for value in reply.headers.get_all(header::SET_COOKIE) {
            let value = value.to_str().unwrap();
            let (pair, attributes) = value.split_once(';').unwrap_or((value, ""));
            let (name, content) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), content.to_owned());
            }
        }
        reply
    }

    pub(crate) async fn get(&mut self, path: &str) -> Reply {
        self.send(Request::builder().uri(path), Body::empty()).await
    }

    pub(crate) async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Reply {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        self.send(
            Request::builder()
                .method("POST")
                .uri(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
            Body::from(body),
        )
        .await
    }

    /// Posts a form with a file input (`multipart/form-data`), as a browser does.
    pub(crate) async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
    ) -> Reply {
        let (content_type, body) = crate::support::multipart(fields, file);
        self.send(
            Request::builder()
                .method("POST")
                .uri(path)
                .header(header::CONTENT_TYPE, content_type),
            Body::from(body),
        )
        .await
    }

    pub(crate) fn csrf(&self) -> String {
        self.cookies
            .get("zhizao_csrf")
            .cloned()
            .expect("a CSRF cookie was issued")
    }

    pub(crate) async fn sign_in(&mut self, username: &str) {
        self.get("/login").await;
        let csrf = self.csrf();
        let reply = self
            .post(
                "/login",
                &[
                    ("csrf_token", &csrf),
                    ("username", username),
                    ("password", PASSWORD),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    }
}

fn title(reply: &Reply) -> String {
    let text = reply.text();
    text.split_once("<title>")
        .and_then(|(_, rest)| rest.split_once("</title>"))
        .map(|(t, _)| t.to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn signing_in_needs_the_csrf_token_and_the_right_password() {
    for app in apps().await {
        let mut visitor = Visitor::new(&app);
        let page = visitor.get("/enterprises").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        let cookie = page
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with("zhizao_csrf="))
            .unwrap();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        assert_eq!(page.headers[header::LOCATION], "/login?next=%2Fenterprises");
        let login = visitor.get("/login?next=%2Fenterprises").await;
        assert_eq!(title(&login), "登录 · 智造平台", "Chinese by default");
        assert!(login.text().contains("lang=\"zh-CN\""));
        assert!(
            login.headers.get(header::SET_COOKIE).is_none(),
            "the CSRF cookie is issued once"
        );

        let forged = visitor
            .post(
                "/login",
                &[
                    ("csrf_token", "forged-token-0123456789"),
                    ("username", "admin"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let csrf = visitor.csrf();
        let wrong = visitor
            .post(
                "/login",
                &[
                    ("csrf_token", &csrf),
                    ("username", "admin"),
                    ("password", "wrong-password-1"),
                ],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.text().contains("用户名或密码不正确"));
        assert!(
            wrong.text().contains("value=\"admin\""),
            "the user name is kept"
        );
        let evil = visitor
            .post(
                "/login",
                &[
                    ("csrf_token", &csrf),
                    ("username", "admin"),
                    ("password", PASSWORD),
                    ("next", "https://evil.example/"),
                ],
            )
            .await;
        assert_eq!(
            evil.headers[header::LOCATION],
            "/",
            "an outside next is ignored"
        );
        let session = evil
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with("zhizao_session="));
        let session = session
            .unwrap_or_else(|| panic!("no session cookie: {:?} {}", evil.headers, evil.text()));
        assert!(
            session.contains("HttpOnly")
                && session.contains("SameSite=Lax")
                && !session.contains("Secure"),
            "{session}"
        );
        let home = visitor.get("/").await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.text().contains("欢迎"));

        // A session cookie does not authorise API writes without the CSRF header.
        let write = visitor
            .send(
                Request::builder()
                    .method("POST")
                    .uri("/api/v1/tokens")
                    .header(header::CONTENT_TYPE, "application/json"),
                Body::from("{\"name\": \"x\"}"),
            )
            .await;
        write.problem(StatusCode::FORBIDDEN);
        let csrf = visitor.csrf();
        let write = visitor
            .send(
                Request::builder()
                    .method("POST")
                    .uri("/api/v1/tokens")
                    .header(header::CONTENT_TYPE, "application/json")
                    .header("x-csrf-token", csrf.clone()),
                Body::from("{\"name\": \"x\"}"),
            )
            .await;
        assert_eq!(write.status, StatusCode::CREATED);

        let out = visitor.post("/logout", &[("csrf_token", &csrf)]).await;
        assert_eq!(out.headers[header::LOCATION], "/login");
        assert_eq!(
            visitor.get("/").await.status,
            StatusCode::SEE_OTHER,
            "signed out"
        );
    }
}

#[tokio::test]
async fn every_page_renders_for_every_role_and_other_tenants_see_404() {
    for app in apps().await {
        for (username, _, _) in crate::support::USERS.iter() {
            let mut visitor = Visitor::new(&app);
            visitor.sign_in(username).await;
            let administer = *username == "admin";
            let registry = !["expert"].contains(username);
            let mut pages = vec![("/", true), ("/account", true), ("/organizations", true)];
            pages.push(("/enterprises", true));
            pages.push((
                "/enterprises?q=%E6%B5%8B%E8%AF%95&size=above&sort=-revenue&page=1",
                true,
            ));
            pages.push(("/users", administer));
            pages.push(("/audit", administer));
            pages.push(("/users/new", administer));
            pages.push(("/organizations/new", administer));
            for (path, allowed) in pages {
                let reply = visitor.get(path).await;
                let expected = if allowed {
                    StatusCode::OK
                } else {
                    StatusCode::FORBIDDEN
                };
                assert_eq!(
                    reply.status,
                    expected,
                    "{username} {path}: {}",
                    reply.text()
                );
                assert!(!title(&reply).is_empty(), "{path} has a title");
            }
            let own = format!("/enterprises/{}", maker_code());
            let nantou = format!("/enterprises/{}", nantou_code());
            let xiaolan = format!("/enterprises/{}", xiaolan_code());
            let visible: Vec<&str> = match *username {
                "admin" | "staff" => vec![&own, &nantou, &xiaolan],
                "xiaolan" => vec![&own, &xiaolan],
                "nantou" | "polisher" => vec![&nantou],
                "maker" => vec![&own],
                "rival" => vec![&nantou],
                _ => vec![],
            };
            for (path, name) in [
                (&own, "中山市测试1号企业"),
                (&nantou, "中山市测试3号企业"),
                (&xiaolan, "中山市测试2号企业"),
            ] {
                let reply = visitor.get(path).await;
                if visible.contains(&path.as_str()) {
                    assert_eq!(reply.status, StatusCode::OK, "{username} {path}");
                    assert!(reply.text().contains("变更记录"), "the history is shown");
                } else {
                    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{username} {path}");
                    assert!(!reply.text().contains(name), "a 404 page reveals nothing");
                    let csrf = visitor.csrf();
                    for write in [format!("{path}/edit"), format!("{path}/delete")] {
                        let reply = visitor
                            .post(
                                &write,
                                &[("csrf_token", &csrf), ("version", "1"), ("address", "x")],
                            )
                            .await;
                        assert_eq!(
                            reply.status,
                            StatusCode::NOT_FOUND,
                            "{username} POST {write}"
                        );
                    }
                    assert_eq!(
                        visitor.get(&format!("{path}/edit")).await.status,
                        StatusCode::NOT_FOUND
                    );
                }
            }
            let other_org = visitor.get("/organizations/polish").await.status;
            assert_eq!(
                other_org,
                if ["admin", "staff", "polisher"].contains(username) {
                    StatusCode::OK
                } else {
                    StatusCode::NOT_FOUND
                },
                "{username}"
            );
            let other_user = visitor.get("/users/polisher").await.status;
            assert_eq!(
                other_user,
                if administer {
                    StatusCode::OK
                } else {
                    StatusCode::NOT_FOUND
                },
                "{username}"
            );
            let csrf = visitor.csrf();
            let token = app.token_ids["polisher"].to_string();
            if !["admin", "polisher"].contains(username) {
                let reply = visitor
                    .post(
                        &format!("/account/tokens/{token}/revoke"),
                        &[("csrf_token", &csrf)],
                    )
                    .await;
                assert_eq!(
                    reply.status,
                    StatusCode::NOT_FOUND,
                    "{username} revoking another's token"
                );
                let reply = visitor
                    .post(
                        "/users/polisher",
                        &[
                            ("csrf_token", &csrf),
                            ("display_name", "x"),
                            ("role", "platform_staff"),
                        ],
                    )
                    .await;
                assert_eq!(
                    reply.status,
                    StatusCode::NOT_FOUND,
                    "{username} editing another user"
                );
                let reply = visitor
                    .post(
                        "/organizations/polish",
                        &[("csrf_token", &csrf), ("name", "x")],
                    )
                    .await;
                // City staff may see every organisation but not change one.
                let expected = if *username == "staff" {
                    StatusCode::FORBIDDEN
                } else {
                    StatusCode::NOT_FOUND
                };
                assert_eq!(
                    reply.status, expected,
                    "{username} editing another organisation"
                );
            }
            let _ = registry;
        }
    }
}

#[tokio::test]
async fn language_switches_and_follows_the_user() {
    for app in apps().await {
        let mut visitor = Visitor::new(&app);
        visitor.sign_in("maker").await;
        let csrf = visitor.csrf();
        let switched = visitor
            .post(
                "/language",
                &[
                    ("csrf_token", &csrf),
                    ("language", "en"),
                    ("next", "/account"),
                ],
            )
            .await;
        assert_eq!(switched.headers[header::LOCATION], "/account");
        let account = visitor.get("/account").await;
        assert!(
            title(&account).contains("My account"),
            "{}",
            title(&account)
        );
        // A new browser of the same user opens in English too.
        let mut other_browser = Visitor::new(&app);
        other_browser.sign_in("maker").await;
        assert!(title(&other_browser.get("/").await).contains("Home"));
        let csrf = other_browser.csrf();
        other_browser
            .post(
                "/language",
                &[("csrf_token", &csrf), ("language", "zh-CN"), ("next", "/")],
            )
            .await;
        assert!(title(&other_browser.get("/").await).contains("首页"));
    }
}

#[tokio::test]
async fn forms_show_errors_next_to_fields_and_keep_input() {
    for app in apps().await {
        let mut visitor = Visitor::new(&app);
        visitor.sign_in("staff").await;
        let csrf = visitor.csrf();
        let reply = visitor
            .post(
                "/enterprises/new",
                &[
                    ("csrf_token", &csrf),
                    ("credit_code", "91442000000000001X"),
                    ("name", "中山市表单测试有限公司"),
                    ("legal_representative", ""),
                    ("town_code", "442000118"),
                    ("industry_code", "3851"),
                    ("above_designated_size", "false"),
                    ("employees", "many"),
                    ("annual_revenue_yuan", "12.345"),
                    ("r0_kind", "technology_center"),
                    ("r0_level", "city"),
                    ("r0_year", "2019"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        let html = reply.text();
        assert!(
            html.contains("value=\"中山市表单测试有限公司\""),
            "input is kept"
        );
        assert!(
            html.contains("id=\"employees-error\""),
            "the error sits next to its field"
        );
        let reply = visitor
            .post(
                "/enterprises/new",
                &[
                    ("csrf_token", &csrf),
                    ("credit_code", "91442000000000001X"),
                    ("name", "中山市表单测试有限公司"),
                    ("legal_representative", "赵某某"),
                    ("town_code", "442000118"),
                    ("industry_code", "3851"),
                    ("above_designated_size", "false"),
                    ("employees", "12"),
                    ("annual_revenue_yuan", "1,234.50"),
                ],
            )
            .await;
        let html = reply.text();
        assert!(html.contains("id=\"credit_code-error\""), "{html}");
        assert!(
            html.contains("第 17 位"),
            "the check-character error names the position"
        );
        let code = crate::support::code(77);
        let reply = visitor
            .post(
                "/enterprises/new",
                &[
                    ("csrf_token", &csrf),
                    ("credit_code", &code),
                    ("name", "中山市表单测试有限公司"),
                    ("legal_representative", "赵某某"),
                    ("town_code", "442000118"),
                    ("industry_code", "3851"),
                    ("above_designated_size", "false"),
                    ("employees", "12"),
                    ("annual_revenue_yuan", "1,234.50"),
                    ("r0_kind", "technology_center"),
                    ("r0_level", "city"),
                    ("r0_year", "2019"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let page = visitor.get(&format!("/enterprises/{code}")).await.text();
        assert!(page.contains("1,234.50"));
        assert!(page.contains("市级企业技术中心 2019"), "{page}");

        // Editing with a stale version is refused with a message, nothing changes.
        let reply = visitor
            .post(
                &format!("/enterprises/{code}/edit"),
                &[
                    ("csrf_token", &csrf),
                    ("version", "0"),
                    ("name", "改名"),
                    ("address", "x"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.text().contains("该记录已被他人修改"));
        let reply = visitor
            .post(
                &format!("/enterprises/{code}/edit"),
                &[
                    ("csrf_token", &csrf),
                    ("version", "1"),
                    ("address", "小榄镇示例路 9 号"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let page = visitor.get(&format!("/enterprises/{code}")).await.text();
        assert!(
            page.contains("小榄镇示例路 9 号") && page.contains("staff"),
            "the history shows who changed the address"
        );
    }
}

#[tokio::test]
async fn every_page_sends_visitors_to_sign_in() {
    for app in apps().await {
        let mut visitor = Visitor::new(&app);
        let code = xiaolan_code();
        let gets = [
            "/".to_owned(),
            "/dashboard".to_owned(),
            "/dashboard.xlsx".to_owned(),
            "/open-data/keys".to_owned(),
            "/open-data/datasets/projects.granted".to_owned(),
            "/enterprises".to_owned(),
            "/enterprises/new".to_owned(),
            "/enterprises/import".to_owned(),
            "/enterprises/import/template.xlsx".to_owned(),
            "/enterprises/export.xlsx".to_owned(),
            "/enterprises/export.csv".to_owned(),
            format!("/enterprises/{code}"),
            format!("/enterprises/{code}/edit"),
            "/organizations".to_owned(),
            "/organizations/new".to_owned(),
            "/organizations/polish".to_owned(),
            "/users".to_owned(),
            "/users/new".to_owned(),
            "/users/polisher".to_owned(),
            "/account".to_owned(),
            "/audit".to_owned(),
            "/devices".to_owned(),
            "/devices/press-07".to_owned(),
            "/device-profiles".to_owned(),
            "/device-profiles/new".to_owned(),
            "/device-profiles/cnc/edit".to_owned(),
            "/telemetry/sql".to_owned(),
            "/projects".to_owned(),
            "/projects/new?batch=PC-2026".to_owned(),
            "/projects/batches".to_owned(),
            "/projects/reports".to_owned(),
            "/projects/rule-sets/post-completion/edit".to_owned(),
            "/projects/applications/PC-2026-0001".to_owned(),
            "/projects/applications/PC-2026-0001/edit".to_owned(),
            "/major".to_owned(),
            "/major/experts".to_owned(),
            "/reviews".to_owned(),
            "/projects/batches/new".to_owned(),
            "/assessments".to_owned(),
            "/assessments/1".to_owned(),
            "/assessments/1/report".to_owned(),
        ];
        for path in &gets {
            let reply = visitor.get(path).await;
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "GET {path}");
            assert!(
                reply.headers[header::LOCATION]
                    .to_str()
                    .unwrap()
                    .starts_with("/login?next="),
                "GET {path}"
            );
        }
        let csrf = {
            visitor.get("/login").await;
            visitor.csrf()
        };
        let posts = [
            "/enterprises/new".to_owned(),
            format!("/enterprises/{code}/edit"),
            format!("/enterprises/{code}/delete"),
            "/organizations/new".to_owned(),
            "/organizations/polish".to_owned(),
            "/users/new".to_owned(),
            "/users/polisher".to_owned(),
            "/users/polisher/password".to_owned(),
            "/account/password".to_owned(),
            "/account/tokens".to_owned(),
            "/account/tokens/1/revoke".to_owned(),
            "/account/sessions/1/revoke".to_owned(),
            "/devices".to_owned(),
            "/devices/import".to_owned(),
            "/device-profiles/new".to_owned(),
            "/device-profiles/cnc/edit".to_owned(),
            "/device-profiles/cnc/delete".to_owned(),
            "/projects/new".to_owned(),
            "/projects/rule-sets/post-completion/edit".to_owned(),
            "/projects/applications/PC-2026-0001/act".to_owned(),
            "/projects/applications/PC-2026-0001/evaluate".to_owned(),
            "/projects/applications/PC-2026-0001/edit".to_owned(),
            "/major/apply".to_owned(),
            "/major/calls".to_owned(),
            "/major/calls/ST-2026/status".to_owned(),
            "/major/calls/ST-2026/assign".to_owned(),
            "/major/calls/ST-2026/rank".to_owned(),
            "/major/applications/ST-2026-0001/decision".to_owned(),
            "/major/experts/expert".to_owned(),
            "/projects/batches/new".to_owned(),
            "/projects/batches/PC-2026/status".to_owned(),
            "/projects/batches/import".to_owned(),
            "/reviews/1".to_owned(),
        ];
        for path in &posts {
            let reply = visitor.post(path, &[("csrf_token", &csrf)]).await;
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "POST {path}");
            assert!(
                reply.headers[header::LOCATION]
                    .to_str()
                    .unwrap()
                    .starts_with("/login?next="),
                "POST {path}"
            );
        }
        let reply = visitor.get("/no-such-page").await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert!(reply.content_type().starts_with("text/html"));
    }
}

#[tokio::test]
async fn device_pages_belong_to_the_enterprise() {
    for app in apps().await {
        crate::devices::maker_device(&app).await;
        let mut maker = Visitor::new(&app);
        maker.sign_in("maker").await;
        let csrf = maker.csrf();
        let reply = maker
            .post(
                "/devices",
                &[
                    ("csrf_token", &csrf),
                    ("name", "press-08"),
                    ("profile", "cnc"),
                    ("label", "八号"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        let page = reply.text();
        assert!(page.contains("zd_"), "the new token is shown once");
        let bad = maker
            .post(
                "/devices",
                &[("csrf_token", &csrf), ("name", "a/b"), ("profile", "cnc")],
            )
            .await
            .text();
        assert!(
            bad.contains("notice error") && bad.contains("name"),
            "{bad}"
        );
        let page = maker.get("/devices/press-08").await;
        assert_eq!(page.status, StatusCode::OK);
        let page = page.text();
        assert!(
            page.contains("八号") && page.contains("设定转速"),
            "the profile's command is offered"
        );
        assert_eq!(maker.get("/telemetry/sql").await.status, StatusCode::OK);

        for outsider in ["rival", "admin", "xiaolan"] {
            let mut visitor = Visitor::new(&app);
            visitor.sign_in(outsider).await;
            let reply = visitor.get("/devices/press-08").await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{outsider}");
            assert!(!reply.text().contains("八号"));
        }
        let mut rival = Visitor::new(&app);
        rival.sign_in("rival").await;
        let list = rival.get("/devices").await.text();
        assert!(!list.contains("press-08"), "the rival's list is empty");
    }
}

/// The HTML of the form row with this id (`telemetry-2`), up to the next row.
fn form_row<'p>(page: &'p str, id: &str) -> &'p str {
    let start = page
        .find(&format!("<tr id=\"{id}\""))
        .unwrap_or_else(|| panic!("no row {id}: {page}"));
    let rest = &page[start..];
    let end = rest[4..].find("<tr id=").map_or(rest.len(), |e| e + 4);
    &rest[..end]
}

#[tokio::test]
async fn device_profiles_are_defined_edited_and_deleted_through_their_pages() {
    for app in apps().await {
        let mut maker = Visitor::new(&app);
        maker.sign_in("maker").await;
        let csrf = maker.csrf();
        let page = maker.get("/device-profiles").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("还没有设备型号"), "{}", page.text());
        let devices = maker.get("/devices").await.text();
        assert!(
            devices.contains("href=\"/device-profiles\""),
            "the device list links to the profiles"
        );
        let form = maker.get("/device-profiles/new").await;
        assert_eq!(form.status, StatusCode::OK);
        let form = form.text();
        assert!(form.contains("name=\"t2_name\"") && form.contains("name=\"c0_params\""));
        for option in ["float", "integer", "unsigned", "string", "boolean"] {
            assert!(
                form.contains(&format!("<option value=\"{option}\"")),
                "{option}"
            );
        }

        // "Add a row" brings the form back with one more row and the input kept; nothing is saved.
        let typed = [
            ("csrf_token", csrf.as_str()),
            ("name", "冲压机"),
            ("description", "伺服冲压机"),
            ("table_name", "press_line"),
            ("t0_name", "temperature"),
            ("t0_type", "float"),
            ("t0_unit", "°C"),
            ("t0_label", "温度"),
            ("t1_name", ""),
            ("t1_type", "float"),
            ("t2_name", "strokes"),
            ("t2_type", "unsigned"),
            ("t2_unit", "次"),
            ("a0_name", "firmware"),
            ("a0_label", "固件版本"),
            ("c0_name", "setSpeed"),
            ("c0_label", "设定速度"),
            ("c0_params", "spm，ramp"),
        ];
        let mut adding = typed.to_vec();
        adding.push(("add", "telemetry"));
        let reply = maker.post("/device-profiles/new", &adding).await;
        assert_eq!(reply.status, StatusCode::OK);
        let page = reply.text();
        assert!(page.contains("name=\"t3_name\"") && !page.contains("name=\"t4_name\""));
        assert!(page.contains("value=\"strokes\"") && page.contains("伺服冲压机"));
        let mut removing = typed.to_vec();
        removing.push(("remove", "attributes.0"));
        let page = maker.post("/device-profiles/new", &removing).await.text();
        assert!(!page.contains("value=\"firmware\""), "the row is gone");
        assert!(page.contains("value=\"strokes\""));
        let list = app
            .api("GET", "/api/v1/device-profiles", Some("maker"), None)
            .await
            .json();
        assert_eq!(list["total"], 0, "adding and removing rows saves nothing");

        // Saving skips the blank row and stores the profile as typed.
        let reply = maker.post("/device-profiles/new", &typed).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let api_path = "/api/v1/device-profiles/%E5%86%B2%E5%8E%8B%E6%9C%BA";
        let stored = app.api("GET", api_path, Some("maker"), None).await.json();
        assert_eq!(stored["table_name"], "press_line");
        assert_eq!(stored["version"], 1);
        assert_eq!(
            stored["telemetry"],
            serde_json::json!([
                {"name": "temperature", "type": "float", "unit": "°C", "label": "温度"},
                {"name": "strokes", "type": "unsigned", "unit": "次", "label": ""}
            ])
        );
        assert_eq!(
            stored["commands"][0]["params"],
            serde_json::json!(["spm", "ramp"])
        );
        let list = maker.get("/device-profiles?notice=saved").await.text();
        assert!(list.contains("已保存") && list.contains("冲压机") && list.contains("strokes"));
        assert!(
            list.contains("/device-profiles/%E5%86%B2%E5%8E%8B%E6%9C%BA/edit"),
            "{list}"
        );
        // The same name again is refused beside the name.
        let reply = maker.post("/device-profiles/new", &typed).await;
        assert_eq!(reply.status, StatusCode::CONFLICT);
        assert!(
            reply.text().contains("id=\"name-error\">该名称已被使用"),
            "{}",
            reply.text()
        );

        // An edit with a bad row shows the error beside that row and field, keeps the input,
        // and changes nothing.
        let edit = "/device-profiles/%E5%86%B2%E5%8E%8B%E6%9C%BA/edit";
        let page = maker.get(edit).await;
        assert_eq!(page.status, StatusCode::OK);
        let page = page.text();
        assert!(page.contains("value=\"press_line\""));
        let version = version_on(&page);
        assert_eq!(version, "1");
        let bad = [
            ("csrf_token", csrf.as_str()),
            ("version", "1"),
            ("description", "改过的说明"),
            ("table_name", "press_line"),
            ("t0_name", "temperature"),
            ("t0_type", "float"),
            ("t1_name", ""),
            ("t1_type", "float"),
            ("t2_name", "_hidden"),
            ("t2_type", "integer"),
            ("t2_unit", "mm"),
        ];
        let reply = maker.post(edit, &bad).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.text()
        );
        let page = reply.text();
        let row = form_row(&page, "telemetry-2");
        assert!(
            row.contains("class=\"field invalid\"")
                && row.contains("不以“_”开头")
                && row.contains("value=\"_hidden\""),
            "{row}"
        );
        assert!(!form_row(&page, "telemetry-0").contains("invalid"));
        assert!(page.contains("改过的说明"), "the input is kept");
        let unchanged = app.api("GET", api_path, Some("maker"), None).await.json();
        assert_eq!(unchanged, stored, "nothing changed");

        // Someone else saves through the API; the page's older version is refused as stale.
        let reply = app
            .api_with_headers(
                "PUT",
                api_path,
                Some("maker"),
                Some(serde_json::json!({"description": "接口修改", "table_name": "press_line", "telemetry": stored["telemetry"]})),
                &[("if-match", "\"1\"")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let mut good = bad.to_vec();
        good.retain(|(k, _)| !k.starts_with("t2_"));
        let reply = maker.post(edit, &good).await;
        assert_eq!(reply.status, StatusCode::CONFLICT);
        let page = reply.text();
        assert!(
            page.contains("该记录已被他人修改") && page.contains("改过的说明"),
            "{page}"
        );
        let current = app.api("GET", api_path, Some("maker"), None).await.json();
        assert_eq!(current["description"], "接口修改");
        assert_eq!(current["version"], 2);
        // With the current version it saves.
        let mut good = good.clone();
        good[1] = ("version", "2");
        let reply = maker.post(edit, &good).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let current = app.api("GET", api_path, Some("maker"), None).await.json();
        assert_eq!(current["description"], "改过的说明");
        assert_eq!(current["telemetry"].as_array().unwrap().len(), 1);
        assert_eq!(
            current["commands"],
            serde_json::json!([]),
            "the rows removed are gone"
        );

        // Registration offers the profile; deleting it is refused while a device uses it.
        let devices = maker
            .get("/devices?profile=%E5%86%B2%E5%8E%8B%E6%9C%BA")
            .await
            .text();
        assert!(
            devices.contains("<option value=\"冲压机\" selected>"),
            "{devices}"
        );
        let reply = maker
            .post(
                "/devices",
                &[
                    ("csrf_token", &csrf),
                    ("name", "press-01"),
                    ("profile", "冲压机"),
                ],
            )
            .await;
        assert!(reply.text().contains("zd_"), "{}", reply.text());
        let delete = "/device-profiles/%E5%86%B2%E5%8E%8B%E6%9C%BA/delete";
        let reply = maker.post(delete, &[("csrf_token", &csrf)]).await;
        assert_eq!(reply.status, StatusCode::CONFLICT);
        assert!(
            reply.text().contains("不能删除：仍有设备使用此型号")
                && reply.text().contains("使用中的设备数：1"),
            "{}",
            reply.text()
        );
        assert_eq!(
            app.api("GET", api_path, Some("maker"), None).await.status,
            StatusCode::OK
        );
        let reply = app
            .api("DELETE", "/api/v1/devices/press-01", Some("maker"), None)
            .await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
        let reply = maker.post(delete, &[("csrf_token", &csrf)]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        assert_eq!(
            app.api("GET", api_path, Some("maker"), None).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

fn version_on(page: &str) -> String {
    let marker = "name=\"version\" value=\"";
    let start = page.find(marker).expect("a version field") + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn project_pages_follow_the_flow_and_belong_to_their_tenants() {
    for app in apps().await {
        let number = crate::projects::seed(&app).await;
        let detail = format!("/projects/applications/{number}");

        // Visitors: the notice is public, the rest needs signing in.
        let mut visitor = Visitor::new(&app);
        let reply = visitor.get("/notices").await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(
            reply.text().contains("目前没有公示中的项目"),
            "{}",
            reply.text()
        );
        let reply = visitor.get("/projects").await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);

        for (username, _, _) in crate::support::USERS.iter() {
            let mut visitor = Visitor::new(&app);
            visitor.sign_in(username).await;
            let insider = ["admin", "staff", "xiaolan", "maker"].contains(username);
            let list = visitor.get("/projects").await;
            if ["polisher", "expert"].contains(username) {
                assert_eq!(list.status, StatusCode::FORBIDDEN, "{username}");
            } else {
                assert_eq!(list.status, StatusCode::OK, "{username}: {}", list.text());
                assert_eq!(list.text().contains(&number), insider, "{username}");
            }
            let reply = visitor.get(&detail).await;
            if insider {
                assert_eq!(reply.status, StatusCode::OK, "{username}");
                assert!(reply.text().contains("机器人打磨产线改造"));
            } else {
                assert_eq!(reply.status, StatusCode::NOT_FOUND, "{username}");
                assert!(!reply.text().contains("机器人打磨产线改造"));
                let csrf = visitor.csrf();
                for path in [
                    format!("{detail}/act"),
                    format!("{detail}/evaluate"),
                    format!("{detail}/objections"),
                ] {
                    let reply = visitor
                        .post(
                            &path,
                            &[
                                ("csrf_token", &csrf),
                                ("action", "town_approve"),
                                ("version", "2"),
                                ("content", "x"),
                            ],
                        )
                        .await;
                    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{username} {path}");
                }
            }
            let reply = visitor.get("/projects/batches").await;
            assert_eq!(reply.status, StatusCode::OK, "{username}");
            let reply = visitor.get("/projects/reports?by=town").await;
            let expected = if ["polisher", "expert"].contains(username) {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::OK
            };
            assert_eq!(reply.status, expected, "{username} reports");
        }

        // The town recommends it with the button its page offers.
        let mut town = Visitor::new(&app);
        town.sign_in("xiaolan").await;
        let page = town.get(&detail).await.text();
        assert!(page.contains("data-action=\"town_approve\""), "{page}");
        assert!(!page.contains("data-action=\"approve\""));
        let csrf = town.csrf();
        let version = version_on(&page);
        let reply = town
            .post(
                &format!("{detail}/act"),
                &[
                    ("csrf_token", &csrf),
                    ("action", "town_approve"),
                    ("version", &version),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        // The same click again (a stale page) is refused with the reason, and nothing changes.
        let reply = town
            .post(
                &format!("{detail}/act"),
                &[
                    ("csrf_token", &csrf),
                    ("action", "town_approve"),
                    ("version", &version),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::CONFLICT);
        assert!(reply.text().contains("action-error"), "{}", reply.text());

        // The city puts it on notice and computes the proposed subsidy; the notice shows it.
        let mut city = Visitor::new(&app);
        city.sign_in("staff").await;
        let page = city.get(&detail).await.text();
        assert!(page.contains("待市级审核"), "{page}");
        let csrf = city.csrf();
        let reply = city
            .post(
                &format!("{detail}/act"),
                &[
                    ("csrf_token", &csrf),
                    ("action", "start_notice"),
                    ("version", &version_on(&page)),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let reply = city
            .post(&format!("{detail}/evaluate"), &[("csrf_token", &csrf)])
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let page = city.get(&detail).await.text();
        assert!(page.contains("补助金额 132,345.67 元"), "{page}");
        let notice = Visitor::new(&app).get("/notices").await.text();
        assert!(notice.contains(&number), "{notice}");
        assert!(notice.contains("132,345.67"), "{notice}");
        assert!(
            !notice.contains("某某装备公司"),
            "a notice shows no line items"
        );

        // The rule set form writes a new version.
        let page = city.get("/projects/rule-sets/post-completion/edit").await;
        assert_eq!(page.status, StatusCode::OK);
        let reply = city
            .post(
                "/projects/rule-sets/post-completion/edit",
                &[
                    ("csrf_token", &csrf),
                    ("latest_version", "1"),
                    ("name", "事后奖补（第二版）"),
                    ("category", "equipment"),
                    ("min_eligible", "500000"),
                    ("rate_percent", "12.5"),
                    ("cap_project", "3,000,000"),
                    ("exclude_related", "1"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let batches = city.get("/projects/batches").await.text();
        assert!(
            batches.contains("v2") && batches.contains("12.50%"),
            "{batches}"
        );
        let reply = city
            .post(
                "/projects/rule-sets/post-completion/edit",
                &[
                    ("csrf_token", &csrf),
                    ("latest_version", "1"),
                    ("name", "过期的编辑"),
                    ("category", "equipment"),
                    ("rate_percent", "abc"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            reply.text().contains("补助比例应写成百分数"),
            "{}",
            reply.text()
        );
        assert_eq!(
            town.get("/projects/rule-sets/post-completion/edit")
                .await
                .status,
            StatusCode::FORBIDDEN
        );

        // The maker fills a new application in the form; a bad amount is named, a good one saved.
        let mut maker = Visitor::new(&app);
        maker.sign_in("maker").await;
        let list = maker.get("/projects").await.text();
        assert!(list.contains("/projects/new?batch=PC-2026"), "{list}");
        let form = maker.get("/projects/new?batch=PC-2026").await;
        assert_eq!(form.status, StatusCode::OK);
        let csrf = maker.csrf();
        let mut fields = vec![
            ("csrf_token", csrf.as_str()),
            ("batch", "PC-2026"),
            ("project_name", "数字化车间二期"),
            ("upgrade_type", "digital_workshop"),
            ("starts_on", "2026-02-01"),
            ("ends_on", "2026-10-31"),
            ("i0_category", "equipment"),
            ("i0_name", "AGV 小车"),
            ("i0_quantity", "4"),
            ("i0_unit_price", "12万"),
            ("i0_invoice_number", "D-1"),
            ("i0_invoice_date", "2026-04-01"),
        ];
        let reply = maker.post("/projects/new", &fields).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.text().contains("12万"), "the input is kept");
        // Errors land on the row the user typed, blank rows in between or not.
        let rows = [
            ("csrf_token", csrf.as_str()),
            ("batch", "PC-2026"),
            ("project_name", "行号测试"),
            ("upgrade_type", "other"),
            ("i0_name", ""),
            ("i1_category", "equipment"),
            ("i1_name", "甲"),
            ("i1_quantity", "1"),
            ("i1_unit_price", "10"),
            ("i1_invoice_number", "SAME"),
            ("i2_name", ""),
            ("i3_category", "software"),
            ("i3_name", "乙"),
            ("i3_quantity", "1"),
            ("i3_unit_price", "10"),
            ("i3_invoice_number", "SAME"),
        ];
        let reply = maker.post("/projects/new", &rows).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            reply.text().contains("id=\"item-3-error\""),
            "{}",
            reply.text()
        );
        assert!(!reply.text().contains("id=\"item-1-error\""));
        fields[9] = ("i0_unit_price", "120,000.50");
        let reply = maker.post("/projects/new", &fields).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let location = reply.headers[header::LOCATION].to_str().unwrap().to_owned();
        let page = maker.get(&location).await.text();
        assert!(page.contains("480,002.00"), "{page}");
        assert!(page.contains("data-action=\"submit\""));
    }
}

#[tokio::test]
async fn major_project_pages_are_blind_for_experts_and_private_to_applicants() {
    for app in apps().await {
        let seeded = crate::major::seed(&app).await;
        let mut expert = Visitor::new(&app);
        expert.sign_in("expert").await;
        let page = expert.get("/reviews").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("视觉质检大模型"), "{}", page.text());
        assert!(!page.text().contains("测试1号企业"), "blind");
        assert_eq!(expert.get("/major").await.status, StatusCode::FORBIDDEN);
        let csrf = expert.csrf();
        let path = format!("/reviews/{}", seeded.assignment_id);
        let reply = expert
            .post(
                &path,
                &[
                    ("csrf_token", &csrf),
                    ("score:技术先进性", "90"),
                    ("score:产业化前景", "80"),
                    ("score:团队能力", "abc"),
                ],
            )
            .await;
        assert!(reply.text().contains("score-error"), "{}", reply.text());
        let reply = expert
            .post(
                &path,
                &[
                    ("csrf_token", &csrf),
                    ("score:技术先进性", "90"),
                    ("score:产业化前景", "80"),
                    ("score:团队能力", "71"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        assert!(expert.get("/reviews").await.text().contains("81.75"));

        for (user, sees_maker) in [("maker", true), ("rival", false), ("staff", true)] {
            let mut visitor = Visitor::new(&app);
            visitor.sign_in(user).await;
            let page = visitor.get("/major").await;
            assert_eq!(page.status, StatusCode::OK, "{user}");
            assert_eq!(
                page.text().contains(&seeded.maker_number),
                sees_maker,
                "{user}"
            );
        }
        let mut town = Visitor::new(&app);
        town.sign_in("xiaolan").await;
        assert_eq!(town.get("/major").await.status, StatusCode::FORBIDDEN);
        assert_eq!(town.get("/reviews").await.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn city_staff_open_and_publish_a_batch_from_the_pages() {
    for app in apps().await {
        let mut city = Visitor::new(&app);
        city.sign_in("staff").await;
        assert_eq!(
            city.get("/projects/batches/new").await.status,
            StatusCode::OK
        );
        let csrf = city.csrf();
        let mut fields = vec![
            ("csrf_token", csrf.as_str()),
            ("code", "TU-2027-1"),
            ("title", "2027 年第 1 批技术改造项目入库"),
            ("programme", "tech_upgrade"),
            ("year", "2027"),
            ("opens_on", "2027-03-01"),
            ("closes_on", "2027-02-01"),
            ("required_attachments", "营业执照、技改备案证"),
            ("notice_days", "7"),
        ];
        let reply = city.post("/projects/batches/new", &fields).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.text().contains("2027-02-01"), "{}", reply.text());
        fields[6] = ("closes_on", "2027-04-30");
        let reply = city.post("/projects/batches/new", &fields).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let page = city.get("/projects/batches").await.text();
        assert!(
            page.contains("TU-2027-1") && page.contains("data-status=\"published\""),
            "{page}"
        );
        let reply = city
            .post(
                "/projects/batches/TU-2027-1/status",
                &[
                    ("csrf_token", &csrf),
                    ("status", "published"),
                    ("version", "1"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let batch = app
            .api(
                "GET",
                "/api/v1/project-batches/TU-2027-1",
                Some("maker"),
                None,
            )
            .await
            .json();
        assert_eq!(batch["status"], "published");
        assert_eq!(
            batch["required_attachments"],
            serde_json::json!(["营业执照", "技改备案证"])
        );
        let mut town = Visitor::new(&app);
        town.sign_in("xiaolan").await;
        assert_eq!(
            town.get("/projects/batches/new").await.status,
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn city_staff_run_a_major_call_from_the_pages() {
    for app in apps().await {
        let mut city = Visitor::new(&app);
        city.sign_in("staff").await;
        let csrf = city.csrf();
        let call = [
            ("csrf_token", csrf.as_str()),
            ("code", "ST-2027"),
            ("title", "2027 年重大科技专项"),
            ("year", "2027"),
            ("topics", "人工智能、芯片"),
            ("criteria", "技术先进性:60、团队能力:50"),
            ("budget_yuan", "10,000,000"),
            ("experts", "1"),
            ("opens_on", "2026-11-01"),
            ("closes_on", "2026-12-31"),
        ];
        let reply = city.post("/major/calls", &call).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            reply.text().contains("110"),
            "the weights' sum is named: {}",
            reply.text()
        );
        let mut call = call.to_vec();
        call[5] = ("criteria", "技术先进性:60、团队能力:40");
        let reply = city.post("/major/calls", &call).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let reply = city
            .post(
                "/major/calls/ST-2027/status",
                &[("csrf_token", csrf.as_str()), ("status", "open")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());

        let mut maker = Visitor::new(&app);
        maker.sign_in("maker").await;
        let maker_csrf = maker.csrf();
        let reply = maker
            .post(
                "/major/apply",
                &[
                    ("csrf_token", maker_csrf.as_str()),
                    ("call", "ST-2027"),
                    ("topic", "芯片"),
                    ("title", "电机驱动芯片"),
                    ("requested_yuan", "2,000,000"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());

        // The expert profile page, then review, assignment, scoring, ranking and the decision.
        let page = city.get("/major/experts").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("expert-expert"));
        let reply = city
            .post(
                "/major/experts/expert",
                &[
                    ("csrf_token", csrf.as_str()),
                    ("affiliation_credit_code", "not-a-code"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        let reply = city
            .post(
                "/major/experts/expert",
                &[("csrf_token", csrf.as_str()), ("fields", "芯片")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let reply = city
            .post(
                "/major/calls/ST-2027/status",
                &[("csrf_token", csrf.as_str()), ("status", "reviewing")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let reply = city
            .post(
                "/major/calls/ST-2027/assign",
                &[("csrf_token", csrf.as_str())],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let reviews = app
            .api("GET", "/api/v1/expert-reviews", Some("expert"), None)
            .await
            .json();
        let id = reviews[0]["id"].as_i64().unwrap();
        let mut expert = Visitor::new(&app);
        expert.sign_in("expert").await;
        let expert_csrf = expert.csrf();
        let reply = expert
            .post(
                &format!("/reviews/{id}"),
                &[
                    ("csrf_token", expert_csrf.as_str()),
                    ("score:技术先进性", "80"),
                    ("score:团队能力", "90"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let reply = city
            .post(
                "/major/calls/ST-2027/rank",
                &[("csrf_token", csrf.as_str())],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let page = city.get("/major").await.text();
        assert!(
            page.contains("84.000") && page.contains("data-action=\"decide\""),
            "{page}"
        );
        let version = app
            .api(
                "GET",
                "/api/v1/st-applications?call=ST-2027",
                Some("staff"),
                None,
            )
            .await
            .json()[0]["version"]
            .to_string();
        let reply = city
            .post(
                "/major/applications/ST-2027-0001/decision",
                &[
                    ("csrf_token", csrf.as_str()),
                    ("version", &version),
                    ("awarded_yuan", "3,000,000"),
                ],
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "more than asked for"
        );
        let reply = city
            .post(
                "/major/applications/ST-2027-0001/decision",
                &[
                    ("csrf_token", csrf.as_str()),
                    ("version", &version),
                    ("awarded_yuan", "1,500,000"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let decided = app
            .api(
                "GET",
                "/api/v1/st-applications/ST-2027-0001",
                Some("maker"),
                None,
            )
            .await
            .json();
        assert_eq!(decided["awarded_fen"], 150_000_000);
        // Others cannot run calls.
        let reply = maker
            .post(
                "/major/calls/ST-2027/rank",
                &[("csrf_token", maker_csrf.as_str())],
            )
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(
            maker.get("/major/experts").await.status,
            StatusCode::FORBIDDEN
        );
    }
}

/// Every page route that takes a POST, read from the routers' source (`.route("/path", …post(…)…)`),
/// with its path parameters filled in.
fn form_routes() -> Vec<String> {
    let pages = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/pages");
    let mut sources = Vec::new();
    let mut directories = vec![pages];
    while let Some(directory) = directories.pop() {
        for entry in std::fs::read_dir(directory).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                directories.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                sources.push(std::fs::read_to_string(path).unwrap());
            }
        }
    }
    let mut routes = Vec::new();
    for source in &sources {
        let mut rest = source.as_str();
        while let Some(start) = rest.find(".route(") {
            rest = &rest[start + ".route(".len()..];
            let declaration = &rest[..rest.find(".route(").unwrap_or(rest.len())];
            let Some(path) = declaration.split('"').nth(1) else {
                continue;
            };
            if declaration.contains("post(") {
                let filled: String = path
                    .split('/')
                    .map(|segment| {
                        if segment.starts_with('{') {
                            "1"
                        } else {
                            segment
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("/");
                routes.push(filled);
            }
        }
    }
    routes.sort();
    routes.dedup();
    routes
}

#[tokio::test]
async fn every_form_refuses_a_submission_without_its_csrf_token() {
    let routes = form_routes();
    assert!(
        routes.len() >= 40,
        "found only {} form routes: {routes:?}",
        routes.len()
    );
    for app in apps().await {
        let mut admin = Visitor::new(&app);
        admin.sign_in("admin").await;
        for route in &routes {
            // A plain form and a file upload, each without the token (a forged page sends
            // whichever the form is): the route refuses the kind it takes with the CSRF page,
            // and neither is ever carried out.
            let plain = admin
                .post(route, &[("version", "1"), ("name", "forged")])
                .await;
            let boundary = "zhizao-forged-boundary";
            let body = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nforged\r\n\
                 --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\
                 Content-Type: text/csv\r\n\r\nname\r\nforged\r\n--{boundary}--\r\n"
            );
            let upload = admin
                .send(
                    Request::builder()
                        .method("POST")
                        .uri(route.as_str())
                        .header(
                            header::CONTENT_TYPE,
                            format!("multipart/form-data; boundary={boundary}"),
                        ),
                    Body::from(body),
                )
                .await;
            let refused = |reply: &Reply| {
                reply.status == StatusCode::FORBIDDEN && reply.text().contains("页面已过期")
            };
            assert!(
                refused(&plain) || refused(&upload),
                "{route}: {} / {} {}",
                plain.status,
                upload.status,
                plain.text()
            );
            for reply in [&plain, &upload] {
                assert!(
                    reply.status.is_client_error(),
                    "{route} carried out a forged submission: {}",
                    reply.status
                );
            }
        }
    }
}

/// With the database gone (here: its pool closed, as when PostgreSQL restarts), a request whose
/// credentials cannot be checked is 503 with a retry hint — a problem for the API, a page for
/// people — never 401, a sign-in page or a 500.
#[tokio::test]
async fn a_database_that_cannot_serve_is_503_with_a_retry_hint_not_401() {
    for app in apps().await {
        let mut visitor = Visitor::new(&app);
        visitor.sign_in("maker").await;
        assert_eq!(visitor.get("/").await.status, StatusCode::OK);
        app._db.db.close().await;

        let reply = app
            .api("GET", "/api/v1/enterprises", Some("admin"), None)
            .await;
        reply.problem(StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(reply.headers[header::RETRY_AFTER], "5", "{}", app.backend);

        let page = visitor.get("/").await;
        assert_eq!(
            page.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            page.text()
        );
        assert_eq!(page.headers[header::RETRY_AFTER], "5");
        assert!(page.text().contains("服务暂时不可用"), "{}", page.text());

        // A visitor without credentials still reaches the sign-in page's form.
        let anonymous = Visitor::new(&app).get("/login").await;
        assert_eq!(anonymous.status, StatusCode::OK, "{}", app.backend);
    }
}
