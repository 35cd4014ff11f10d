//! The registry on every backend: scope, validation, history, filters, import and export.

use zhizao_core::{Classified, Fen, Language, PageRequest};
use zhizao_db::testing::{TestDatabase, test_databases};
use zhizao_identity::testing::{self, credit_code as code};
use zhizao_identity::{Identity, Principal};
use zhizao_registry::testing::{enterprise as input, register};
use zhizao_registry::{
    EnterpriseFilter, EnterpriseInput, Error, ExportFormat, ImportMode, ImportOptions,
    RecognitionInput, RecognitionKind, Registry, SignupInput, SignupRequest, SignupStatus,
    SizeFilter, reference,
};

struct Fixture {
    registry: Registry,
    identity: Identity,
    _db: TestDatabase,
}

impl Fixture {
    async fn login(&self, username: &str) -> Principal {
        testing::sign_in(&self.identity, username).await
    }
}

async fn fixture(test: TestDatabase) -> Fixture {
    let db = test.db.clone();
    reference::sync(&db).await.unwrap();
    reference::sync(&db)
        .await
        .expect("syncing twice is harmless");
    let clock = testing::fixed_clock();
    let identity = testing::identity(&db, &clock);
    let registry = Registry::new(db.clone(), clock);
    let mut transaction = db.begin().await.unwrap();
    testing::create_organizations(&mut transaction, testing::ORGANIZATIONS).await;
    let ids = register(
        &mut transaction,
        &[
            input(1, "442000118", "3851"),
            input(2, "小榄镇", "3399"),
            input(3, "Nantou", "C3856"),
        ],
    )
    .await;
    let platform_id: i64 = sqlx::query_scalar("SELECT id FROM organizations WHERE code = 'polish'")
        .fetch_one(&mut *transaction)
        .await
        .unwrap();
    zhizao_registry::link_platform_client(&mut transaction, platform_id, ids[2], testing::NOW)
        .await
        .unwrap();
    testing::create_users(
        &mut transaction,
        &testing::users(&["admin", "xiaolan", "nantou", "polisher", "expert"]),
    )
    .await;
    testing::create_users(&mut transaction, &[("maker", &code(1), "enterprise_user")]).await;
    transaction.commit().await.unwrap();
    Fixture {
        registry,
        identity,
        _db: test,
    }
}

fn codes(page: &zhizao_core::Page<zhizao_registry::Enterprise>) -> Vec<String> {
    let mut codes: Vec<String> = page.items.iter().map(|e| e.credit_code.clone()).collect();
    codes.sort();
    codes
}

#[tokio::test]
async fn each_tenant_sees_only_its_scope() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let all = EnterpriseFilter::default();
        let page = PageRequest::default();
        let check = |username: &'static str, expected: Vec<String>| (username, expected);
        for (username, expected) in [
            check("admin", vec![code(1), code(2), code(3)]),
            check("xiaolan", vec![code(1), code(2)]),
            check("nantou", vec![code(3)]),
            check("polisher", vec![code(3)]),
            check("maker", vec![code(1)]),
            check("expert", vec![]),
        ] {
            let principal = f.login(username).await;
            let mut expected = expected;
            expected.sort();
            assert_eq!(
                codes(
                    &f.registry
                        .list_enterprises(&principal, &all, page)
                        .await
                        .unwrap()
                ),
                expected,
                "{username}"
            );
            for n in [1, 2, 3] {
                let visible = f.registry.enterprise(&principal, &code(n)).await;
                assert_eq!(
                    visible.is_ok(),
                    expected.contains(&code(n)),
                    "{username} looking at {n}"
                );
                if let Err(error) = visible {
                    assert!(matches!(error, Error::NotFound(_)), "{error:?}");
                    let history = f
                        .registry
                        .enterprise_history(&principal, &code(n), page)
                        .await;
                    assert!(
                        matches!(history, Err(Error::NotFound(_))),
                        "{username} history of {n}"
                    );
                    let edit = EnterpriseInput {
                        address: Some("x".into()),
                        ..Default::default()
                    };
                    assert!(matches!(
                        f.registry
                            .update_enterprise(&principal, &code(n), &edit, None)
                            .await,
                        Err(Error::NotFound(_))
                    ));
                    assert!(matches!(
                        f.registry
                            .delete_enterprise(&principal, &code(n), None)
                            .await,
                        Err(Error::NotFound(_))
                    ));
                }
            }
            let export = f
                .registry
                .export_enterprises(&principal, &all, ExportFormat::Csv, Language::ZhCn)
                .await
                .unwrap();
            assert_eq!(export.rows, expected.len(), "{username} export");
        }
    }
}

