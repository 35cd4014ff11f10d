//! The set-up edited one section at a time on its pages: a table of inputs, each problem marked
//! on its cell and nothing published, a good table published as the next version with the other
//! sections unchanged; only the factory's own staff may edit.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::pages::Visitor;
use crate::support::{TestApp, apps};

async fn published(app: &TestApp) {
    let reply = app
        .api(
            "POST",
            "/api/v1/factories/polish/setups",
            Some("polisher"),
            Some(json!({"setup": crate::factories::setup(), "note": "首版"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
}

/// The newest set-up version as the API gives it.
async fn newest(app: &TestApp) -> Value {
    let reply = app
        .api(
            "GET",
            "/api/v1/factories/polish/setups",
            Some("polisher"),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()[0].clone()
}

/// The resources table as the page shows it (four robots and stations, three blank rows), with
/// `changes` applied: (row, column, value).
fn resources_form<'a>(csrf: &'a str, changes: &[(usize, &str, &'a str)]) -> Vec<(String, String)> {
    let rows = [
        [
            "R01",
            "1 号机器人",
            "polishing_cell",
            "S1",
            "L1",
            "robot-01",
            "",
            "黄铜, 不锈钢",
            "",
            "400",
        ],
        [
            "R02",
            "2 号机器人",
            "polishing_cell",
            "S1",
            "L1",
            "",
            "",
            "黄铜, 不锈钢",
            "",
            "400",
        ],
        [
            "R03",
            "3 号机器人",
            "polishing_cell",
            "S1",
            "L2",
            "",
            "",
            "",
            "",
            "800",
        ],
        ["M01", "包装工位", "manual", "S1", "L1", "", "", "", "", ""],
        [""; 10],
        [""; 10],
        [""; 10],
    ];
    let keys = [
        "code",
        "name",
        "class",
        "site",
        "line",
        "devices",
        "families",
        "materials",
        "finishes",
        "max_part_mm",
    ];
    let mut form = vec![
        ("csrf_token".to_owned(), csrf.to_owned()),
        ("version".to_owned(), "1".to_owned()),
        ("note".to_owned(), "加一台机器人".to_owned()),
    ];
    for (index, row) in rows.iter().enumerate() {
        for (key, value) in keys.iter().zip(row) {
            let value = changes
                .iter()
                .find(|(r, k, _)| *r == index && k == key)
                .map_or(*value, |(_, _, v)| *v);
            form.push((format!("{index}.{key}"), value.to_owned()));
        }
        for key in ["max_weight_g", "max_width_mm", "max_ply_mm"] {
            form.push((format!("{index}.{key}"), String::new()));
        }
    }
    form
}

async fn post(
    visitor: &mut Visitor<'_>,
    path: &str,
    form: &[(String, String)],
) -> crate::support::Reply {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    visitor.post(path, &pairs).await
}

#[tokio::test]
async fn the_staff_edit_one_section_of_the_set_up_as_a_table() {
    for app in apps().await {
        published(&app).await;
        let mut staff = Visitor::new(&app);
        staff.sign_in("polisher").await;
        let setup_page = staff.get("/factories/polish/setup").await.text();
        assert!(
            setup_page.contains("href=\"/factories/polish/setup/resources\""),
            "{setup_page}"
        );
        let page = staff.get("/factories/polish/setup/resources").await;
        assert_eq!(page.status, StatusCode::OK);
        let text = page.text();
        assert!(text.contains("name=\"0.code\" value=\"R01\""), "{text}");
        assert!(text.contains("name=\"0.devices\" value=\"robot-01\""));
        assert!(
            text.contains("name=\"6.code\" value=\"\""),
            "three blank rows"
        );
        assert!(!text.contains("name=\"7.code\""));
        let csrf = staff.csrf();
        let path = "/factories/polish/setup/resources";

        // A cell that cannot be read, and a problem of the set-up, each on its cell; what was
        // typed stays and nothing is published.
        for (changes, cell, says) in [
            (vec![(2, "class", "laser")], "2.class", "不在可选项中"),
            (vec![(1, "site", "S9")], "1.site", "value=\"S9\""),
            (
                vec![(1, "max_part_mm", "大")],
                "1.max_part_mm",
                "“大”不是整数",
            ),
            (
                vec![
                    (4, "code", "R04"),
                    (4, "name", "4 号机器人"),
                    (4, "line", "L2"),
                ],
                "4.class",
                "不在可选项中",
            ),
        ] {
            let reply = post(&mut staff, path, &resources_form(&csrf, &changes)).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{cell}");
            let text = reply.text();
            assert!(text.contains(says), "{cell}: {text}");
            let (row, key) = cell.split_once('.').unwrap();
            let input = format!("name=\"{row}.{key}\"");
            let at = text.find(&input).unwrap_or_else(|| panic!("{input}"));
            let cell_start = text[..at].rfind("<td").unwrap();
            assert!(
                text[cell_start..].starts_with("<td class=\"invalid"),
                "{cell} marked: {}",
                &text[cell_start..at]
            );
            assert_eq!(
                text.matches("<td class=\"invalid").count(),
                1,
                "{cell} alone"
            );
            assert_eq!(
                newest(&app).await["version"],
                1,
                "{cell}: nothing published"
            );
        }

        // Adding a robot in a blank row and clearing the packing station's row.
        let changes = [
            (3, "code", ""),
            (3, "name", ""),
            (3, "class", ""),
            (3, "site", ""),
            (3, "line", ""),
            (5, "code", "R04"),
            (5, "name", "4 号机器人"),
            (5, "class", "polishing_cell"),
            (5, "site", "S1"),
            (5, "line", "L2"),
            (5, "devices", "robot-04，robot-05"),
        ];
        let reply = post(&mut staff, path, &resources_form(&csrf, &changes)).await;
        // The routing's packing step needs a manual resource: the problem belongs to another
        // section and is listed above the table.
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        let text = reply.text();
        assert!(text.contains("id=\"setup-problems\""), "{text}");
        assert!(text.contains("routings[0].steps[2].class"), "{text}");
        let changes = &changes[5..];
        let reply = post(&mut staff, path, &resources_form(&csrf, changes)).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let second = newest(&app).await;
        assert_eq!(second["version"], 2);
        assert_eq!(second["note"], "加一台机器人");
        let resources = second["setup"]["resources"].as_array().unwrap();
        assert_eq!(resources.len(), 5);
        assert_eq!(resources[4]["code"], "R04");
        assert_eq!(resources[4]["devices"], json!(["robot-04", "robot-05"]));
        let mut others = second["setup"].clone();
        let mut before = app
            .api(
                "GET",
                "/api/v1/factories/polish/setups",
                Some("polisher"),
                None,
            )
            .await
            .json()[1]["setup"]
            .clone();
        others["resources"] = Value::Null;
        before["resources"] = Value::Null;
        assert_eq!(others, before, "the other sections are as they were");

        // A form of the older version is refused.
        let reply = post(&mut staff, path, &resources_form(&csrf, &[])).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.text().contains("已更新为第 2 版"), "{}", reply.text());

        // The calendar is one row of fields.
        let page = staff.get("/factories/polish/setup/calendar").await.text();
        assert!(page.contains(">08:00-20:00</textarea>"), "{page}");
        let calendar = |shifts: &str| {
            vec![
                ("csrf_token".to_owned(), csrf.clone()),
                ("version".to_owned(), "2".to_owned()),
                ("0.workdays".to_owned(), "1, 2, 3, 4, 5".to_owned()),
                ("0.shifts".to_owned(), shifts.to_owned()),
                ("0.breaks".to_owned(), "12:00-13:00".to_owned()),
                ("0.holidays".to_owned(), "2027-01-01、2027-02-17".to_owned()),
            ]
        };
        let reply = post(
            &mut staff,
            "/factories/polish/setup/calendar",
            &calendar("08:00-12:00, 13:00-25:00"),
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.text().contains("不是有效时段"), "{}", reply.text());
        let reply = post(
            &mut staff,
            "/factories/polish/setup/calendar",
            &calendar("08:00-12:00, 13:00-17:30"),
        )
        .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let calendar = &newest_calendar(&app).await;
        assert_eq!(calendar["workdays"], json!([1, 2, 3, 4, 5]));
        assert_eq!(
            calendar["shifts"][1],
            json!({"start": "13:00", "end": "17:30"})
        );
        assert_eq!(calendar["holidays"], json!(["2027-01-01", "2027-02-17"]));

        // Only the factory's staff edit; the city reads the set-up page but cannot edit; an
        // unknown section is not a page.
        for (user, path) in [
            ("maker", "/factories/polish/setup/resources"),
            ("staff", "/factories/polish/setup/resources"),
            ("polisher", "/factories/polish/setup/colours"),
        ] {
            let mut visitor = Visitor::new(&app);
            visitor.sign_in(user).await;
            assert_eq!(
                visitor.get(path).await.status,
                StatusCode::NOT_FOUND,
                "{user} {path}"
            );
        }
        let mut city = Visitor::new(&app);
        city.sign_in("staff").await;
        let reply = city
            .post(
                "/factories/polish/setup/sites",
                &[
                    ("csrf_token", &city.csrf()),
                    ("0.code", "X"),
                    ("0.name", "X"),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(newest(&app).await["version"], 3);
    }
}

async fn newest_calendar(app: &TestApp) -> Value {
    newest(app).await["setup"]["calendar"].clone()
}
