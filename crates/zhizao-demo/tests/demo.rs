//! The demo data set loads once, deterministically, with the seed's counts.

use std::sync::Arc;

use zhizao_core::{Clock, FixedClock, Timestamp};
use zhizao_db::testing::test_databases;
use zhizao_identity::PasswordHashing;

#[tokio::test]
async fn loads_once_with_the_seeds_recognition_counts() {
    for test in test_databases().await {
        let db = &test.db;
        zhizao_registry::reference::sync(db).await.unwrap();
        let clock: Arc<dyn Clock> =
            Arc::new(FixedClock::new(Timestamp::from_millis(1_795_700_000_000)));
        let summary = zhizao_demo::load(db, &PasswordHashing::for_tests(), &clock)
            .await
            .unwrap();
        assert!(summary.loaded);
        assert_eq!(summary.enterprises, 1_500);
        let again = zhizao_demo::load(db, &PasswordHashing::for_tests(), &clock)
            .await
            .unwrap();
        assert!(!again.loaded, "a second load writes nothing");
        // The first confirmed order of each factory carries a client's file, once.
        let files = tempfile::tempdir().unwrap();
        let now = clock.now();
        for expected in [2, 0] {
            let written = zhizao_demo::attach_order_files(db, files.path(), now)
                .await
                .unwrap();
            assert_eq!(written, expected);
        }
        let kinds: Vec<String> = sqlx::query_scalar(
            "SELECT content_type FROM factory_order_files ORDER BY content_type",
        )
        .fetch_all(db.pool())
        .await
        .unwrap();
        assert_eq!(kinds, ["application/pdf", "image/vnd.dxf"]);
        let enterprises: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM enterprises")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(enterprises, 1_500);
        let counts: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT kind, level, COUNT(*) FROM recognitions GROUP BY kind, level ORDER BY kind, level").fetch_all(db.pool()).await.unwrap();
        let count = |kind: &str, level: &str| {
            counts
                .iter()
                .find(|c| c.0 == kind && c.1 == level)
                .map_or(0, |c| c.2)
        };
        assert_eq!(
            [
                count("demonstration_project", "national"),
                count("demonstration_project", "provincial"),
                count("demonstration_project", "city")
            ],
            [2, 19, 44]
        );
        assert_eq!(
            [
                count("technology_center", "national"),
                count("technology_center", "provincial"),
                count("technology_center", "city")
            ],
            [4, 102, 323]
        );
        assert_eq!(
            [
                count("design_center", "national"),
                count("design_center", "provincial")
            ],
            [1, 12]
        );
        let platforms: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM organizations WHERE kind = 'platform'")
                .fetch_one(db.pool())
                .await
                .unwrap();
        assert_eq!(platforms, 12);
        // The seed's platform system: nine sectors, ten city-level service units among the
        // twelve platforms, each with a sector, and the two recognitions it reports.
        let services = zhizao_services::PublicServices::new(db.clone(), Arc::clone(&clock));
        assert_eq!(services.sectors().await.unwrap().len(), 9);
        let directory = services
            .platforms(&zhizao_services::PlatformFilter::default())
            .await
            .unwrap();
        assert_eq!(directory.iter().filter(|p| p.city_unit).count(), 10);
        assert!(directory.iter().all(|p| p.sector.is_some()));
        assert_eq!(
            directory
                .iter()
                .map(|p| p.recognitions.len())
                .sum::<usize>(),
            2
        );
        // Its catalogue: published services anyone finds, one in the city's queue.
        let catalogue = services
            .offerings(None, &zhizao_services::CatalogueFilter::default())
            .await
            .unwrap();
        assert!(catalogue.len() >= 12, "{}", catalogue.len());
        assert!(
            catalogue
                .iter()
                .all(|o| o.status == zhizao_services::OfferingStatus::Published)
        );
        let towns: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM organizations WHERE kind = 'town'")
                .fetch_one(db.pool())
                .await
                .unwrap();
        assert_eq!(towns, 23);
        let polishing_clients: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM platform_clients pc JOIN organizations o ON o.id = pc.platform_id WHERE o.code = 'robot-polishing'",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert!(
            (40..=90).contains(&polishing_clients),
            "50-odd SMEs, got {polishing_clients}"
        );
        // Years of past orders reproduce the seed's totals for the two shared factories.
        let settled = 1_795_700_000_000i64 - 3 * 86_400_000;
        for (code, pieces, clients) in [
            ("smart-cutting", 49_210_000i64, 500i64),
            ("robot-polishing", 6_000_000, 50),
        ] {
            let (delivered, served): (i64, i64) = sqlx::query_as(
                "SELECT CAST(COALESCE(SUM(f.good_quantity), 0) AS BIGINT), COUNT(DISTINCT f.client_id) \
                 FROM factory_orders f JOIN organizations o ON o.id = f.platform_id \
                 WHERE o.code = $1 AND f.delivered_at < $2",
            )
            .bind(code)
            .bind(settled)
            .fetch_one(db.pool())
            .await
            .unwrap();
            assert_eq!(delivered, pieces, "{code}");
            assert!(served >= clients, "{code} served {served}");
        }
        // Every platform has four years of requests; every factory order is a request of its
        // kind; the smart-manufacturing platform serves 150+ enterprises a year and 600+ over
        // the four (the seed's 600+).
        let platforms_with_requests: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT platform_id) FROM service_requests WHERE kind = 'service'",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!(platforms_with_requests, 12);
        let (orders, mirrored): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM factory_orders), \
             (SELECT COUNT(*) FROM service_requests WHERE kind = 'factory_order')",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!(orders, mirrored);
        let served: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT r.client_id) FROM service_requests r JOIN organizations o \
             ON o.id = r.platform_id WHERE o.code = 'smart-manufacturing' AND r.confirmed_at IS NOT NULL",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert!(served >= 600, "smart manufacturing served {served}");
        // The vouchers' ledger sums to every quota's balances, and none is below zero.
        let mismatched: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM voucher_quotas q WHERE q.available_fen <> \
             (SELECT COALESCE(SUM(CASE WHEN l.debit = 'available' THEN l.amount_fen ELSE 0 END), 0) \
              - COALESCE(SUM(CASE WHEN l.credit = 'available' THEN l.amount_fen ELSE 0 END), 0) \
              FROM voucher_ledger l WHERE l.quota_id = q.id) \
             OR q.reimbursed_fen <> (SELECT COALESCE(SUM(CASE WHEN l.debit = 'reimbursed' THEN l.amount_fen ELSE 0 END), 0) \
              FROM voucher_ledger l WHERE l.quota_id = q.id)",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!(mismatched, 0);
        let (quotas, reimbursed): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(reimbursed_fen), 0) AS BIGINT) FROM voucher_quotas",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert!(
            quotas > 50 && reimbursed > 0,
            "{quotas} quotas, {reimbursed} reimbursed"
        );
        let nantou_appliances: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM enterprises WHERE town_code = '442000111' AND industry_code LIKE '385%'")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert!(
            nantou_appliances > 60,
            "appliances cluster around Nantou: {nantou_appliances}"
        );
        let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(users as usize, zhizao_demo::demo_logins().len());
        // Deterministic: the first enterprise is always the same one.
        let first: String =
            sqlx::query_scalar("SELECT credit_code FROM enterprises ORDER BY id LIMIT 1")
                .fetch_one(db.pool())
                .await
                .unwrap();
        assert_eq!(first.len(), 18);
        let name: String =
            sqlx::query_scalar("SELECT name FROM enterprises ORDER BY credit_code LIMIT 1")
                .fetch_one(db.pool())
                .await
                .unwrap();
        assert!(name.ends_with("（示例）"), "{name}");
        // A day of telemetry for about 300 devices, written once.
        let directory = tempfile::tempdir().unwrap();
        let telemetry = zhizao_telemetry::TelemetryStore::open(
            zhizao_telemetry::StoreOptions::new(directory.path().to_owned()),
        )
        .unwrap();
        let devices = zhizao_devices::Devices::new(db.clone(), Arc::clone(&clock));
        let history = zhizao_demo::load_history(db, &devices, &telemetry, clock.now())
            .await
            .unwrap();
        assert!(history.loaded);
        assert_eq!(history.devices, 24 + 46 * 6);
        // A day a minute for each device, and for the maker's first machine also the day before
        // its energy-monitoring solution was accepted, 39 days earlier.
        assert_eq!(history.points, history.devices * 24 * 60 + 24 * 60);
        let again = zhizao_demo::load_history(db, &devices, &telemetry, clock.now())
            .await
            .unwrap();
        assert!(!again.loaded, "a second start writes no second day");
        let maker: i64 =
            sqlx::query_scalar("SELECT organization_id FROM users WHERE username = 'maker'")
                .fetch_one(db.pool())
                .await
                .unwrap();
        let output = telemetry
            .query(
                maker,
                "default",
                "SELECT count(DISTINCT device) AS devices, count(*) AS readings, \
                 min(time) >= to_timestamp_millis(1792244000000) AS within_the_days FROM cnc_machine",
                zhizao_telemetry::QueryLimits::default(),
            )
            .await
            .unwrap();
        let text = arrow::util::pretty::pretty_format_batches(&output.batches)
            .unwrap()
            .to_string();
        assert!(text.contains("| 6       | 10080    | true"), "{text}");
        // The machine drew 18 % more power the day before acceptance than the day since it was
        // implemented: what the maker's verification measures.
        let output = telemetry
            .query(
                maker,
                "default",
                "SELECT avg(CASE WHEN time < to_timestamp_millis(1795613600000) THEN power_kw END) \
                 / avg(CASE WHEN time >= to_timestamp_millis(1795613600000) THEN power_kw END) AS ratio \
                 FROM cnc_machine WHERE device = 'cnc-machine-01'",
                zhizao_telemetry::QueryLimits::default(),
            )
            .await
            .unwrap();
        let ratio = arrow::array::AsArray::as_primitive::<arrow::datatypes::Float64Type>(
            output.batches[0].column(0),
        )
        .value(0);
        assert!((1.17..1.19).contains(&ratio), "{ratio}");
        let (status, accepted, implemented): (String, i64, i64) = sqlx::query_as(
            "SELECT status, accepted_at, implemented_at FROM solution_adoptions WHERE enterprise_id = $1",
        )
        .bind(maker)
        .fetch_one(db.pool())
        .await
        .unwrap();
        let ten_minutes = 600_000;
        assert_eq!(
            (status.as_str(), accepted, implemented),
            (
                "implemented",
                1_795_700_000_000 - 39 * 86_400_000 - ten_minutes,
                1_795_700_000_000 - 86_400_000 - ten_minutes
            )
        );
        let latest = telemetry.latest(maker, "default", "cnc_machine", "cnc-machine-01");
        assert!(
            latest.iter().any(|v| &*v.field == "spindle_rpm"),
            "{latest:?}"
        );
        // The shared factories' shop floors: 72 robots, 10 cutting and 20 spreading lines
        // with a week of reports, from which the polishing centre's OEE is computed.
        assert_eq!(history.floors.devices, 72 + 30);
        let factories = zhizao_factory::Factories::new(db.clone(), Arc::clone(&clock))
            .with_telemetry(telemetry.clone());
        let city = principal(zhizao_core::Role::CityStaff, 1, None);
        let today = zhizao_factory::setup::local_day(clock.now()).0;
        let request = zhizao_factory::performance::OeeRequest::parse(
            None,
            None,
            Some("line"),
            Some("day"),
            today,
        )
        .unwrap();
        let (_, report) = factories
            .oee(&city, "robot-polishing", request)
            .await
            .unwrap();
        assert_eq!(report.groups.len(), 7, "seven lines");
        assert!(
            report.unknown_devices.is_empty(),
            "every bound robot is registered"
        );
        let figures = report.total.figures();
        let availability = figures.availability.unwrap();
        let effectiveness = figures.effectiveness.unwrap();
        let quality = figures.quality_rate.unwrap();
        assert!(
            (0.4..0.95).contains(&availability),
            "{figures:?} {:?}",
            report.total
        );
        assert!((0.8..1.0).contains(&effectiveness), "{figures:?}");
        assert!((0.95..0.995).contains(&quality), "{figures:?}");
        assert!(
            report.losses.iter().any(|l| l.reason.is_some()),
            "faults carry the set-up's reasons: {:?}",
            report.losses
        );
        // Each factory publishes a plan of its confirmed orders once, and the floor shows it.
        let identity = zhizao_identity::Identity::new(
            db.clone(),
            Arc::clone(&clock),
            PasswordHashing::for_tests(),
            zhizao_identity::IdentitySettings::default(),
        );
        let published = zhizao_demo::publish_floor_plans(&identity, &factories)
            .await
            .unwrap();
        assert!(published >= 1, "{published}");
        assert_eq!(
            zhizao_demo::publish_floor_plans(&identity, &factories)
                .await
                .unwrap(),
            0,
            "a second start publishes nothing"
        );
        let floor = factories.floor(&city, "robot-polishing").await.unwrap();
        assert!(floor.plan_version.is_some());
        assert!(!floor.progress.operations.is_empty());
        assert_eq!(floor.machines.len(), 72, "every robot has said something");
    }
}