#[tokio::test]
async fn registration_validates_every_field_and_names_duplicates() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let admin = f.login("admin").await;
        let bad = EnterpriseInput {
            credit_code: Some("91442000000000001X".into()),
            name: Some(" ".into()),
            town: Some("东升镇".into()),
            industry_code: Some("38".into()),
            employees: Some(Some(-1)),
            contact_email: Some("not-mail".into()),
            established_on: Some(Some("2030-01-01".into())),
            recognitions: Some(vec![RecognitionInput {
                kind: "prize".into(),
                level: "national".into(),
                year: 1970,
                title: String::new(),
            }]),
            ..EnterpriseInput::default()
        };
        let error = f
            .registry
            .create_enterprise(&admin, &bad)
            .await
            .unwrap_err();
        let mut fields: Vec<String> = error.field_errors().into_iter().map(|e| e.field).collect();
        fields.sort();
        assert_eq!(
            fields,
            [
                "above_designated_size",
                "contact_email",
                "credit_code",
                "employees",
                "established_on",
                "industry_code",
                "legal_representative",
                "name",
                "recognitions[0].kind",
                "recognitions[0].year",
                "town_code"
            ]
        );
        let town_error = error
            .field_errors()
            .into_iter()
            .find(|e| e.field == "town_code")
            .unwrap();
        assert!(
            town_error.message.zh.contains("小榄镇"),
            "a retired town names its successor: {}",
            town_error.message.zh
        );

        let error = f
            .registry
            .create_enterprise(&admin, &input(1, "442000118", "3851"))
            .await
            .unwrap_err();
        match error {
            Error::DuplicateCreditCode {
                credit_code,
                existing_name,
            } => {
                assert_eq!(credit_code, code(1));
                assert_eq!(existing_name, "中山市测试1号企业（示例）");
            }
            other => panic!("expected a duplicate, got {other:?}"),
        }

        // Town staff register in their own town only.
        let xiaolan = f.login("xiaolan").await;
        assert!(
            f.registry
                .create_enterprise(&xiaolan, &input(10, "442000118", "3851"))
                .await
                .is_ok()
        );
        let error = f
            .registry
            .create_enterprise(&xiaolan, &input(11, "442000111", "3851"))
            .await
            .unwrap_err();
        assert_eq!(error.field_errors()[0].field, "town_code");
        let maker = f.login("maker").await;
        assert!(matches!(
            f.registry
                .create_enterprise(&maker, &input(12, "442000118", "3851"))
                .await,
            Err(Error::Forbidden(_))
        ));
    }
}

