//! Talent, teams and IP over HTTP: the city records a talent tied to a project of the employer,
//! the enterprise records its own patent (a mistyped number named), each reads only its scope,
//! and the figures count the records.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, apps, maker_code, nantou_code};

pub(crate) fn talent_body(name: &str) -> Value {
    json!({"name": name, "degree": "doctorate", "field": "advanced_manufacturing", "enterprise": maker_code(),
           "programme": "中山市高层次人才引进计划", "year": 2024})
}

pub(crate) fn team_body(name: &str) -> Value {
    json!({"name": name, "field": "information_technology", "level": "city", "leader": "陈博士", "members": 6,
           "enterprise": maker_code(), "year": 2023})
}

pub(crate) fn patent_body(number: &str) -> Value {
    json!({"kind": "invention_patent", "number": number, "title": "一种恒力打磨控制方法", "status": "filed",
           "enterprise": maker_code(), "filed_on": "2017-08-01"})
}

/// A talent and a team the city recorded at the maker, and a patent the maker recorded:
/// (talent, team, IP).
pub(crate) async fn seed(app: &TestApp) -> (i64, i64, i64) {
    let created = |reply: crate::support::Reply| {
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        reply.json()["id"].as_i64().unwrap()
    };
    let talent = created(
        app.api(
            "POST",
            "/api/v1/talents",
            Some("staff"),
            Some(talent_body("李博士")),
        )
        .await,
    );
    let team = created(
        app.api(
            "POST",
            "/api/v1/innovation-teams",
            Some("staff"),
            Some(team_body("工业软件创新团队")),
        )
        .await,
    );
    let mut patent = patent_body("201710601862.3");
    patent["inventors"] = json!([talent]);
    let ip = created(
        app.api("POST", "/api/v1/ip-assets", Some("maker"), Some(patent))
            .await,
    );
    (talent, team, ip)
}

#[tokio::test]
async fn the_city_records_talent_and_enterprises_their_ip_over_the_api() {
    for app in apps().await {
        // Only the city records talents; a bad degree is named by its path.
        app.api(
            "POST",
            "/api/v1/talents",
            Some("maker"),
            Some(talent_body("自荐")),
        )
        .await
        .problem(StatusCode::FORBIDDEN);
        let mut bad = talent_body("李博士");
        bad["degree"] = json!("professor");
        let problem = app
            .api("POST", "/api/v1/talents", Some("staff"), Some(bad))
            .await
            .problem(StatusCode::BAD_REQUEST);
        assert_eq!(problem["errors"][0]["field"], "degree", "{problem}");
        // A project that does not exist is named.
        let mut with_project = talent_body("李博士");
        with_project["project"] = json!("2099-XX-00-0000");
        let problem = app
            .api("POST", "/api/v1/talents", Some("staff"), Some(with_project))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["field"], "project", "{problem}");

        let (talent, _, ip) = seed(&app).await;
        let read = app
            .api(
                "GET",
                &format!("/api/v1/talents/{talent}"),
                Some("maker"),
                None,
            )
            .await
            .json();
        assert_eq!(read["enterprise_credit_code"], maker_code());
        app.api(
            "GET",
            &format!("/api/v1/talents/{talent}"),
            Some("rival"),
            None,
        )
        .await
        .problem(StatusCode::NOT_FOUND);
        assert_eq!(
            app.api("GET", "/api/v1/talents", Some("nantou"), None)
                .await
                .json(),
            json!([])
        );

        // The maker's IP: a mistyped number, another enterprise's and a repeat are refused.
        let typo = app
            .api(
                "POST",
                "/api/v1/ip-assets",
                Some("maker"),
                Some(patent_body("201710601862.4")),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(typo["errors"][0]["field"], "number", "{typo}");
        let mut theirs = patent_body("201810203040.4");
        theirs["filed_on"] = json!("2018-03-01");
        theirs["enterprise"] = json!(nantou_code());
        let problem = app
            .api("POST", "/api/v1/ip-assets", Some("maker"), Some(theirs))
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["field"], "enterprise", "{problem}");
        app.api(
            "POST",
            "/api/v1/ip-assets",
            Some("staff"),
            Some(patent_body("201710601862.3")),
        )
        .await
        .problem(StatusCode::CONFLICT);
        let asset = app
            .api(
                "GET",
                &format!("/api/v1/ip-assets/{ip}"),
                Some("xiaolan"),
                None,
            )
            .await
            .json();
        assert_eq!(asset["inventors"][0]["talent_id"], talent, "{asset}");

        let figures = app
            .api("GET", "/api/v1/talent-figures", Some("staff"), None)
            .await
            .json();
        assert_eq!(
            (
                &figures["talents"],
                &figures["doctorates"],
                &figures["invention_patents_by_talents"],
                &figures["teams_in_manufacturing_and_it_percent"]
            ),
            (&json!(1), &json!(1), &json!(1), &json!(100)),
            "{figures}"
        );
        let outside = app
            .api("GET", "/api/v1/talent-figures", Some("polisher"), None)
            .await
            .json();
        assert_eq!(outside["talents"], 0, "{outside}");
    }
}

