//! The device registry on every backend: tenancy, validation, tokens, attributes.

use std::sync::Arc;

use zhizao_core::{Classified, ErrorKind, FixedClock, PageRequest};
use zhizao_db::testing::{TestDatabase, test_databases};
use zhizao_devices::{
    AttributeSpec, CommandSpec, DeviceInput, DeviceUpdate, Devices, Error, ProfileInput,
    TelemetrySpec,
};
use zhizao_identity::testing::{self, credit_code as code};
use zhizao_identity::{Identity, Principal};
use zhizao_telemetry::schema::FieldType;

struct Fixture {
    devices: Devices,
    identity: Identity,
    clock: Arc<FixedClock>,
    _db: TestDatabase,
}

impl Fixture {
    async fn login(&self, username: &str) -> Principal {
        testing::sign_in(&self.identity, username).await
    }
}

async fn fixture(test: TestDatabase) -> Fixture {
    let db = test.db.clone();
    let clock = testing::fixed_clock();
    let identity = testing::identity(&db, &clock);
    let devices = Devices::new(db.clone(), Arc::<FixedClock>::clone(&clock));
    let mut transaction = db.begin().await.unwrap();
    testing::create_organizations(&mut transaction, &testing::ORGANIZATIONS[..1]).await;
    testing::create_enterprise_organizations(
        &mut transaction,
        &[
            (code(1), "中山市甲电器有限公司"),
            (code(2), "中山市乙五金有限公司"),
        ],
    )
    .await;
    testing::create_users(
        &mut transaction,
        &[
            ("admin", "city", "city_admin"),
            ("maker", &code(1), "enterprise_user"),
            ("rival", &code(2), "enterprise_user"),
        ],
    )
    .await;
    transaction.commit().await.unwrap();
    Fixture {
        devices,
        identity,
        clock,
        _db: test,
    }
}

fn cnc_profile() -> ProfileInput {
    ProfileInput {
        name: "cnc".into(),
        description: "五轴加工中心".into(),
        table_name: "machine_telemetry".into(),
        telemetry: vec![
            TelemetrySpec {
                name: "spindle_rpm".into(),
                field_type: FieldType::Integer,
                unit: "rpm".into(),
                label: "主轴转速".into(),
            },
            TelemetrySpec {
                name: "temperature".into(),
                field_type: FieldType::Float,
                unit: "°C".into(),
                label: "温度".into(),
            },
        ],
        attributes: vec![AttributeSpec {
            name: "firmware".into(),
            label: "固件版本".into(),
        }],
        commands: vec![CommandSpec {
            name: "setSpeed".into(),
            label: "设定转速".into(),
            params: vec!["rpm".into()],
        }],
    }
}

fn press(name: &str) -> DeviceInput {
    DeviceInput {
        name: name.into(),
        label: "冲压机".into(),
        serial_number: "SN-001".into(),
        profile: "cnc".into(),
        database_name: String::new(),
    }
}