#[tokio::test]
async fn edits_respect_rights_versions_and_leave_history() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let maker = f.login("maker").await;
        let edit = EnterpriseInput {
            employees: Some(Some(321)),
            address: Some("中山市小榄镇示例路 1 号".into()),
            ..Default::default()
        };
        let updated = f
            .registry
            .update_enterprise(&maker, &code(1), &edit, Some(1))
            .await
            .unwrap();
        assert_eq!((updated.employees, updated.version), (Some(321), 2));
        let stale = f
            .registry
            .update_enterprise(&maker, &code(1), &edit, Some(1))
            .await
            .unwrap_err();
        assert!(
            matches!(stale, Error::StaleVersion { current: 2, .. }),
            "{stale:?}"
        );
        let rename = EnterpriseInput {
            name: Some("改名".into()),
            ..Default::default()
        };
        let error = f
            .registry
            .update_enterprise(&maker, &code(1), &rename, None)
            .await
            .unwrap_err();
        assert_eq!(
            error.field_errors()[0].field,
            "name",
            "enterprise users cannot rename themselves"
        );
        let polisher = f.login("polisher").await;
        assert!(matches!(
            f.registry
                .update_enterprise(&polisher, &code(3), &edit, None)
                .await,
            Err(Error::Forbidden(_))
        ));

        let admin = f.login("admin").await;
        let award = EnterpriseInput {
            recognitions: Some(vec![RecognitionInput {
                kind: "technology_center".into(),
                level: "provincial".into(),
                year: 2019,
                title: String::new(),
            }]),
            ..Default::default()
        };
        let awarded = f
            .registry
            .update_enterprise(&admin, &code(1), &award, None)
            .await
            .unwrap();
        assert_eq!(awarded.recognitions.len(), 1);

        let history = f
            .registry
            .enterprise_history(&maker, &code(1), PageRequest::default())
            .await
            .unwrap();
        let actions: Vec<&str> = history.items.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "enterprise.updated",
                "enterprise.updated",
                "enterprise.created"
            ]
        );
        let first_edit = history.items[1].parsed_changes();
        assert_eq!(first_edit["employees"].before, serde_json::json!(101));
        assert_eq!(first_edit["employees"].after, serde_json::json!(321));
        assert_eq!(history.items[1].actor_username, "maker");
        assert_eq!(
            history.items[0].parsed_changes()["recognitions"].after,
            serde_json::json!(["provincial/technology_center/2019"])
        );

        // Deletion: refused while users exist, then allowed, and audited.
        assert!(matches!(
            f.registry.delete_enterprise(&admin, &code(1), None).await,
            Err(Error::InUse { users: 1, .. })
        ));
        f.registry
            .delete_enterprise(&admin, &code(2), Some(1))
            .await
            .unwrap();
        assert!(matches!(
            f.registry.enterprise(&admin, &code(2)).await,
            Err(Error::NotFound(_))
        ));
    }
}

#[tokio::test]
async fn filters_search_and_merged_towns() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let admin = f.login("admin").await;
        // An enterprise still recorded under Dongsheng, which merged into Xiaolan.
        sqlx::query("UPDATE enterprises SET town_code = '442000104' WHERE credit_code = $1")
            .bind(code(2))
            .execute(f.registry.database().pool())
            .await
            .unwrap();
        let page = PageRequest::default();
        let list = |filter: EnterpriseFilter| {
            let registry = f.registry.clone();
            let admin = admin.clone();
            async move {
                codes(
                    &registry
                        .list_enterprises(&admin, &filter, page)
                        .await
                        .unwrap(),
                )
            }
        };
        assert_eq!(
            list(EnterpriseFilter {
                search: Some("测试3".into()),
                ..Default::default()
            })
            .await,
            [code(3)]
        );
        assert_eq!(
            list(EnterpriseFilter {
                search: Some(code(2)[14..].to_lowercase()),
                ..Default::default()
            })
            .await,
            [code(2)]
        );
        assert_eq!(
            list(EnterpriseFilter {
                search: Some("100%".into()),
                ..Default::default()
            })
            .await,
            Vec::<String>::new()
        );
        assert_eq!(
            list(EnterpriseFilter {
                town: Some("442000118".into()),
                ..Default::default()
            })
            .await,
            [code(1), code(2)]
        );
        assert_eq!(
            list(EnterpriseFilter {
                industry: Some("385".into()),
                ..Default::default()
            })
            .await,
            [code(1), code(3)]
        );
        assert_eq!(
            list(EnterpriseFilter {
                industry: Some("C33".into()),
                ..Default::default()
            })
            .await,
            [code(2)]
        );
        assert_eq!(
            list(EnterpriseFilter {
                size: Some(SizeFilter::AboveDesignated),
                ..Default::default()
            })
            .await,
            [code(2)]
        );
        assert_eq!(
            list(EnterpriseFilter {
                recognition_kind: Some(RecognitionKind::DesignCenter),
                ..Default::default()
            })
            .await,
            Vec::<String>::new()
        );
        let xiaolan = f.login("xiaolan").await;
        let seen = f
            .registry
            .list_enterprises(&xiaolan, &EnterpriseFilter::default(), page)
            .await
            .unwrap();
        assert_eq!(
            codes(&seen),
            [code(1), code(2)],
            "Xiaolan's staff see Dongsheng's records"
        );
        let paged = f
            .registry
            .list_enterprises(&admin, &EnterpriseFilter::default(), PageRequest::new(2, 2))
            .await
            .unwrap();
        assert_eq!(
            (paged.total, paged.items.len(), paged.page_count()),
            (3, 1, 2)
        );
    }
}

