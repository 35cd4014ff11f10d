//! The service-platform directory through the pages and the API: anyone reads it; the city
//! keeps the sectors, units and recognitions; a platform's staff keep their own profile; each
//! problem beside its field and nothing saved.

use axum::http::StatusCode;
use serde_json::json;

use crate::pages::Visitor;
use crate::support::{TestApp, apps};

/// A service as the polishing platform offers it.
pub(crate) fn service_body() -> serde_json::Value {
    json!({"title": "机器人打磨抛光", "sector": "shared-factory", "description": "五金件打磨抛光，来料加工",
        "delivery_mode": "at_platform", "price_model": "fixed", "price_fen": 50000, "lead_days": 7,
        "vouchers": true})
}

/// The city's sector and the polishing platform's draft service; returns the draft's id.
pub(crate) async fn seed_draft(app: &TestApp) -> i64 {
    let reply = app
        .api(
            "PUT",
            "/api/v1/service-sectors/shared-factory",
            Some("staff"),
            Some(json!({"name": "共性工厂", "name_en": "Shared factories", "position": 2})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let reply = app
        .api(
            "POST",
            "/api/v1/service-platforms/polish/services",
            Some("polisher"),
            Some(service_body()),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    reply.json()["id"].as_i64().unwrap()
}

#[tokio::test]
async fn the_directory_is_public_and_each_side_keeps_its_part() {
    for app in apps().await {
        // A visitor reads the directory without signing in.
        let mut visitor = Visitor::new(&app);
        let page = visitor.get("/platforms").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.text().contains("href=\"/platforms/polish\""),
            "{}",
            page.text()
        );
        assert_eq!(
            visitor.get("/platforms/polish").await.status,
            StatusCode::OK
        );
        assert_eq!(
            visitor.get("/platforms/nowhere").await.status,
            StatusCode::NOT_FOUND
        );

        // The city adds a sector on its page; a bad code is named beside its field.
        let mut city = Visitor::new(&app);
        city.sign_in("staff").await;
        let csrf = city.csrf();
        let sector = |code: &'static str| {
            vec![
                ("csrf_token", csrf.clone()),
                ("code", code.to_owned()),
                ("name", "共性工厂".to_owned()),
                ("name_en", "Shared factories".to_owned()),
                ("position", "2".to_owned()),
            ]
        };
        let pairs = |v: &[(&'static str, String)]| -> Vec<(&'static str, String)> { v.to_vec() };
        let bad = pairs(&sector("Shared Factory"));
        let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = city.post("/service-sectors", &bad).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            reply.text().contains("id=\"code-error\""),
            "{}",
            reply.text()
        );
        let good = pairs(&sector("shared-factory"));
        let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = city.post("/service-sectors", &good).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let sectors = app
            .api("GET", "/api/v1/service-sectors", Some("maker"), None)
            .await
            .json();
        assert_eq!(sectors[0]["code"], "shared-factory", "{sectors}");

        // The platform's staff write their words; a bad telephone is named and nothing saved.
        let mut staff = Visitor::new(&app);
        staff.sign_in("polisher").await;
        let page = staff.get("/platforms/polish").await.text();
        assert!(page.contains("id=\"edit-profile\""), "{page}");
        let form = staff.get("/platforms/polish/edit").await.text();
        assert!(
            !form.contains("name=\"sector\""),
            "the sector is the city's: {form}"
        );
        let staff_csrf = staff.csrf();
        let profile = |phone: &'static str| {
            vec![
                ("csrf_token", staff_csrf.clone()),
                ("version", "0".to_owned()),
                ("operator", "中山市共享打磨科技有限公司".to_owned()),
                ("contact_name", "林工".to_owned()),
                ("contact_phone", phone.to_owned()),
                ("staff", "35".to_owned()),
                // A platform cannot make itself a city unit by sending the field.
                ("city_unit", "1".to_owned()),
            ]
        };
        let typed = profile("打电话");
        let typed: Vec<(&str, &str)> = typed.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = staff.post("/platforms/polish/edit", &typed).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            reply.text().contains("id=\"contact_phone-error\""),
            "{}",
            reply.text()
        );
        assert!(
            reply.text().contains("value=\"林工\""),
            "what was typed stays"
        );
        let typed = profile("0760-8888 1234");
        let typed: Vec<(&str, &str)> = typed.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = staff.post("/platforms/polish/edit", &typed).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let saved = app
            .api(
                "GET",
                "/api/v1/service-platforms/polish",
                Some("maker"),
                None,
            )
            .await;
        assert_eq!(saved.headers["etag"], "\"1\"");
        let saved = saved.json();
        assert_eq!(saved["contact_phone"], "0760-8888 1234");
        assert_eq!(saved["city_unit"], false, "{saved}");

        // The city gives the sector, the unit mark and a recognition; a bad year is named on
        // its row.
        let form = city.get("/platforms/polish/edit").await.text();
        assert!(form.contains("name=\"sector\""), "{form}");
        assert!(form.contains("value=\"林工\""));
        let recognition = |year: &'static str| {
            vec![
                ("csrf_token", csrf.clone()),
                ("version", "1".to_owned()),
                ("sector", "shared-factory".to_owned()),
                ("city_unit", "1".to_owned()),
                ("r0_level", "provincial".to_owned()),
                ("r0_title", "广东省智能制造公共技术支撑平台".to_owned()),
                ("r0_year", year.to_owned()),
                ("r1_level", String::new()),
                ("r1_title", String::new()),
                ("r1_year", String::new()),
                ("operator", "中山市共享打磨科技有限公司".to_owned()),
                ("contact_name", "林工".to_owned()),
                ("contact_phone", "0760-8888 1234".to_owned()),
                ("staff", "35".to_owned()),
            ]
        };
        for (year, status) in [
            ("1980", StatusCode::UNPROCESSABLE_ENTITY),
            ("二〇一九", StatusCode::UNPROCESSABLE_ENTITY),
            ("2019", StatusCode::SEE_OTHER),
        ] {
            let typed = recognition(year);
            let typed: Vec<(&str, &str)> = typed.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let reply = city.post("/platforms/polish/edit", &typed).await;
            assert_eq!(reply.status, status, "{year}: {}", reply.text());
            if status != StatusCode::SEE_OTHER {
                assert!(reply.text().contains("<td class=\"invalid\"><input type=\"text\" inputmode=\"numeric\" class=\"short\" name=\"r0_year\""), "{year}: {}", reply.text());
            }
        }
        let listed = app
            .api(
                "GET",
                "/api/v1/service-platforms?sector=shared-factory&city_units=true",
                Some("maker"),
                None,
            )
            .await
            .json();
        assert_eq!(listed[0]["code"], "polish", "{listed}");
        assert_eq!(listed[0]["recognitions"][0]["year"], 2019);
        let page = visitor.get("/platforms?units=1&q=打磨").await.text();
        assert!(page.contains("data-code=\"polish\""), "{page}");
        assert!(page.contains("广东省智能制造公共技术支撑平台"));

        // Over the API: the staff's stale version is a conflict; they cannot change what the
        // city keeps; nobody else may write.
        let mut body = json!({"operator": "中山市共享打磨科技有限公司", "sector": "shared-factory",
            "city_unit": true, "recognitions": saved_recognitions(), "contact_name": "陈工"});
        let stale = app
            .api_with_headers(
                "PUT",
                "/api/v1/service-platforms/polish",
                Some("polisher"),
                Some(body.clone()),
                &[("if-match", "\"1\"")],
            )
            .await;
        stale.problem(StatusCode::CONFLICT);
        body["city_unit"] = json!(false);
        app.api_with_headers(
            "PUT",
            "/api/v1/service-platforms/polish",
            Some("polisher"),
            Some(body.clone()),
            &[("if-match", "\"2\"")],
        )
        .await
        .problem(StatusCode::FORBIDDEN);
        body["city_unit"] = json!(true);
        let reply = app
            .api_with_headers(
                "PUT",
                "/api/v1/service-platforms/polish",
                Some("polisher"),
                Some(body),
                &[("if-match", "\"2\"")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        assert_eq!(reply.json()["contact_name"], "陈工");
        for user in ["maker", "expert"] {
            let mut other = Visitor::new(&app);
            other.sign_in(user).await;
            assert_eq!(
                other.get("/platforms/polish/edit").await.status,
                StatusCode::NOT_FOUND,
                "{user}"
            );
            assert_eq!(
                other.get("/service-sectors").await.status,
                StatusCode::NOT_FOUND,
                "{user}"
            );
        }
    }
}

