//! Shared factories through the pages: the factory's staff publish a tariff on its form (each
//! problem beside its row), clients find it and price an order with the calculation shown.

use axum::http::StatusCode;

use crate::pages::Visitor;
use crate::support::apps;

fn tariff_form<'a>(csrf: &'a str, latest: &'a str, breaks: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf_token", csrf),
        ("latest_version", latest),
        ("setup_fee", "200"),
        ("minimum_charge", "500"),
        ("cutting_line", ""),
        ("spreading_line", ""),
        ("polishing_cell", "180"),
        ("manual", ""),
        ("p0_family", "龙头"),
        ("p0_breaks", breaks),
        ("p1_family", ""),
        ("p1_breaks", ""),
        ("note", "首版"),
    ]
}

#[tokio::test]
async fn a_factory_publishes_its_tariff_on_a_form_and_clients_price_orders() {
    for app in apps().await {
        let mut staff = Visitor::new(&app);
        staff.sign_in("polisher").await;
        let list = staff.get("/factories").await.text();
        assert!(list.contains("id=\"no-factories\""), "{list}");
        assert!(list.contains("href=\"/factories/polish/tariff\""));
        let form = staff.get("/factories/polish/tariff/edit").await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.text().contains("name=\"p1_family\""));
        let csrf = staff.csrf();
        // Problems are named beside their row, and what was typed stays.
        for (breaks, says) in [
            ("1=2.50; 1000", "起订量=单价"),
            ("5=2.50", "第一档须从 1 件起"),
        ] {
            let reply = staff
                .post(
                    "/factories/polish/tariff/edit",
                    &tariff_form(&csrf, "", breaks),
                )
                .await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{breaks}");
            let text = reply.text();
            assert!(text.contains("id=\"p0_breaks-error\""), "{text}");
            assert!(text.contains(says), "{says}: {text}");
            assert!(text.contains("value=\"龙头\""));
        }
        let reply = staff
            .post(
                "/factories/polish/tariff/edit",
                &tariff_form(&csrf, "", "1=2.50; 1000=2.20"),
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
        let location = reply.headers["location"].to_str().unwrap().to_owned();
        assert!(
            staff
                .get(&location)
                .await
                .text()
                .contains("已发布第 1 版价目表")
        );
        // A form opened before that publication is stale, said on the form.
        let stale = staff
            .post(
                "/factories/polish/tariff/edit",
                &tariff_form(&csrf, "", "1=2.40"),
            )
            .await;
        assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(stale.text().contains("价目表已更新为第 1 版"));

        // A client finds the factory and prices 1,200 faucets with an hour of a cell and one
        // set-up: 200 + 180 + 1,200 × 2.20 = 3,020 yuan.
        let mut maker = Visitor::new(&app);
        maker.sign_in("maker").await;
        assert!(maker.get("/").await.text().contains("href=\"/factories\""));
        assert!(
            maker
                .get("/factories")
                .await
                .text()
                .contains("href=\"/factories/polish/tariff\"")
        );
        let query: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("family", "龙头"),
                ("quantity", "1200"),
                ("setups", "1"),
                ("polishing_cell", "60"),
            ])
            .finish();
        let page = maker
            .get(&format!("/factories/polish/tariff?{query}"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let text = page.text();
        assert!(text.contains("id=\"price-total\">3,020.00<"), "{text}");
        assert!(text.contains("1000 件起档"));
        assert!(
            !text.contains("id=\"edit-tariff\""),
            "only the factory publishes"
        );
        assert_eq!(
            maker.get("/factories/polish/tariff/edit").await.status,
            StatusCode::FORBIDDEN
        );
        let bad = maker
            .get("/factories/polish/tariff?family=x&quantity=abc")
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().contains("id=\"quantity-error\""));
        // A code that names no factory is not found.
        assert_eq!(
            maker.get("/factories/city/tariff").await.status,
            StatusCode::NOT_FOUND
        );
    }
}
