//! A service platform's public profile: the organisation (a platform in the registry) with its
//! sector, whether it is a city-level public technology service unit, its operator, summary,
//! recognitions (e.g. 广东省智能制造公共服务平台), contacts and staff. The directory lists every
//! platform with its profile (an organisation without one lists with an empty profile).
//!
//! The city keeps the sector, the city-unit mark and the recognitions (governments award them);
//! a platform's own staff keep the rest. Saving is versioned: a profile saved meanwhile is a
//! conflict, never overwritten.

use serde::{Deserialize, Serialize};
use zhizao_core::{Timestamp, closed_vocabulary};
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy;

use crate::{Error, Problems, PublicServices, Result, Sector};

closed_vocabulary! {
    /// Who recognised a platform.
    RecognitionLevel, "recognition level" {
        /// A ministry (e.g. a national SME public service demonstration platform).
        National => "national", "国家级", "National";
        /// The province.
        Provincial => "provincial", "省级", "Provincial";
        /// The city.
        City => "city", "市级", "City";
    }
}

/// A recognition a government awarded the platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recognition {
    /// Who awarded it.
    pub level: RecognitionLevel,
    /// Its title, e.g. 广东省精密电子和家电产业智能制造公共服务平台.
    pub title: String,
    /// The year awarded.
    pub year: i32,
}

/// A platform as the directory shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlatformProfile {
    /// The organisation's code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its sector, if the city assigned one.
    pub sector: Option<Sector>,
    /// One of the city-level public technology service units.
    pub city_unit: bool,
    /// Who runs it.
    pub operator: String,
    /// What it offers, in a paragraph.
    pub summary: String,
    /// Recognitions, newest first.
    pub recognitions: Vec<Recognition>,
    /// Contact person.
    pub contact_name: String,
    /// Contact telephone.
    pub contact_phone: String,
    /// Contact e-mail.
    pub contact_email: String,
    /// Its website.
    pub website: String,
    /// Its service staff, if stated.
    pub staff: Option<i64>,
    /// The profile's version (0 before the first save).
    pub version: i64,
    /// When it was last saved.
    pub updated_at: Option<Timestamp>,
}

/// A profile as written (the whole of it: what the writer may not change must be sent as it
/// is).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileInput {
    /// The sector's code, or none (the city).
    #[serde(default)]
    pub sector: Option<String>,
    /// A city-level unit (the city).
    #[serde(default)]
    pub city_unit: bool,
    /// Recognitions (the city).
    #[serde(default)]
    pub recognitions: Vec<Recognition>,
    /// Who runs it (at most 100 characters).
    #[serde(default)]
    pub operator: String,
    /// What it offers (at most 2,000 characters).
    #[serde(default)]
    pub summary: String,
    /// Contact person (at most 50 characters).
    #[serde(default)]
    pub contact_name: String,
    /// Contact telephone: digits, spaces, `+`, `-`, `(`, `)`, 5–30 characters.
    #[serde(default)]
    pub contact_phone: String,
    /// Contact e-mail.
    #[serde(default)]
    pub contact_email: String,
    /// Website, `http://` or `https://`.
    #[serde(default)]
    pub website: String,
    /// Service staff (0–100,000).
    #[serde(default)]
    pub staff: Option<i64>,
}

/// Which platforms to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlatformFilter {
    /// Only this sector's.
    pub sector: Option<String>,
    /// Only the city-level units.
    pub city_units: bool,
    /// Words in the name, operator or summary.
    pub text: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    code: String,
    name: String,
    sector_code: Option<String>,
    sector_name: Option<String>,
    sector_name_en: Option<String>,
    sector_description: Option<String>,
    sector_position: Option<i64>,
    city_unit: Option<i64>,
    operator: Option<String>,
    summary: Option<String>,
    recognitions: Option<String>,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    contact_email: Option<String>,
    website: Option<String>,
    staff: Option<i64>,
    version: Option<i64>,
    updated_at: Option<i64>,
}