#[tokio::test]
async fn devices_belong_to_one_enterprise_and_their_tokens_name_them() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let maker = f.login("maker").await;
        let rival = f.login("rival").await;
        let admin = f.login("admin").await;

        let profile = f
            .devices
            .create_profile(&maker, &cnc_profile())
            .await
            .unwrap();
        assert_eq!(profile.table_name, "machine_telemetry");
        assert_eq!(profile.telemetry.len(), 2);
        let created = f
            .devices
            .create_device(&maker, &press("press-07"))
            .await
            .unwrap();
        assert!(created.token.starts_with("zd_"));
        assert!(created.token.starts_with(&created.device.token_prefix));
        assert_eq!(created.device.database_name, "default");
        assert_eq!(created.device.profile, "cnc");

        // The other enterprise neither sees nor touches it, and may reuse the names.
        for error in [
            f.devices.device(&rival, "press-07").await.unwrap_err(),
            f.devices.profile(&rival, "cnc").await.unwrap_err(),
            f.devices
                .update_device(&rival, "press-07", &DeviceUpdate::default(), None)
                .await
                .unwrap_err(),
            f.devices
                .rotate_token(&rival, "press-07")
                .await
                .unwrap_err(),
            f.devices
                .delete_device(&rival, "press-07")
                .await
                .unwrap_err(),
            f.devices.delete_profile(&rival, "cnc").await.unwrap_err(),
        ] {
            assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
        }
        let page = f
            .devices
            .list_devices(&rival, None, None, PageRequest::default())
            .await
            .unwrap();
        assert_eq!(page.total, 0);
        // A device of the rival's own profile "cnc" in the rival's tenant cannot use the maker's.
        let error = f
            .devices
            .create_device(&rival, &press("press-07"))
            .await
            .unwrap_err();
        assert_eq!(error.field_errors()[0].field, "profile");
        f.devices
            .create_profile(&rival, &cnc_profile())
            .await
            .unwrap();
        let rivals = f
            .devices
            .create_device(&rival, &press("press-07"))
            .await
            .unwrap();

        // City accounts have no devices of their own.
        let error = f
            .devices
            .list_devices(&admin, None, None, PageRequest::default())
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Forbidden);

        // Tokens resolve to exactly their device and tenant.
        let identity = f
            .devices
            .authenticate(&created.token)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(identity.name, "press-07");
        assert_eq!(identity.tenant, maker.organization_id);
        assert_eq!(identity.table, "machine_telemetry");
        let other = f
            .devices
            .authenticate(&rivals.token)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(other.tenant, rival.organization_id);
        assert_ne!(other.device_id, identity.device_id);
        assert!(
            f.devices
                .authenticate("zd_not-a-token")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            f.devices
                .authenticate("zz_an-api-token")
                .await
                .unwrap()
                .is_none()
        );
        let seen = f.devices.device(&maker, "press-07").await.unwrap();
        assert_eq!(seen.last_seen_at, Some(testing::NOW));

        // Disabling and rotating stop the old token at once.
        let disabled = f
            .devices
            .update_device(
                &maker,
                "press-07",
                &DeviceUpdate {
                    disabled: Some(true),
                    ..Default::default()
                },
                Some(seen.version),
            )
            .await
            .unwrap();
        assert!(disabled.disabled);
        assert!(
            f.devices
                .authenticate(&created.token)
                .await
                .unwrap()
                .is_none()
        );
        let stale = f
            .devices
            .update_device(
                &maker,
                "press-07",
                &DeviceUpdate {
                    disabled: Some(false),
                    ..Default::default()
                },
                Some(seen.version),
            )
            .await
            .unwrap_err();
        assert!(matches!(stale, Error::StaleVersion { .. }), "{stale}");
        f.devices
            .update_device(
                &maker,
                "press-07",
                &DeviceUpdate {
                    disabled: Some(false),
                    ..Default::default()
                },
                Some(disabled.version),
            )
            .await
            .unwrap();
        let rotated = f.devices.rotate_token(&maker, "press-07").await.unwrap();
        assert!(
            f.devices
                .authenticate(&created.token)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            f.devices
                .authenticate(&rotated.token)
                .await
                .unwrap()
                .is_some()
        );

        // A profile in use cannot go; a device can.
        let error = f.devices.delete_profile(&maker, "cnc").await.unwrap_err();
        assert!(matches!(error, Error::InUse { devices: 1, .. }), "{error}");
        f.devices.delete_device(&maker, "press-07").await.unwrap();
        assert!(
            f.devices
                .authenticate(&rotated.token)
                .await
                .unwrap()
                .is_none()
        );
        f.devices.delete_profile(&maker, "cnc").await.unwrap();
        assert_eq!(
            f.devices.profile(&rival, "cnc").await.unwrap().device_count,
            1,
            "the rival's profile is untouched"
        );
    }
}

#[tokio::test]
async fn bad_input_names_the_field_and_changes_nothing() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let maker = f.login("maker").await;
        f.devices
            .create_profile(&maker, &cnc_profile())
            .await
            .unwrap();
        let error = f
            .devices
            .create_profile(&maker, &cnc_profile())
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Duplicate { .. }), "{error}");
        f.devices
            .create_device(&maker, &press("press-07"))
            .await
            .unwrap();
        let error = f
            .devices
            .create_device(&maker, &press("press-07"))
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Duplicate { .. }), "{error}");
        let bad = DeviceInput {
            name: "a/b".into(),
            database_name: "_internal".into(),
            profile: "nope".into(),
            ..press("x")
        };
        let error = f.devices.create_device(&maker, &bad).await.unwrap_err();
        let fields: Vec<String> = error.field_errors().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "database_name", "profile"]);
        let page = f
            .devices
            .list_devices(&maker, None, None, PageRequest::default())
            .await
            .unwrap();
        assert_eq!(page.total, 1, "nothing half-created");

        // Search and filter.
        f.devices
            .create_device(
                &maker,
                &DeviceInput {
                    label: "抛光机器人".into(),
                    ..press("robot-1")
                },
            )
            .await
            .unwrap();
        let found = f
            .devices
            .list_devices(&maker, Some("cnc"), Some("抛光"), PageRequest::default())
            .await
            .unwrap();
        assert_eq!(found.items.len(), 1);
        assert_eq!(found.items[0].name, "robot-1");
    }
}