#[tokio::test]
async fn an_enterprise_records_its_patent_on_the_page_and_a_typo_is_named_there() {
    for app in apps().await {
        let mut maker = crate::pages::Visitor::new(&app);
        maker.sign_in("maker").await;
        let form = maker.get("/talent/ip").await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(
            form.text().contains(&maker_code()),
            "the maker's own code is filled in"
        );
        let csrf = maker.csrf();
        let code = maker_code();
        let fields = |number: &'static str| {
            vec![
                ("csrf_token", csrf.clone()),
                ("kind", "invention_patent".to_owned()),
                ("number", number.to_owned()),
                ("title", "一种恒力打磨控制方法".to_owned()),
                ("status", "filed".to_owned()),
                ("filed_on", "2017-08-01".to_owned()),
                ("granted_on", String::new()),
                ("enterprise", code.clone()),
                ("project", String::new()),
            ]
        };
        let typo = fields("201710601862.4");
        let pairs: Vec<(&str, &str)> = typo.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = maker.post("/talent/ip", &pairs).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(
            reply.text().contains("申请号校验位不对"),
            "{}",
            reply.text()
        );
        let good = fields("201710601862.3");
        let pairs: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let saved = maker.post("/talent/ip", &pairs).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
        let list = maker.get("/talent?tab=ip").await.text();
        assert!(list.contains("201710601862.3"), "{list}");
        // Granted later: the maker edits it from the list, the form filled with what is stored.
        let edit = list
            .split("href=\"")
            .filter_map(|part| part.split('"').next())
            .find(|link| link.starts_with("/talent/ip/"))
            .expect("an edit link")
            .to_owned();
        let form = maker.get(&edit).await.text();
        assert!(
            form.contains("一种恒力打磨控制方法") && form.contains("name=\"version\" value=\"1\""),
            "{form}"
        );
        let csrf = maker.csrf();
        let mut granted = fields("201710601862.3");
        granted[0].1 = csrf.clone();
        granted[4].1 = "granted".to_owned();
        granted[6].1 = "2019-05-10".to_owned();
        granted.push(("version", "1".to_owned()));
        let pairs: Vec<(&str, &str)> = granted.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let saved = maker.post(&edit, &pairs).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
        assert!(
            maker
                .get("/talent?tab=ip")
                .await
                .text()
                .contains("2019-05-10")
        );
        // The same form sent again is from an old version: said on the form, nothing changed.
        let stale = maker.post(&edit, &pairs).await;
        assert_eq!(stale.status, StatusCode::OK);
        assert!(stale.text().contains("role=\"alert\""), "{}", stale.text());
        // Another enterprise does not see it; the talent forms are the city's.
        let mut rival = crate::pages::Visitor::new(&app);
        rival.sign_in("rival").await;
        assert!(
            !rival
                .get("/talent?tab=ip")
                .await
                .text()
                .contains("201710601862.3")
        );
        assert_eq!(
            maker.get("/talent/talents").await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(rival.get(&edit).await.status, StatusCode::NOT_FOUND);
    }
}