fn csv_file(rows: &[&str]) -> Vec<u8> {
    let mut text = String::from(
        "统一社会信用代码,企业名称,法定代表人,镇街,行业代码,规上企业,从业人员,年营业收入（万元）,联系电话,认定,备注\n",
    );
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    text.into_bytes()
}

#[tokio::test]
async fn imports_are_all_or_nothing_with_cell_level_errors() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let admin = f.login("admin").await;
        let good = format!(
            "{},中山市甲电器有限公司,李某某,小榄镇,3851,是,1200,2500,'+86 760 1234,省级企业技术中心（2018）,x",
            code(20)
        );
        let bad_code = "914420000000000211,中山市乙五金有限公司,王某某,古镇,3399,否,50,100,,,";
        let bad_town = format!(
            "{},中山市丙灯饰有限公司,赵某某,火星镇,3872,否,abc,12.3456789,,,",
            code(22)
        );
        let duplicate = format!("{},中山市丁公司,钱某某,古镇,3872,否,,,,,", code(20));
        let existing = format!("{},中山市戊公司,孙某某,古镇,3872,否,,,,,", code(1));
        let file = csv_file(&[&good, bad_code, &bad_town, "", &duplicate, &existing]);
        let report = f
            .registry
            .import_enterprises(&admin, "名录.csv", &file, &ImportOptions::default())
            .await
            .unwrap();
        assert!(!report.applied);
        assert_eq!((report.rows, report.rows_with_errors), (5, 4));
        assert_eq!(report.ignored_columns, ["备注"]);
        let cells: Vec<(u32, String, String)> = report
            .errors
            .iter()
            .map(|e| (e.row.unwrap(), e.column.clone().unwrap(), e.field.clone()))
            .collect();
        assert_eq!(
            cells,
            [
                (3, "A 统一社会信用代码".to_owned(), "credit_code".to_owned()),
                (4, "D 镇街".to_owned(), "town_code".to_owned()),
                (4, "G 从业人员".to_owned(), "employees".to_owned()),
                (
                    4,
                    "H 年营业收入（万元）".to_owned(),
                    "annual_revenue_fen".to_owned()
                ),
                (6, "A 统一社会信用代码".to_owned(), "credit_code".to_owned()),
                (7, "A 统一社会信用代码".to_owned(), "credit_code".to_owned()),
            ]
        );
        assert!(
            report.errors[4].message.en.contains("row 2"),
            "{:?}",
            report.errors[4].message
        );
        assert!(
            report.errors[5]
                .message
                .zh
                .contains("中山市测试1号企业（示例）"),
            "{:?}",
            report.errors[5].message
        );
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM enterprises")
            .fetch_one(f.registry.database().pool())
            .await
            .unwrap();
        assert_eq!(total, 3, "nothing was half-imported");

        let report = f
            .registry
            .import_enterprises(
                &admin,
                "名录.csv",
                &csv_file(&[&good]),
                &ImportOptions::default(),
            )
            .await
            .unwrap();
        assert!(report.applied, "{:?}", report.errors);
        let imported = f.registry.enterprise(&admin, &code(20)).await.unwrap();
        assert_eq!(
            imported.annual_revenue_fen,
            Some(Fen::new(2_500_000_000)),
            "2,500 万元"
        );
        assert_eq!(
            imported.contact_phone, "+86 760 1234",
            "the formula escape is removed"
        );
        assert_eq!(imported.recognitions[0].year, 2018);

        // Upsert: the same row again changes nothing; a changed row updates.
        let options = ImportOptions {
            mode: ImportMode::Upsert,
            dry_run: false,
        };
        let report = f
            .registry
            .import_enterprises(&admin, "again.csv", &csv_file(&[&good]), &options)
            .await
            .unwrap();
        assert_eq!(
            (report.created, report.updated, report.unchanged),
            (0, 0, 1)
        );
        let changed = good.replace(",1200,", ",1300,");
        let report = f
            .registry
            .import_enterprises(&admin, "again.csv", &csv_file(&[&changed]), &options)
            .await
            .unwrap();
        assert_eq!((report.updated, report.applied), (1, true));

        // Town staff import only into their own town.
        let nantou = f.login("nantou").await;
        let row = format!(
            "{},中山市己电器有限公司,周某某,小榄镇,3851,否,,,,,",
            code(30)
        );
        let report = f
            .registry
            .import_enterprises(
                &nantou,
                "t.csv",
                &csv_file(&[&row]),
                &ImportOptions::default(),
            )
            .await
            .unwrap();
        assert_eq!(report.errors[0].field, "town_code");
        let maker = f.login("maker").await;
        assert!(matches!(
            f.registry
                .import_enterprises(
                    &maker,
                    "t.csv",
                    &csv_file(&[&row]),
                    &ImportOptions::default()
                )
                .await,
            Err(Error::Forbidden(_))
        ));
    }
}