fn principal(
    role: zhizao_core::Role,
    organization_id: i64,
    town: Option<&str>,
) -> zhizao_identity::Principal {
    zhizao_identity::Principal {
        user_id: 1,
        username: "reporter".into(),
        display_name: "Reporter".into(),
        role,
        organization_id,
        organization_code: "city".into(),
        organization_kind: role.org_kind(),
        organization_name: "City".into(),
        town_code: town.map(str::to_owned),
        org_admin: false,
        language: zhizao_core::Language::ZhCn,
        credential: zhizao_identity::Credential::Session(1),
        channel: zhizao_identity::Channel::Web,
        ip: String::new(),
    }
}

#[tokio::test]
async fn the_demo_programmes_add_up_to_the_seeds_figures() {
    use zhizao_projects::reports::{Dimension, ReportFilter};
    for test in test_databases().await {
        let db = &test.db;
        zhizao_registry::reference::sync(db).await.unwrap();
        let clock: Arc<dyn Clock> =
            Arc::new(FixedClock::new(Timestamp::from_millis(1_795_700_000_000)));
        zhizao_demo::load(db, &PasswordHashing::for_tests(), &clock)
            .await
            .unwrap();
        let projects = zhizao_projects::Projects::new(db.clone(), Arc::clone(&clock));
        let city = principal(zhizao_core::Role::CityStaff, 1, None);

        // 13 intake batches up to 2019: 2,224 projects, 42.34 bn yuan.
        let intake = projects
            .report(
                &city,
                Dimension::Batch,
                &ReportFilter {
                    programme: Some(zhizao_projects::Programme::TechUpgrade),
                    ..ReportFilter::default()
                },
            )
            .await
            .unwrap();
        let history: Vec<_> = intake
            .rows
            .iter()
            .filter(|r| r.key != "TU-2026-1")
            .collect();
        assert_eq!(history.len(), 13);
        assert_eq!(
            history.iter().map(|r| r.totals.projects).sum::<i64>(),
            2_224
        );
        assert_eq!(
            history
                .iter()
                .map(|r| r.totals.investment_fen.get())
                .sum::<i64>(),
            4_234_000_000_000
        );

        // 2019 by programme, against 2018.
        let year = projects
            .report(
                &city,
                Dimension::Programme,
                &ReportFilter {
                    year: Some(2019),
                    ..ReportFilter::default()
                },
            )
            .await
            .unwrap();
        let row = |key: &str| year.rows.iter().find(|r| r.key == key).unwrap();
        assert_eq!(row("provincial_fund").totals.projects, 147);
        assert_eq!(
            row("provincial_fund").totals.granted_fen.get(),
            26_600_000_000
        );
        assert_eq!(row("city_fund").totals.projects, 329);
        assert_eq!(row("city_fund").totals.granted_fen.get(), 21_700_000_000);
        let post = row("post_completion");
        assert_eq!(post.totals.enterprises, 130);
        assert_eq!(post.totals.granted_fen.get(), 32_700_000_000);
        assert_eq!(post.enterprises_growth_percent, Some(34.0));
        assert_eq!(post.granted_growth_percent, Some(97.3));

        // The report's totals are the rows' sums, and the rows' sums are the database's.
        let granted: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(a.granted_fen), 0) AS BIGINT) FROM project_applications a JOIN project_batches b ON b.id = a.batch_id WHERE b.year = 2019",
        )
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!(year.total.granted_fen.get(), granted);
        assert_eq!(
            year.rows
                .iter()
                .map(|r| r.totals.granted_fen.get())
                .sum::<i64>(),
            granted
        );

        // By town, the towns' reports add up to the city's: each town sees only its own.
        let by_town = projects
            .report(&city, Dimension::Town, &ReportFilter::default())
            .await
            .unwrap();
        let mut applications = 0;
        for row in &by_town.rows {
            let town = principal(zhizao_core::Role::TownStaff, 2, Some(&row.key));
            let own = projects
                .report(&town, Dimension::Town, &ReportFilter::default())
                .await
                .unwrap();
            assert!(own.rows.iter().all(|r| r.key == row.key), "{:?}", own.rows);
            applications += own.total.applications;
        }
        assert_eq!(applications, by_town.total.applications);

        // Something waits at every stage of the open rounds.
        let queue = projects.queue(&city).await.unwrap();
        for status in [
            "town_review",
            "city_review",
            "expert_review",
            "public_notice",
            "acceptance_review",
            "accepted",
        ] {
            assert!(
                queue.iter().any(|l| l.status.as_str() == status),
                "nothing waits in {status}"
            );
        }
        assert!(
            queue.iter().all(|l| l.status.as_str() != "draft"),
            "drafts are the enterprise's own"
        );

        // Major S&T projects in 2019: 38 projects, 143 M yuan; 13 in AI, 44 M yuan.
        let major = projects.major_summary(&city, Some(2019)).await.unwrap();
        assert_eq!(major.iter().map(|r| r.projects).sum::<i64>(), 38);
        assert_eq!(
            major.iter().map(|r| r.awarded_fen.get()).sum::<i64>(),
            14_300_000_000
        );
        let ai = major.iter().find(|r| r.topic == "人工智能").unwrap();
        assert_eq!((ai.projects, ai.awarded_fen.get()), (13, 4_400_000_000));

        // The service platforms' figures, counted by the modules that own the records.
        let assessments = zhizao_assessment::Assessments::new(db.clone(), Arc::clone(&clock));
        let solutions =
            zhizao_solutions::Solutions::new(db.clone(), Arc::clone(&clock), assessments);
        let figures = solutions.figures(&city).await.unwrap();
        let provider = |code: &str| {
            let name = match code {
                "smart-manufacturing" => "智能制造公共服务平台",
                "smart-product" => "智能产品公共服务平台",
                _ => "人工智能技术服务平台",
            };
            figures
                .providers
                .iter()
                .find(|p| p.provider_name == name)
                .unwrap_or_else(|| panic!("{code}: {figures:?}"))
                .tally
        };
        // Served 600+ enterprises, provided 1,200+ solutions, 600+ adopted and implemented.
        let smart = provider("smart-manufacturing");
        assert!(
            (600..700).contains(&smart.enterprises_served)
                && (1_200..1_300).contains(&smart.provided)
                && (600..700).contains(&smart.implemented),
            "{smart:?}"
        );
        // The smart-product platform's upgrade plans accepted by 75 enterprises.
        assert_eq!(provider("smart-product").enterprises_accepted, 75);
        // The AI platform's 48 AI solutions, implemented by 214 enterprises.
        let ai = provider("ai-service");
        assert_eq!((ai.library, ai.enterprises_implemented), (48, 214));

        // About 480 trained offline, 1,800+ online.
        let training = zhizao_training::Training::new(db.clone(), Arc::clone(&clock));
        let taught = training.figures(&city).await.unwrap();
        assert!(
            (470..=490).contains(&taught.offline_trainees) && taught.online_learners >= 1_800,
            "{taught:?}"
        );
        // 140 talents, 95 PhDs, 197 invention patents; 17 of the teams (40 %) in advanced
        // manufacturing and IT.
        let talent = zhizao_talent::Talents::new(db.clone(), Arc::clone(&clock));
        let people = talent.figures(&city).await.unwrap();
        assert_eq!(
            (
                people.talents,
                people.doctorates,
                people.invention_patents_by_talents,
                people.teams_in_manufacturing_and_it
            ),
            (140, 95, 197, 17),
            "{people:?}"
        );
        assert_eq!(
            (people.teams_in_manufacturing_and_it * 100 + people.teams / 2) / people.teams,
            40
        );
    }
}