#[tokio::test]
async fn client_attributes_are_kept_per_device() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let maker = f.login("maker").await;
        f.devices
            .create_profile(&maker, &cnc_profile())
            .await
            .unwrap();
        let token = f
            .devices
            .create_device(&maker, &press("press-07"))
            .await
            .unwrap()
            .token;
        let device = f.devices.authenticate(&token).await.unwrap().unwrap();
        let attributes = serde_json::json!({"firmware": "1.2.0", "location": {"line": 3}});
        f.devices
            .set_client_attributes(&device, attributes.as_object().unwrap())
            .await
            .unwrap();
        f.clock.advance(1_000);
        let update = serde_json::json!({"firmware": "1.3.0"});
        f.devices
            .set_client_attributes(&device, update.as_object().unwrap())
            .await
            .unwrap();
        let stored = f
            .devices
            .attributes(device.device_id, "client", None)
            .await
            .unwrap();
        assert_eq!(
            serde_json::Value::Object(stored),
            serde_json::json!({"firmware": "1.3.0", "location": {"line": 3}})
        );
        let only = f
            .devices
            .attributes(device.device_id, "client", Some(&["location".to_owned()]))
            .await
            .unwrap();
        assert_eq!(only.len(), 1);
        let empty = serde_json::json!({"": 1});
        let error = f
            .devices
            .set_client_attributes(&device, empty.as_object().unwrap())
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
    }
}

#[tokio::test]
async fn spreadsheet_import_is_all_or_nothing_with_row_and_column() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let maker = f.login("maker").await;
        f.devices
            .create_profile(&maker, &cnc_profile())
            .await
            .unwrap();
        f.devices
            .create_device(&maker, &press("press-01"))
            .await
            .unwrap();
        let bad = "设备名称,设备型号,序列号\n\
                   press-02,cnc,A1\n\
                   press-01,cnc,A2\n\
                   press-03,lathe,A3\n\
                   press-02,cnc,A4\n";
        let report = f
            .devices
            .import_devices(&maker, "devices.csv", bad.as_bytes())
            .await
            .unwrap();
        assert!(!report.applied);
        assert!(report.created.is_empty());
        assert_eq!(report.rows, 4);
        assert_eq!(report.rows_with_errors, 3);
        let problems: Vec<(u32, String)> = report
            .errors
            .iter()
            .map(|e| (e.row.unwrap(), e.column.clone().unwrap()))
            .collect();
        assert_eq!(
            problems,
            [
                (3, "A 设备名称".to_owned()),
                (4, "B 设备型号".to_owned()),
                (5, "A 设备名称".to_owned())
            ]
        );
        let page = f
            .devices
            .list_devices(&maker, None, None, PageRequest::default())
            .await
            .unwrap();
        assert_eq!(page.total, 1, "nothing half-imported");

        let good = "name,profile,label\npress-02,cnc,二号机\n\npress-03,cnc,三号机\n";
        let report = f
            .devices
            .import_devices(&maker, "devices.csv", good.as_bytes())
            .await
            .unwrap();
        assert!(report.applied, "{:?}", report.errors);
        assert_eq!(report.created.len(), 2);
        for created in &report.created {
            let identity = f
                .devices
                .authenticate(&created.token)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(identity.name, created.device.name);
        }
        let error = f
            .devices
            .import_devices(&maker, "devices.csv", b"label\nx\n")
            .await
            .unwrap_err();
        let fields: Vec<String> = error.field_errors().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "profile"]);
        let error = f
            .devices
            .import_devices(&maker, "devices.pdf", b"%PDF-1.4")
            .await
            .unwrap_err();
        assert_eq!(error.field_errors()[0].field, "file");
    }
}