#[tokio::test]
async fn files_that_are_not_registries_are_refused_clearly() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let admin = f.login("admin").await;
        let options = ImportOptions::default();
        let missing = f
            .registry
            .import_enterprises(
                &admin,
                "x.csv",
                "企业名称,镇街\n甲,古镇\n".as_bytes(),
                &options,
            )
            .await
            .unwrap_err();
        let missing: Vec<String> = missing
            .field_errors()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            missing,
            [
                "credit_code",
                "legal_representative",
                "industry_code",
                "above_designated_size"
            ]
        );
        let error = f
            .registry
            .import_enterprises(&admin, "x.exe", b"MZ\x90\x00", &options)
            .await
            .unwrap_err();
        assert_eq!(error.field_errors()[0].field, "file");
        let error = f
            .registry
            .import_enterprises(&admin, "x.xlsx", b"PK\x03\x04garbage", &options)
            .await
            .unwrap_err();
        assert_eq!(error.field_errors()[0].field, "file");
        let huge = vec![b'a'; zhizao_registry::MAX_IMPORT_BYTES + 1];
        assert!(matches!(
            f.registry
                .import_enterprises(&admin, "x.csv", &huge, &options)
                .await,
            Err(Error::TooLarge { .. })
        ));
    }
}

#[tokio::test]
async fn exports_round_trip_and_neutralise_formulas() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let admin = f.login("admin").await;
        let formula = EnterpriseInput {
            address: Some("=HYPERLINK(\"http://evil\")".into()),
            ..Default::default()
        };
        f.registry
            .update_enterprise(&admin, &code(1), &formula, None)
            .await
            .unwrap();
        let all = EnterpriseFilter::default();
        let csv = f
            .registry
            .export_enterprises(&admin, &all, ExportFormat::Csv, Language::ZhCn)
            .await
            .unwrap();
        let text = String::from_utf8(csv.bytes.clone()).unwrap();
        assert!(text.starts_with('\u{feff}'), "a BOM for Excel");
        assert!(text.contains("'=HYPERLINK"), "{text}");
        assert!(!text.contains(",=HYPERLINK"));

        for (format, name) in [
            (ExportFormat::Xlsx, "export.xlsx"),
            (ExportFormat::Csv, "export.csv"),
        ] {
            for language in [Language::ZhCn, Language::En] {
                let exported = f
                    .registry
                    .export_enterprises(&admin, &all, format, language)
                    .await
                    .unwrap();
                let options = ImportOptions {
                    mode: ImportMode::Upsert,
                    dry_run: true,
                };
                let report = f
                    .registry
                    .import_enterprises(&admin, name, &exported.bytes, &options)
                    .await
                    .unwrap();
                assert_eq!(
                    (report.rows, report.unchanged, report.rows_with_errors),
                    (3, 3, 0),
                    "{name} {language:?}: {:?}",
                    report.errors
                );
            }
        }
        let template = f.registry.import_template(Language::ZhCn).unwrap();
        let report = f
            .registry
            .import_enterprises(
                &admin,
                "template.xlsx",
                &template,
                &ImportOptions::default(),
            )
            .await
            .unwrap();
        assert_eq!(report.rows, 0);
    }
}