fn saved_recognitions() -> serde_json::Value {
    json!([{"level": "provincial", "title": "广东省智能制造公共技术支撑平台", "year": 2019}])
}

#[tokio::test]
async fn a_service_is_offered_checked_and_found_on_the_pages() {
    for app in apps().await {
        let id = seed_draft(&app).await;
        let mut visitor = Visitor::new(&app);
        assert!(
            visitor
                .get("/services")
                .await
                .text()
                .contains("id=\"no-services\""),
            "a draft is not in the catalogue"
        );
        assert_eq!(
            visitor.get(&format!("/services/{id}")).await.status,
            StatusCode::NOT_FOUND
        );

        // The platform's staff see their draft and submit it.
        let mut staff = Visitor::new(&app);
        staff.sign_in("polisher").await;
        let list = staff.get("/services").await.text();
        assert!(list.contains("data-status=\"draft\""), "{list}");
        assert!(list.contains("href=\"/platforms/polish/services/new\""));
        let page = staff.get(&format!("/services/{id}")).await.text();
        assert!(page.contains("id=\"submit-service\""), "{page}");
        let csrf = staff.csrf();
        let reply = staff
            .post(
                &format!("/services/{id}/submit"),
                &[("csrf_token", &csrf), ("row_version", "1")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());

        // The city finds it in its queue; returning needs a reason; approving puts it on notice.
        let mut city = Visitor::new(&app);
        city.sign_in("staff").await;
        let queue = city.get("/services?status=submitted").await.text();
        assert!(
            queue.contains(&format!("href=\"/services/{id}\"")),
            "{queue}"
        );
        let page = city.get(&format!("/services/{id}")).await.text();
        assert!(page.contains("id=\"check-form\""), "{page}");
        let city_csrf = city.csrf();
        let reply = city
            .post(
                &format!("/services/{id}/return"),
                &[
                    ("csrf_token", &city_csrf),
                    ("row_version", "2"),
                    ("note", " "),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            reply.text().contains("id=\"note-error\""),
            "{}",
            reply.text()
        );
        let reply = city
            .post(
                &format!("/services/{id}/approve"),
                &[
                    ("csrf_token", &city_csrf),
                    ("row_version", "2"),
                    ("note", ""),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let list = visitor.get("/services?vouchers=1").await.text();
        assert!(list.contains("data-status=\"notice\""), "{list}");
        let page = visitor.get(&format!("/services/{id}")).await.text();
        assert!(page.contains("id=\"notice-until\""), "{page}");
        assert!(
            !page.contains("id=\"withdraw-service\""),
            "a visitor acts on nothing"
        );

        // A new service on the form: each problem beside its field, then saved as a draft.
        let form = staff.get("/platforms/polish/services/new").await;
        assert_eq!(form.status, StatusCode::OK);
        let fields = |price: &'static str| {
            vec![
                ("csrf_token", csrf.clone()),
                ("title", "打磨工艺诊断".to_owned()),
                ("sector", "shared-factory".to_owned()),
                ("delivery_mode", "on_site".to_owned()),
                ("price_model", "free".to_owned()),
                ("price", price.to_owned()),
                ("lead_days", "3".to_owned()),
                ("description", "上门诊断打磨抛光工艺".to_owned()),
            ]
        };
        for (price, status) in [
            ("abc", StatusCode::UNPROCESSABLE_ENTITY),
            ("100", StatusCode::UNPROCESSABLE_ENTITY),
            ("", StatusCode::SEE_OTHER),
        ] {
            let typed = fields(price);
            let typed: Vec<(&str, &str)> = typed.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let reply = staff.post("/platforms/polish/services/new", &typed).await;
            assert_eq!(reply.status, status, "{price}: {}", reply.text());
            if status != StatusCode::SEE_OTHER {
                assert!(
                    reply.text().contains("id=\"price-error\""),
                    "{}",
                    reply.text()
                );
            }
        }
        // Only the platform's staff offer its services.
        for user in ["maker", "staff"] {
            let mut other = Visitor::new(&app);
            other.sign_in(user).await;
            assert_eq!(
                other.get("/platforms/polish/services/new").await.status,
                StatusCode::NOT_FOUND,
                "{user}"
            );
        }
    }
}