/// The directory's query (every platform with its profile and sector) ending in `tail`.
macro_rules! select_platforms {
    ($tail:literal) => {
        concat!(
            "SELECT o.id, o.code, o.name, s.code AS sector_code, s.name AS sector_name, \
             s.name_en AS sector_name_en, s.description AS sector_description, \
             s.position AS sector_position, p.city_unit, p.operator, p.summary, p.recognitions, \
             p.contact_name, p.contact_phone, p.contact_email, p.website, p.staff, p.version, \
             p.updated_at FROM organizations o \
             LEFT JOIN service_platform_profiles p ON p.organization_id = o.id \
             LEFT JOIN service_sectors s ON s.code = p.sector_code WHERE o.kind = 'platform'",
            $tail
        )
    };
}

impl Row {
    fn into_profile(self) -> Result<(i64, PlatformProfile)> {
        let recognitions: Vec<Recognition> = match &self.recognitions {
            Some(json) => serde_json::from_str(json).map_err(|e| {
                Error::Corrupt(format!("the recognitions of platform {}: {e}", self.code))
            })?,
            None => Vec::new(),
        };
        let sector = match (self.sector_code, self.sector_name, self.sector_name_en) {
            (Some(code), Some(name), Some(name_en)) => Some(Sector {
                code,
                name,
                name_en,
                description: self.sector_description.unwrap_or_default(),
                position: self.sector_position.unwrap_or_default(),
            }),
            _ => None,
        };
        Ok((
            self.id,
            PlatformProfile {
                code: self.code,
                name: self.name,
                sector,
                city_unit: self.city_unit == Some(1),
                operator: self.operator.unwrap_or_default(),
                summary: self.summary.unwrap_or_default(),
                recognitions,
                contact_name: self.contact_name.unwrap_or_default(),
                contact_phone: self.contact_phone.unwrap_or_default(),
                contact_email: self.contact_email.unwrap_or_default(),
                website: self.website.unwrap_or_default(),
                staff: self.staff,
                version: self.version.unwrap_or(0),
                updated_at: self.updated_at.map(Timestamp::from_millis),
            },
        ))
    }
}

fn too_long(text: &str, max: usize) -> bool {
    text.trim().chars().count() > max
}

impl ProfileInput {
    /// Every problem of the text fields, named by field (the sector is checked against the
    /// sectors when saved).
    pub fn check(&self, this_year: i32) -> Result<()> {
        let mut problems = Problems::default();
        for (field, text, max) in [
            ("operator", &self.operator, 100),
            ("summary", &self.summary, 2000),
            ("contact_name", &self.contact_name, 50),
        ] {
            if too_long(text, max) {
                problems.add(
                    field,
                    format!("最长 {max} 字"),
                    format!("at most {max} characters"),
                );
            }
        }
        let phone = self.contact_phone.trim();
        if !phone.is_empty()
            && (!(5..=30).contains(&phone.len())
                || !phone
                    .chars()
                    .all(|c| c.is_ascii_digit() || " +-()".contains(c)))
        {
            problems.add(
                "contact_phone",
                format!("“{phone}”不是电话号码（数字、空格、+、-、括号，5–30 位）"),
                format!("{phone:?} is not a telephone number (digits, spaces, + - ( ), 5–30)"),
            );
        }
        let email = self.contact_email.trim();
        let email_ok = email.split_once('@').is_some_and(|(user, domain)| {
            !user.is_empty() && domain.contains('.') && !domain.starts_with('.')
        }) && !email.contains(char::is_whitespace)
            && email.len() <= 100;
        if !email.is_empty() && !email_ok {
            problems.add(
                "contact_email",
                format!("“{email}”不是电子邮箱地址"),
                format!("{email:?} is not an e-mail address"),
            );
        }
        let website = self.website.trim();
        if !website.is_empty()
            && (!(website.starts_with("https://") || website.starts_with("http://"))
                || website.len() > 200
                || website.contains(char::is_whitespace))
        {
            problems.add(
                "website",
                "网址须以 http:// 或 https:// 开头".into(),
                "a website starts with http:// or https://".into(),
            );
        }
        if self
            .staff
            .is_some_and(|staff| !(0..=100_000).contains(&staff))
        {
            problems.add(
                "staff",
                "服务人员数为 0–100000".into(),
                "the staff are 0 to 100,000".into(),
            );
        }
        if self.recognitions.len() > 50 {
            problems.add(
                "recognitions",
                "最多 50 项认定".into(),
                "at most 50 recognitions".into(),
            );
        }
        for (index, recognition) in self.recognitions.iter().enumerate() {
            if !(1..=100).contains(&recognition.title.trim().chars().count()) {
                problems.add(
                    format!("recognitions[{index}].title"),
                    "请填写认定名称（最长 100 字）".into(),
                    "give the recognition's title (at most 100 characters)".into(),
                );
            }
            if !(1990..=this_year).contains(&recognition.year) {
                problems.add(
                    format!("recognitions[{index}].year"),
                    format!("认定年份须在 1990 到 {this_year} 年之间"),
                    format!("the year is 1990 to {this_year}"),
                );
            }
        }
        problems.into_result()
    }
}

