//! Talent, teams and IP on every backend: the talent office records talents and teams, an
//! enterprise its own IP (bad input named, a patent number's check digit verified, the same
//! number never twice), a project of another enterprise refused, each party reading only its
//! own, and the figures counted from the records.

use std::sync::Arc;

use zhizao_core::{Classified, ErrorKind, FixedClock};
use zhizao_db::testing::{TestDatabase, test_databases};
use zhizao_identity::testing::{self, credit_code};
use zhizao_identity::{Identity, Principal};
use zhizao_registry::reference;
use zhizao_registry::testing::{enterprise, register};
use zhizao_talent::ip::IpFilter;
use zhizao_talent::talents::{Degree, TalentFilter};
use zhizao_talent::teams::TeamLevel;
use zhizao_talent::{
    Error, Field, IpInput, IpKind, IpStatus, ProjectRef, TalentInput, Talents, TeamInput,
};

struct Fixture {
    talents: Talents,
    identity: Identity,
    ids: Vec<i64>,
    _db: TestDatabase,
}

impl Fixture {
    async fn sign_in(&self, username: &str) -> Principal {
        testing::sign_in(&self.identity, username).await
    }
}

async fn fixture(test: TestDatabase) -> Fixture {
    let db = test.db.clone();
    reference::sync(&db).await.unwrap();
    let clock = testing::fixed_clock();
    let identity = testing::identity(&db, &clock);
    let talents = Talents::new(db.clone(), Arc::<FixedClock>::clone(&clock));
    let mut transaction = db.begin().await.unwrap();
    testing::create_organizations(&mut transaction, testing::ORGANIZATIONS).await;
    let ids = register(
        &mut transaction,
        &[
            enterprise(1, "442000118", "3851"),
            enterprise(2, "442000111", "3856"),
        ],
    )
    .await;
    testing::create_users(&mut transaction, testing::USERS).await;
    testing::create_users(
        &mut transaction,
        &[
            ("maker1", &credit_code(1), "enterprise_user"),
            ("maker2", &credit_code(2), "enterprise_user"),
        ],
    )
    .await;
    transaction.commit().await.unwrap();
    Fixture {
        talents,
        identity,
        ids,
        _db: test,
    }
}

fn talent(name: &str, degree: Degree, enterprise: u32) -> TalentInput {
    TalentInput {
        name: name.into(),
        degree,
        field: Field::AdvancedManufacturing,
        enterprise: credit_code(enterprise),
        programme: "中山市高层次人才引进计划".into(),
        year: 2024,
    }
}

fn team(name: &str, field: Field) -> TeamInput {
    TeamInput {
        name: name.into(),
        field,
        level: TeamLevel::City,
        leader: "陈博士".into(),
        members: 8,
        enterprise: credit_code(1),
        year: 2023,
    }
}

fn patent(number: &str, inventors: Vec<i64>) -> IpInput {
    IpInput {
        kind: IpKind::InventionPatent,
        number: number.into(),
        title: "一种打磨机器人恒力控制方法".into(),
        status: IpStatus::Filed,
        enterprise: credit_code(1),
        filed_on: "2017-08-01".into(),
        granted_on: None,
        inventors,
    }
}

fn fields(error: Error) -> Vec<String> {
    error.field_errors().into_iter().map(|e| e.field).collect()
}