#[tokio::test]
async fn statistics_follow_scope() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let admin = f.login("admin").await;
        let all = f.registry.statistics(&admin).await.unwrap();
        assert_eq!((all.enterprises, all.above_designated_size), (3, 1));
        assert_eq!(all.employees, 101 + 102 + 103);
        assert_eq!(all.revenue_fen.get(), 3 * 3_000_000_000 + 6);
        assert_eq!(
            all.by_town[0],
            (
                "442000118".to_owned(),
                "小榄镇".to_owned(),
                "Xiaolan".to_owned(),
                2
            )
        );
        assert_eq!(all.by_division.iter().map(|d| d.3).sum::<i64>(), 3);
        let nantou = f.login("nantou").await;
        let town = f.registry.statistics(&nantou).await.unwrap();
        assert_eq!((town.enterprises, town.by_town.len()), (1, 1));
        let expert = f.login("expert").await;
        assert_eq!(f.registry.statistics(&expert).await.unwrap().enterprises, 0);
    }
}

fn signup(n: u32, town: &str, username: &str, ip_tail: u32) -> (SignupInput, String) {
    (
        SignupInput {
            credit_code: code(n),
            enterprise_name: format!("中山市申请{n}号电器有限公司"),
            legal_representative: "李四".into(),
            town_code: town.into(),
            industry_code: "3851".into(),
            contact_name: "王五".into(),
            phone: "138 0000 0000".into(),
            email: format!("{username}@example.com"),
            username: username.into(),
            password: "Joined-Zhizao-2026".into(),
        },
        format!("10.9.0.{ip_tail}"),
    )
}

