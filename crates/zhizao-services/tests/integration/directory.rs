//! The service-platform directory on every backend: the city keeps the sectors, the city-unit
//! mark and recognitions; a platform's staff keep its own profile's words; bad input is named
//! by field and changes nothing; a profile saved meanwhile is a conflict.

use crate::World;
use zhizao_core::{Classified, ErrorKind};
use zhizao_services::{
    Error, PlatformFilter, ProfileInput, Recognition, RecognitionLevel, SectorInput,
};

fn sector(code: &str, name: &str, position: i64) -> SectorInput {
    SectorInput {
        code: code.into(),
        name: name.into(),
        name_en: code.replace('-', " "),
        description: String::new(),
        position,
    }
}

/// The profile the polishing platform's staff write.
fn words() -> ProfileInput {
    ProfileInput {
        operator: "中山市共享打磨科技有限公司".into(),
        summary: "机器人打磨抛光来料加工".into(),
        contact_name: "林工".into(),
        contact_phone: "0760-8888 1234".into(),
        contact_email: "service@example.cn".into(),
        website: "https://polish.example.cn".into(),
        staff: Some(35),
        ..ProfileInput::default()
    }
}

/// (what is wrong, the field named)
fn bad_profiles() -> Vec<(ProfileInput, &'static str)> {
    let with = |change: fn(&mut ProfileInput)| {
        let mut input = words();
        change(&mut input);
        input
    };
    vec![
        (
            with(|p| p.contact_phone = "call me".into()),
            "contact_phone",
        ),
        (
            with(|p| p.contact_email = "service@".into()),
            "contact_email",
        ),
        (with(|p| p.website = "polish.example.cn".into()), "website"),
        (with(|p| p.staff = Some(-1)), "staff"),
        (with(|p| p.operator = "长".repeat(101)), "operator"),
        (
            with(|p| {
                p.recognitions = vec![Recognition {
                    level: RecognitionLevel::Provincial,
                    title: "广东省公共服务平台".into(),
                    year: 1980,
                }]
            }),
            "recognitions[0].year",
        ),
        (with(|p| p.sector = Some("nowhere".into())), "sector"),
    ]
}

#[tokio::test]
async fn the_city_keeps_the_directory_and_a_platform_its_own_words() {
    for world in crate::worlds().await {
        let World {
            services,
            city,
            polisher,
            expert,
            ..
        } = world;

        // Sectors: the city's; a bad one is named by field.
        for who in [&polisher, &expert] {
            assert!(matches!(
                services
                    .save_sector(who, &sector("shared-factory", "共性工厂", 2))
                    .await,
                Err(Error::Forbidden(_))
            ));
        }
        let error = services
            .save_sector(&city, &sector("Shared Factory", "", 2))
            .await
            .unwrap_err();
        let fields: Vec<String> = error.field_errors().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["code", "name"]);
        services
            .save_sector(&city, &sector("shared-factory", "共享工厂", 2))
            .await
            .unwrap();
        services
            .save_sector(&city, &sector("smart-manufacturing", "智能制造", 1))
            .await
            .unwrap();
        // Saving a code again renames it.
        services
            .save_sector(&city, &sector("shared-factory", "共性工厂", 2))
            .await
            .unwrap();
        let sectors = services.sectors().await.unwrap();
        let names: Vec<&str> = sectors.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["智能制造", "共性工厂"]);

        // Every platform lists, with an empty profile before the first save.
        let listed = services
            .platforms(&PlatformFilter::default())
            .await
            .unwrap();
        let listed: Vec<(&str, i64)> = listed
            .iter()
            .map(|p| (p.code.as_str(), p.version))
            .collect();
        assert_eq!(listed, [("polish", 0), ("cutting", 0)]);

        // The platform's staff write their words; bad input is named and changes nothing.
        for (input, field) in bad_profiles() {
            let error = services
                .save_profile(&polisher, "polish", &input, Some(0))
                .await
                .unwrap_err();
            assert_eq!(error.field_errors()[0].field, field, "{error}");
        }
        assert_eq!(services.platform("polish").await.unwrap().version, 0);
        let saved = services
            .save_profile(&polisher, "polish", &words(), Some(0))
            .await
            .unwrap();
        assert_eq!(saved.version, 1);
        // The sector, the unit mark and recognitions are not theirs to give.
        let mut promoted = words();
        promoted.city_unit = true;
        assert!(matches!(
            services
                .save_profile(&polisher, "polish", &promoted, Some(1))
                .await,
            Err(Error::Forbidden(_))
        ));
        // An expert neither; to them the profile does not exist for editing.
        assert_eq!(
            services
                .save_profile(&expert, "polish", &words(), Some(1))
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::NotFound
        );
        // The city gives them, from the version it read; an older version is a conflict.
        promoted.sector = Some("shared-factory".into());
        promoted.recognitions = vec![Recognition {
            level: RecognitionLevel::Provincial,
            title: "广东省智能制造公共技术支撑平台".into(),
            year: 2019,
        }];
        let saved = services
            .save_profile(&city, "polish", &promoted, Some(1))
            .await
            .unwrap();
        assert_eq!(saved.version, 2);
        assert!(matches!(
            services
                .save_profile(&polisher, "polish", &promoted, Some(1))
                .await,
            Err(Error::StaleVersion { current: 2 })
        ));
        // The staff change their words again, keeping what the city gave.
        let mut again = promoted.clone();
        again.contact_name = "陈工".into();
        let saved = services
            .save_profile(&polisher, "polish", &again, Some(2))
            .await
            .unwrap();
        assert_eq!(saved.contact_name, "陈工");
        assert!(saved.city_unit);

        // The directory filters by sector, units and words.
        let filter = |sector: Option<&str>, city_units: bool, text: Option<&str>| PlatformFilter {
            sector: sector.map(str::to_owned),
            city_units,
            text: text.map(str::to_owned),
        };
        for (wanted, count) in [
            (filter(Some("shared-factory"), false, None), 1),
            (filter(Some("smart-manufacturing"), false, None), 0),
            (filter(None, true, None), 1),
            (filter(None, false, Some("打磨 来料")), 1),
            (filter(None, false, Some("注塑")), 0),
        ] {
            assert_eq!(
                services.platforms(&wanted).await.unwrap().len(),
                count,
                "{wanted:?}"
            );
        }
        let profile = services.platform("polish").await.unwrap();
        assert_eq!(profile.sector.map(|s| s.name), Some("共性工厂".to_owned()));
        assert_eq!(profile.recognitions.len(), 1);
        assert_eq!(
            services.platform("city").await.unwrap_err().kind(),
            ErrorKind::NotFound,
            "the city is no service platform"
        );
    }
}