#[tokio::test]
async fn the_city_records_talent_enterprises_their_ip_each_reading_their_own() {
    for test in test_databases().await {
        let f = fixture(test).await;
        let [staff, xiaolan, nantou, polisher, maker1, maker2] = [
            f.sign_in("staff").await,
            f.sign_in("xiaolan").await,
            f.sign_in("nantou").await,
            f.sign_in("polisher").await,
            f.sign_in("maker1").await,
            f.sign_in("maker2").await,
        ];
        let t = &f.talents;
        // Only the city records talents; bad input is named and nothing is written.
        assert_eq!(
            t.create_talent(&maker1, &talent("李博士", Degree::Doctorate, 1), None)
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::Forbidden
        );
        let bad = TalentInput {
            name: String::new(),
            year: 1970,
            ..talent("x", Degree::Doctorate, 1)
        };
        assert_eq!(
            fields(t.create_talent(&staff, &bad, None).await.unwrap_err()),
            ["name", "year"]
        );
        let unknown = TalentInput {
            enterprise: "91442000MA00000000".into(),
            ..talent("李博士", Degree::Doctorate, 1)
        };
        assert_eq!(
            fields(t.create_talent(&staff, &unknown, None).await.unwrap_err()),
            ["enterprise"]
        );
        let elsewhere = ProjectRef {
            number: "2026-TU-01-0001".into(),
            name: "南头的项目".into(),
            enterprise_id: f.ids[1],
        };
        assert_eq!(
            fields(
                t.create_talent(
                    &staff,
                    &talent("李博士", Degree::Doctorate, 1),
                    Some(&elsewhere)
                )
                .await
                .unwrap_err()
            ),
            ["project"]
        );
        assert!(
            t.talents(&staff, &TalentFilter::default())
                .await
                .unwrap()
                .is_empty()
        );

        let own_project = ProjectRef {
            number: "2026-TU-01-0002".into(),
            name: "打磨产线智能化改造".into(),
            enterprise_id: f.ids[0],
        };
        let doctor = t
            .create_talent(
                &staff,
                &talent("李博士", Degree::Doctorate, 1),
                Some(&own_project),
            )
            .await
            .unwrap();
        assert_eq!(
            doctor.project,
            Some(("2026-TU-01-0002".into(), "打磨产线智能化改造".into()))
        );
        let master = t
            .create_talent(&staff, &talent("王硕士", Degree::Master, 1), None)
            .await
            .unwrap();
        let nantou_doctor = t
            .create_talent(&staff, &talent("何博士", Degree::Doctorate, 2), None)
            .await
            .unwrap();
        // Each reads within their scope; out of scope is not found.
        assert_eq!(
            t.talents(&maker1, &TalentFilter::default())
                .await
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            t.talents(&xiaolan, &TalentFilter::default())
                .await
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            t.talents(&nantou, &TalentFilter::default())
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(
            t.talents(&polisher, &TalentFilter::default())
                .await
                .unwrap()
                .is_empty()
        );
        for outsider in [&maker2, &nantou, &polisher] {
            assert_eq!(
                t.talent(outsider, doctor.id).await.unwrap_err().kind(),
                ErrorKind::NotFound
            );
        }
        let doctors = TalentFilter {
            degree: Some(Degree::Doctorate),
            ..TalentFilter::default()
        };
        assert_eq!(t.talents(&staff, &doctors).await.unwrap().len(), 2);
        // A correction needs the version read.
        let renamed = TalentInput {
            name: "李明博士".into(),
            ..talent("x", Degree::Doctorate, 1)
        };
        assert_eq!(
            t.update_talent(&staff, doctor.id, 7, &renamed, None)
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::Conflict
        );
        let saved = t
            .update_talent(&staff, doctor.id, doctor.version, &renamed, None)
            .await
            .unwrap();
        assert_eq!(
            (saved.name.as_str(), saved.version, saved.project),
            ("李明博士", doctor.version + 1, None)
        );

        // Teams.
        assert_eq!(
            fields(
                t.create_team(
                    &staff,
                    &TeamInput {
                        members: 1,
                        ..team("A", Field::Other)
                    },
                    None
                )
                .await
                .unwrap_err()
            ),
            ["name", "members"]
        );
        t.create_team(
            &staff,
            &team("精密打磨创新团队", Field::AdvancedManufacturing),
            None,
        )
        .await
        .unwrap();
        t.create_team(
            &staff,
            &team("工业软件团队", Field::InformationTechnology),
            None,
        )
        .await
        .unwrap();
        t.create_team(&staff, &team("新材料团队", Field::NewMaterials), None)
            .await
            .unwrap();
        assert_eq!(
            t.create_team(&maker1, &team("自封团队", Field::Other), None)
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::Forbidden
        );

        // IP: the enterprise records its own; a mistyped number, another's enterprise and an
        // unknown inventor are named; the same number is never recorded twice.
        assert_eq!(
            fields(
                t.create_ip(&maker1, &patent("201710601862.4", vec![]), None)
                    .await
                    .unwrap_err()
            ),
            ["number"]
        );
        let for_nantou = IpInput {
            enterprise: credit_code(2),
            ..patent("201710601862.3", vec![])
        };
        assert_eq!(
            fields(t.create_ip(&maker1, &for_nantou, None).await.unwrap_err()),
            ["enterprise"]
        );
        assert_eq!(
            fields(
                t.create_ip(
                    &maker1,
                    &patent("201710601862.3", vec![nantou_doctor.id]),
                    None
                )
                .await
                .unwrap_err()
            ),
            ["inventors[0]"]
        );
        assert_eq!(
            t.create_ip(&polisher, &patent("201710601862.3", vec![]), None)
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::Forbidden
        );
        let filed = t
            .create_ip(
                &maker1,
                &patent("CN 201710601862.3", vec![doctor.id, master.id, doctor.id]),
                None,
            )
            .await
            .unwrap();
        assert_eq!(filed.number, "201710601862.3");
        assert_eq!(filed.inventors.len(), 2, "each inventor once");
        let again = t
            .create_ip(&staff, &patent("201710601862.3", vec![]), None)
            .await
            .unwrap_err();
        assert_eq!(again.code(), Some("duplicate"));
        assert_eq!(
            t.ip_asset(&maker2, filed.id).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        // Granted later, by its owner.
        let granted = IpInput {
            status: IpStatus::Granted,
            granted_on: Some("2019-05-10".into()),
            ..patent("201710601862.3", vec![doctor.id])
        };
        let saved = t
            .update_ip(&maker1, filed.id, filed.version, &granted, None)
            .await
            .unwrap();
        assert_eq!(
            (
                saved.status,
                saved.granted_on.as_deref(),
                saved.inventors.len()
            ),
            (IpStatus::Granted, Some("2019-05-10"), 1)
        );
        // A second patent without a talent among its inventors.
        let other = IpInput {
            filed_on: "2018-03-01".into(),
            ..patent("201810203040.0", vec![])
        };
        let other = IpInput {
            number: zhizao_talent::number::with_check("201810203040").unwrap(),
            ..other
        };
        t.create_ip(&maker1, &other, None).await.unwrap();
        // The list carries each asset's own inventors.
        let listed = t.ip_assets(&maker1, &IpFilter::default()).await.unwrap();
        let inventors: Vec<(String, Vec<i64>)> = listed
            .iter()
            .map(|a| (a.number.clone(), a.inventors.iter().map(|i| i.0).collect()))
            .collect();
        assert_eq!(
            inventors,
            [
                (other.number.clone(), vec![]),
                ("201710601862.3".to_owned(), vec![doctor.id])
            ]
        );

        // The figures, within each scope.
        let city = t.figures(&staff).await.unwrap();
        assert_eq!(
            (
                city.talents,
                city.doctorates,
                city.invention_patents,
                city.invention_patents_by_talents,
                city.teams,
                city.teams_in_manufacturing_and_it
            ),
            (3, 2, 2, 1, 3, 2)
        );
        assert_eq!(city.manufacturing_and_it_percent(), Some(67));
        assert_eq!(t.figures(&nantou).await.unwrap().talents, 1);
        assert_eq!(t.figures(&polisher).await.unwrap().talents, 0);
    }
}