impl PublicServices {
    /// The platforms `filter` selects with their profiles: city-level units first, then by
    /// sector and name (anyone: the directory is public).
    pub async fn platforms(&self, filter: &PlatformFilter) -> Result<Vec<PlatformProfile>> {
        let rows: Vec<Row> = sqlx::query_as(select_platforms!(" ORDER BY o.name"))
            .fetch_all(self.db.pool())
            .await?;
        let words: Vec<String> = filter
            .text
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let mut profiles = Vec::new();
        for row in rows {
            let (_, profile) = row.into_profile()?;
            let in_sector = filter.sector.as_deref().is_none_or(|wanted| {
                profile
                    .sector
                    .as_ref()
                    .is_some_and(|s| s.code == wanted.trim())
            });
            let haystack = format!(
                "{} {} {} {}",
                profile.name, profile.operator, profile.summary, profile.code
            )
            .to_lowercase();
            if in_sector
                && (!filter.city_units || profile.city_unit)
                && words.iter().all(|word| haystack.contains(word))
            {
                profiles.push(profile);
            }
        }
        profiles.sort_by_key(|p| {
            (
                !p.city_unit,
                p.sector.as_ref().map_or(i64::MAX, |s| s.position),
                p.name.clone(),
            )
        });
        Ok(profiles)
    }

    /// The platform with `code` and its profile (anyone).
    pub async fn platform(&self, code: &str) -> Result<PlatformProfile> {
        Ok(self.platform_row(code).await?.1)
    }

    /// Whether `principal` may edit the profile of platform `code` (its staff, the city).
    pub async fn may_edit_profile(&self, principal: &Principal, code: &str) -> Result<bool> {
        let (id, _) = self.platform_row(code).await?;
        Ok(policy::may_edit_platform_profile(principal, id))
    }

    async fn platform_row(&self, code: &str) -> Result<(i64, PlatformProfile)> {
        let row: Option<Row> = sqlx::query_as(select_platforms!(" AND o.code = $1"))
            .bind(code.trim())
            .fetch_optional(self.db.pool())
            .await?;
        row.ok_or_else(|| Error::NotFound {
            what: "service platform",
            key: code.trim().to_owned(),
        })?
        .into_profile()
    }