#[tokio::test]
async fn a_company_signs_up_and_its_town_verifies_it() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let hashing = f.identity.hashing();

        // Every problem at once, each by its field.
        let bad = SignupInput {
            credit_code: "91442000XXXXXXXXX1".into(),
            phone: "call me".into(),
            username: "maker".into(),
            password: "short".into(),
            ..SignupInput::default()
        };
        let error = f
            .registry
            .request_signup(hashing, &bad, "10.9.1.1")
            .await
            .unwrap_err();
        let mut fields: Vec<_> = error
            .field_errors()
            .iter()
            .map(|e| e.field.clone())
            .collect();
        fields.sort();
        fields.dedup();
        for field in [
            "credit_code",
            "enterprise_name",
            "contact_name",
            "phone",
            "username",
            "password",
        ] {
            assert!(fields.iter().any(|f| f == field), "{field} in {fields:?}");
        }

        // A new company in Xiaolan, and Nantou's registered company (code 3).
        let (input, ip) = signup(10, "442000118", "newco", 1);
        let new = f
            .registry
            .request_signup(hashing, &input, &ip)
            .await
            .unwrap();
        assert_eq!(new.status, SignupStatus::Pending);
        assert_eq!(new.registered_name, None);
        // (Code 3 is registered in Nantou: a request naming Xiaolan still goes to Nantou.)
        let (input, ip) = signup(3, "小榄镇", "known", 2);
        let known = f
            .registry
            .request_signup(hashing, &input, &ip)
            .await
            .unwrap();
        assert_eq!(known.town_code, "442000111");
        assert!(known.registered_name.is_some());
        // One request per company and per login while it waits.
        let (mut again, ip) = signup(10, "442000118", "newco2", 3);
        let error = f
            .registry
            .request_signup(hashing, &again, &ip)
            .await
            .unwrap_err();
        assert_eq!(error.field_errors()[0].field, "credit_code");
        again.credit_code = code(11);
        again.username = "newco".into();
        let error = f
            .registry
            .request_signup(hashing, &again, &ip)
            .await
            .unwrap_err();
        assert_eq!(error.field_errors()[0].field, "username");
        let (mut long, ip) = signup(12, "442000118", "longname", 4);
        long.contact_name = "名".repeat(51);
        let error = f
            .registry
            .request_signup(hashing, &long, &ip)
            .await
            .unwrap_err();
        assert_eq!(error.field_errors()[0].field, "contact_name");
        // Nobody can sign in before the town says yes.
        assert!(
            f.identity
                .login("newco", "Joined-Zhizao-2026", "10.9.0.1", "t")
                .await
                .is_err()
        );

        // Each town sees its own; the city sees all; others nothing.
        let ids = |requests: Vec<SignupRequest>| -> Vec<i64> {
            requests.into_iter().map(|r| r.id).collect()
        };
        let admin = f.login("admin").await;
        let xiaolan = f.login("xiaolan").await;
        let nantou = f.login("nantou").await;
        assert_eq!(
            ids(f.registry.signups(&admin, None).await.unwrap()).len(),
            2
        );
        assert_eq!(
            ids(f.registry.signups(&xiaolan, None).await.unwrap()),
            [new.id]
        );
        assert_eq!(
            ids(f.registry.signups(&nantou, None).await.unwrap()),
            [known.id]
        );
        for outsider in ["maker", "polisher", "expert"] {
            let principal = f.login(outsider).await;
            assert!(
                f.registry
                    .signups(&principal, None)
                    .await
                    .unwrap()
                    .is_empty()
            );
            assert_eq!(
                f.registry
                    .decide_signup(&principal, new.id, true, "", new.version)
                    .await
                    .unwrap_err()
                    .kind(),
                zhizao_core::ErrorKind::NotFound
            );
        }
        assert_eq!(
            f.registry
                .decide_signup(&nantou, new.id, true, "", new.version)
                .await
                .unwrap_err()
                .kind(),
            zhizao_core::ErrorKind::NotFound
        );
        // A stale form is refused.
        assert!(matches!(
            f.registry
                .decide_signup(&xiaolan, new.id, true, "", new.version + 1)
                .await,
            Err(Error::SignupDecided { .. })
        ));

        // Approved: the company is registered from the request and its administrator signs in.
        let approved = f
            .registry
            .decide_signup(&xiaolan, new.id, true, "", new.version)
            .await
            .unwrap();
        assert_eq!(approved.status, SignupStatus::Approved);
        assert_eq!(approved.decided_by.as_deref(), Some("xiaolan"));
        let registered = f.registry.enterprise(&xiaolan, &code(10)).await.unwrap();
        assert_eq!(registered.name, "中山市申请10号电器有限公司");
        let joined = f
            .identity
            .login("newco", "Joined-Zhizao-2026", "10.9.0.1", "t")
            .await
            .unwrap()
            .principal;
        assert!(joined.org_admin);
        assert_eq!(joined.organization_code, code(10));
        assert_eq!(
            f.registry
                .enterprise(&joined, &code(10))
                .await
                .unwrap()
                .name,
            registered.name
        );
        assert!(matches!(
            f.registry
                .decide_signup(&xiaolan, new.id, false, "late", approved.version)
                .await,
            Err(Error::SignupDecided { .. })
        ));

        // Refused: only with a reason, and no account exists.
        let error = f
            .registry
            .decide_signup(&nantou, known.id, false, " ", known.version)
            .await
            .unwrap_err();
        assert_eq!(error.field_errors()[0].field, "reason");
        let refused = f
            .registry
            .decide_signup(
                &nantou,
                known.id,
                false,
                "法定代表人与登记不符",
                known.version,
            )
            .await
            .unwrap();
        assert_eq!(refused.status, SignupStatus::Rejected);
        assert!(
            f.identity
                .login("known", "Joined-Zhizao-2026", "10.9.0.2", "t")
                .await
                .is_err()
        );

        // Both applicants were told, at the address they gave.
        let outbox = f
            .identity
            .notifications(&admin, PageRequest::default())
            .await
            .unwrap();
        let recipients: Vec<_> = outbox.items.iter().map(|n| n.recipient.as_str()).collect();
        assert_eq!(recipients, ["known@example.com", "newco@example.com"]);
        assert!(outbox.items[0].body.contains("法定代表人与登记不符"));

        // One address sends a handful of requests an hour.
        let mut last = None;
        for n in 0..6 {
            let (input, _) = signup(20 + n, "442000118", &format!("flood{n}"), 0);
            last = Some(f.registry.request_signup(hashing, &input, "10.9.9.9").await);
        }
        assert_eq!(
            last.unwrap().unwrap_err().kind(),
            zhizao_core::ErrorKind::RateLimited
        );
    }
}