    /// Saves the profile of platform `code` (its staff, or the city); `expected_version` is the
    /// version the writer read (0 for none yet). The sector, the city-unit mark and the
    /// recognitions are the city's to change: a platform's staff sending other values than the
    /// current ones is refused. Audited.
    pub async fn save_profile(
        &self,
        principal: &Principal,
        code: &str,
        input: &ProfileInput,
        expected_version: Option<i64>,
    ) -> Result<PlatformProfile> {
        let (id, current) = self.platform_row(code).await?;
        if !policy::may_edit_platform_profile(principal, id) {
            return Err(Error::NotFound {
                what: "service platform profile",
                key: code.trim().to_owned(),
            });
        }
        let now = self.clock.now();
        // The year in Asia/Shanghai, from `YYYY-MM-DD`.
        let this_year: i32 = now.to_shanghai_date_string()[..4].parse().unwrap_or(2026);
        input.check(this_year)?;
        let sector = input
            .sector
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let sectors = self.sectors().await?;
        let sector = match sector {
            None => None,
            Some(wanted) => Some(sectors.into_iter().find(|s| s.code == wanted).ok_or_else(
                || {
                    Error::Invalid(vec![zhizao_core::FieldError::new(
                        "sector",
                        zhizao_core::Text::owned(
                            format!("没有板块“{wanted}”"),
                            format!("no sector {wanted:?}"),
                        ),
                    )])
                },
            )?),
        };
        let city_keeps = sector.as_ref().map(|s| &s.code)
            != current.sector.as_ref().map(|s| &s.code)
            || input.city_unit != current.city_unit
            || input.recognitions != current.recognitions;
        if city_keeps && !policy::may_manage_service_directory(principal) {
            return Err(Error::Forbidden(
                "the sector, the city-unit mark and the recognitions are kept by the city",
            ));
        }
        if let Some(expected) = expected_version
            && expected != current.version
        {
            return Err(Error::StaleVersion {
                current: current.version,
            });
        }
        let saved = PlatformProfile {
            code: current.code.clone(),
            name: current.name.clone(),
            sector,
            city_unit: input.city_unit,
            operator: input.operator.trim().to_owned(),
            summary: input.summary.trim().to_owned(),
            recognitions: input.recognitions.clone(),
            contact_name: input.contact_name.trim().to_owned(),
            contact_phone: input.contact_phone.trim().to_owned(),
            contact_email: input.contact_email.trim().to_owned(),
            website: input.website.trim().to_owned(),
            staff: input.staff,
            version: current.version + 1,
            updated_at: Some(now),
        };
        let recognitions = serde_json::to_string(&saved.recognitions)
            .map_err(|e| Error::Corrupt(format!("recognitions: {e}")))?;
        let mut transaction = self.db.begin().await?;
        let written = if current.version == 0 {
            sqlx::query(
                "INSERT INTO service_platform_profiles (organization_id, sector_code, city_unit, operator, summary, \
                 recognitions, contact_name, contact_phone, contact_email, website, staff, updated_at, updated_by, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1)",
            )
            .bind(id)
            .bind(saved.sector.as_ref().map(|s| s.code.clone()))
            .bind(i64::from(saved.city_unit))
            .bind(&saved.operator)
            .bind(&saved.summary)
            .bind(&recognitions)
            .bind(&saved.contact_name)
            .bind(&saved.contact_phone)
            .bind(&saved.contact_email)
            .bind(&saved.website)
            .bind(saved.staff)
            .bind(now.as_millis())
            .bind(&principal.username)
            .execute(&mut *transaction)
            .await
        } else {
            sqlx::query(
                "UPDATE service_platform_profiles SET sector_code = $1, city_unit = $2, operator = $3, summary = $4, \
                 recognitions = $5, contact_name = $6, contact_phone = $7, contact_email = $8, website = $9, \
                 staff = $10, updated_at = $11, updated_by = $12, version = version + 1 \
                 WHERE organization_id = $13 AND version = $14",
            )
            .bind(saved.sector.as_ref().map(|s| s.code.clone()))
            .bind(i64::from(saved.city_unit))
            .bind(&saved.operator)
            .bind(&saved.summary)
            .bind(&recognitions)
            .bind(&saved.contact_name)
            .bind(&saved.contact_phone)
            .bind(&saved.contact_email)
            .bind(&saved.website)
            .bind(saved.staff)
            .bind(now.as_millis())
            .bind(&principal.username)
            .bind(id)
            .bind(current.version)
            .execute(&mut *transaction)
            .await
        };
        match written {
            Ok(result) if result.rows_affected() == 1 => {}
            // Another save came between the read and the write (or inserted the first).
            Ok(_) | Err(sqlx::Error::Database(_)) => {
                return Err(Error::StaleVersion {
                    current: current.version + 1,
                });
            }
            Err(error) => return Err(error.into()),
        }
        let mut changes = Changes::new();
        changes
            .field(
                "sector",
                current.sector.as_ref().map(|s| &s.code),
                saved.sector.as_ref().map(|s| &s.code),
            )
            .field("city_unit", current.city_unit, saved.city_unit)
            .field("recognitions", &current.recognitions, &saved.recognitions)
            .field("operator", &current.operator, &saved.operator)
            .field("summary", &current.summary, &saved.summary)
            .field("contact_name", &current.contact_name, &saved.contact_name)
            .field(
                "contact_phone",
                &current.contact_phone,
                &saved.contact_phone,
            )
            .field(
                "contact_email",
                &current.contact_email,
                &saved.contact_email,
            )
            .field("website", &current.website, &saved.website)
            .field("staff", current.staff, saved.staff);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "service_platform.profile_saved",
                "service_platform",
                &saved.code,
            )
            .subject(id)
            .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        Ok(saved)
    }
}
