//! The service platforms' pages: the public directory (anyone, signed in or not) filtered by
//! sector, city-level units and words; a platform's profile; the profile form (its own staff:
//! operator, summary, contacts, staff; the city: also the sector, the city-unit mark and the
//! recognitions); and the city's sectors.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use zhizao_core::{Classified, FieldError};
use zhizao_identity::policy;
use zhizao_services::{
    PlatformFilter, PlatformProfile, ProfileInput, Recognition, RecognitionLevel, Sector,
    SectorInput,
};

use super::{
    FormErrors, FormFields, Layout, OrPage, PageContext, PageError, PageForm, SignedIn,
    notice_query, render,
};
use crate::AppState;
use crate::i18n::{Tr, both_with};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/platforms", get(directory))
        .route("/platforms/{code}", get(platform_page))
        .route("/platforms/{code}/edit", get(edit_form).post(save_profile))
        .route("/service-sectors", get(sectors_page).post(save_sector))
}

/// Blank recognition rows on the city's form.
const BLANK_RECOGNITIONS: usize = 2;

/// A platform as a card or a page shows it.
struct PlatformView {
    code: String,
    name: String,
    sector: String,
    city_unit: bool,
    operator: String,
    summary: String,
    /// "level · title · year"
    recognitions: Vec<String>,
    contact_name: String,
    contact_phone: String,
    contact_email: String,
    website: String,
    staff: String,
    updated: String,
}

fn view(p: &PlatformProfile, t: Tr) -> PlatformView {
    PlatformView {
        code: p.code.clone(),
        name: p.name.clone(),
        sector: p
            .sector
            .as_ref()
            .map(|s| sector_name(s, t))
            .unwrap_or_default(),
        city_unit: p.city_unit,
        operator: p.operator.clone(),
        summary: p.summary.clone(),
        recognitions: p
            .recognitions
            .iter()
            .map(|r| format!("{} · {} · {}", t.text(&r.level.label()), r.title, r.year))
            .collect(),
        contact_name: p.contact_name.clone(),
        contact_phone: p.contact_phone.clone(),
        contact_email: p.contact_email.clone(),
        website: p.website.clone(),
        staff: p.staff.map(|s| s.to_string()).unwrap_or_default(),
        updated: p
            .updated_at
            .map(|at| at.to_shanghai_date_string())
            .unwrap_or_default(),
    }
}

/// A sector's name in the reader's language.
pub(super) fn sector_name(sector: &Sector, t: Tr) -> String {
    match t.0 {
        zhizao_core::Language::ZhCn => sector.name.clone(),
        zhizao_core::Language::En => sector.name_en.clone(),
    }
}

/// `?sector=&units=&q=` of the directory.
#[derive(Debug, Default, Deserialize)]
struct DirectoryQuery {
    #[serde(default)]
    sector: String,
    #[serde(default)]
    units: String,
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "platforms/directory.html")]
struct DirectoryPage {
    layout: Layout,
    /// (code, name, chosen)
    sectors: Vec<(String, String, bool)>,
    units: bool,
    q: String,
    platforms: Vec<PlatformView>,
    keeps_directory: bool,
}

async fn directory(
    State(state): State<AppState>,
    context: PageContext,
    Query(query): Query<DirectoryQuery>,
) -> Result<Response, Response> {
    let t = context.t();
    let services = state.services();
    let sectors = services.sectors().await.or_page(&context)?;
    let filter = PlatformFilter {
        sector: Some(query.sector.trim().to_owned()).filter(|s| !s.is_empty()),
        city_units: !query.units.is_empty(),
        text: Some(query.q.trim().to_owned()).filter(|q| !q.is_empty()),
    };
    let platforms = services.platforms(&filter).await.or_page(&context)?;
    let page = DirectoryPage {
        layout: context.layout("platforms"),
        sectors: sectors
            .iter()
            .map(|s| {
                (
                    s.code.clone(),
                    sector_name(s, t),
                    s.code == query.sector.trim(),
                )
            })
            .collect(),
        units: filter.city_units,
        q: query.q.trim().to_owned(),
        platforms: platforms.iter().map(|p| view(p, t)).collect(),
        keeps_directory: context
            .principal
            .as_ref()
            .is_some_and(policy::may_manage_service_directory),
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "platforms/platform.html")]
struct PlatformPage {
    layout: Layout,
    p: PlatformView,
    editable: bool,
    /// Its services in the catalogue: (id, title, price model label, lead days).
    services: Vec<(i64, String, String, i64)>,
    /// The reader offers its services.
    offers: bool,
    /// Its enterprises' ratings, for anyone: the mean as words, and how many.
    rating: Option<(String, i64)>,
}

async fn platform_page(
    State(state): State<AppState>,
    context: PageContext,
    Path(code): Path<String>,
) -> Result<Response, Response> {
    let services = state.services();
    let profile = services.platform(&code).await.or_page(&context)?;
    let editable = match &context.principal {
        Some(principal) => services
            .may_edit_profile(principal, &code)
            .await
            .or_page(&context)?,
        None => false,
    };
    let t = context.t();
    let offered = services
        .offerings(
            context.principal.as_ref(),
            &zhizao_services::CatalogueFilter {
                platform: Some(profile.code.clone()),
                ..zhizao_services::CatalogueFilter::default()
            },
        )
        .await
        .or_page(&context)?;
    let offers = match &context.principal {
        Some(principal) => services
            .may_offer_for(principal, &code)
            .await
            .or_page(&context)?,
        None => false,
    };
    let page = PlatformPage {
        layout: context.layout("platforms"),
        p: view(&profile, t),
        editable,
        services: offered
            .iter()
            .filter(|o| o.public())
            .map(|o| {
                (
                    o.id,
                    o.title.clone(),
                    t.text(&o.price_model.label()).to_owned(),
                    o.lead_days,
                )
            })
            .collect(),
        offers,
        rating: match services.public_rating(&code).await.or_page(&context)? {
            (count, Some(tenths)) => Some((format!("{}.{}", tenths / 10, tenths % 10), count)),
            _ => None,
        },
    };
    Ok(render(&page))
}

/// The profile form's values as typed.
#[derive(Debug, Default)]
struct ProfileFields {
    sector: String,
    city_unit: bool,
    operator: String,
    summary: String,
    contact_name: String,
    contact_phone: String,
    contact_email: String,
    website: String,
    staff: String,
    /// (level, title, year) per row.
    recognitions: Vec<(String, String, String)>,
}

impl ProfileFields {
    fn of(p: &PlatformProfile) -> Self {
        ProfileFields {
            sector: p
                .sector
                .as_ref()
                .map(|s| s.code.clone())
                .unwrap_or_default(),
            city_unit: p.city_unit,
            operator: p.operator.clone(),
            summary: p.summary.clone(),
            contact_name: p.contact_name.clone(),
            contact_phone: p.contact_phone.clone(),
            contact_email: p.contact_email.clone(),
            website: p.website.clone(),
            staff: p.staff.map(|s| s.to_string()).unwrap_or_default(),
            recognitions: p
                .recognitions
                .iter()
                .map(|r| {
                    (
                        r.level.as_str().to_owned(),
                        r.title.clone(),
                        r.year.to_string(),
                    )
                })
                .collect(),
        }
    }

    fn sent(fields: &FormFields) -> Self {
        let get = |name: &str| fields.get(name).trim().to_owned();
        let rows = fields
            .iter()
            .filter_map(|(name, _)| {
                name.strip_prefix("r")?
                    .split_once('_')?
                    .0
                    .parse::<usize>()
                    .ok()
            })
            .filter(|row| *row < 60)
            .max()
            .map_or(0, |last| last + 1);
        ProfileFields {
            sector: get("sector"),
            city_unit: fields.has("city_unit"),
            operator: get("operator"),
            summary: get("summary"),
            contact_name: get("contact_name"),
            contact_phone: get("contact_phone"),
            contact_email: get("contact_email"),
            website: get("website"),
            staff: get("staff"),
            recognitions: (0..rows)
                .map(|row| {
                    (
                        get(&format!("r{row}_level")),
                        get(&format!("r{row}_title")),
                        get(&format!("r{row}_year")),
                    )
                })
                .filter(|(_, title, year)| !title.is_empty() || !year.is_empty())
                .collect(),
        }
    }

    /// The input the domain takes, or the problems of what could not be read.
    fn input(&self) -> Result<ProfileInput, Vec<FieldError>> {
        let mut problems = Vec::new();
        let staff = if self.staff.is_empty() {
            None
        } else {
            self.staff.parse::<i64>().map(Some).unwrap_or_else(|_| {
                problems.push(FieldError::new(
                    "staff",
                    both_with(|t| t.field_not_whole(t.platform_staff_label(), &self.staff)),
                ));
                None
            })
        };
        let mut recognitions = Vec::new();
        for (index, (level, title, year)) in self.recognitions.iter().enumerate() {
            let level = level.parse::<RecognitionLevel>().map_err(|_| {
                problems.push(FieldError::new(
                    format!("recognitions[{index}].level"),
                    both_with(|t| t.choose_recognition_level().to_owned()),
                ));
            });
            let year = year.parse::<i32>().map_err(|_| {
                problems.push(FieldError::new(
                    format!("recognitions[{index}].year"),
                    both_with(|t| t.field_not_whole(t.recognition_year_label(), year)),
                ));
            });
            if let (Ok(level), Ok(year)) = (level, year) {
                recognitions.push(Recognition {
                    level,
                    title: title.clone(),
                    year,
                });
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(ProfileInput {
            sector: Some(self.sector.clone()).filter(|s| !s.is_empty()),
            city_unit: self.city_unit,
            recognitions,
            operator: self.operator.clone(),
            summary: self.summary.clone(),
            contact_name: self.contact_name.clone(),
            contact_phone: self.contact_phone.clone(),
            contact_email: self.contact_email.clone(),
            website: self.website.clone(),
            staff,
        })
    }
}

#[derive(Template)]
#[template(path = "platforms/edit.html")]
struct EditPage {
    layout: Layout,
    code: String,
    name: String,
    version: i64,
    /// The city: the sector, the unit mark and the recognitions are editable.
    keeps_directory: bool,
    /// (code, name)
    sectors: Vec<(String, String)>,
    /// (value, label)
    levels: Vec<(&'static str, String)>,
    v: ProfileFields,
    /// The recognitions as the city's rows, with blank ones to add: (index, level, title, year).
    rows: Vec<(usize, String, String, String)>,
    /// What the platform shows of what the city keeps.
    sector_label: String,
    recognitions_text: Vec<String>,
    errors: FormErrors,
    general_errors: Vec<String>,
}

const PROFILE_FIELDS: &[&str] = &[
    "sector",
    "operator",
    "summary",
    "contact_name",
    "contact_phone",
    "contact_email",
    "website",
    "staff",
    "recognitions",
];

#[allow(clippy::too_many_arguments)]
async fn edit_page(
    state: &AppState,
    context: &PageContext,
    principal: &zhizao_identity::Principal,
    code: &str,
    version: Option<i64>,
    fields: Option<ProfileFields>,
    errors: Vec<FieldError>,
) -> Result<Response, Response> {
    let t = context.t();
    let services = state.services();
    let profile = services.platform(code).await.or_page(context)?;
    if !services
        .may_edit_profile(principal, code)
        .await
        .or_page(context)?
    {
        return Err(PageError::NotFound.render(context));
    }
    let sectors = services.sectors().await.or_page(context)?;
    let v = fields.unwrap_or_else(|| ProfileFields::of(&profile));
    let rows = v
        .recognitions
        .iter()
        .cloned()
        .chain((0..BLANK_RECOGNITIONS).map(|_| Default::default()))
        .enumerate()
        .map(|(index, (level, title, year))| (index, level, title, year))
        .collect();
    let errors = FormErrors::from_fields(&errors, t);
    let general_errors = errors.general(PROFILE_FIELDS);
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let current = view(&profile, t);
    let page = EditPage {
        layout: context.layout("platforms"),
        code: profile.code.clone(),
        name: profile.name.clone(),
        version: version.unwrap_or(profile.version),
        keeps_directory: policy::may_manage_service_directory(principal),
        sectors: sectors
            .iter()
            .map(|s| (s.code.clone(), sector_name(s, t)))
            .collect(),
        levels: RecognitionLevel::ALL
            .iter()
            .map(|l| (l.as_str(), t.text(&l.label()).to_owned()))
            .collect(),
        v,
        rows,
        sector_label: current.sector,
        recognitions_text: current.recognitions,
        errors,
        general_errors,
    };
    Ok((status, render(&page)).into_response())
}

async fn edit_form(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, Response> {
    edit_page(&state, &context, &principal, &code, None, None, Vec::new()).await
}

async fn save_profile(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let services = state.services();
    let version = form.get("version").trim().parse::<i64>().ok();
    let mut fields = ProfileFields::sent(&form);
    if !policy::may_manage_service_directory(&principal) {
        // What the city keeps is not on a platform's form: it stays as it is.
        let current = services.platform(&code).await.or_page(&context)?;
        let kept = ProfileFields::of(&current);
        fields.sector = kept.sector;
        fields.city_unit = kept.city_unit;
        fields.recognitions = kept.recognitions;
    }
    let errors = match fields.input() {
        Err(errors) => errors,
        Ok(input) => match services
            .save_profile(&principal, &code, &input, version)
            .await
        {
            Ok(saved) => {
                return Ok(Redirect::to(&format!(
                    "/platforms/{}?notice={}",
                    saved.code,
                    notice_query(t.platform_profile_saved())
                ))
                .into_response());
            }
            Err(error) if !error.field_errors().is_empty() => error.field_errors(),
            Err(zhizao_services::Error::StaleVersion { current }) => vec![FieldError::new(
                "version",
                both_with(|t| t.setup_stale(current)),
            )],
            Err(error) => return Err(PageError::from(error).render(&context)),
        },
    };
    edit_page(
        &state,
        &context,
        &principal,
        &code,
        version,
        Some(fields),
        errors,
    )
    .await
}

#[derive(Template)]
#[template(path = "platforms/sectors.html")]
struct SectorsPage {
    layout: Layout,
    /// (code, name, English name, position, description, platforms)
    sectors: Vec<(String, String, String, i64, String, usize)>,
    v: SectorFields,
    errors: FormErrors,
}

#[derive(Debug, Default)]
struct SectorFields {
    code: String,
    name: String,
    name_en: String,
    position: String,
    description: String,
}

async fn sectors_view(
    state: &AppState,
    context: &PageContext,
    principal: &zhizao_identity::Principal,
    v: SectorFields,
    errors: Vec<FieldError>,
) -> Result<Response, Response> {
    if !policy::may_manage_service_directory(principal) {
        return Err(PageError::NotFound.render(context));
    }
    let t = context.t();
    let services = state.services();
    let sectors = services.sectors().await.or_page(context)?;
    let platforms = services
        .platforms(&PlatformFilter::default())
        .await
        .or_page(context)?;
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = SectorsPage {
        layout: context.layout("platforms"),
        sectors: sectors
            .into_iter()
            .map(|s| {
                let count = platforms
                    .iter()
                    .filter(|p| p.sector.as_ref().is_some_and(|ps| ps.code == s.code))
                    .count();
                (s.code, s.name, s.name_en, s.position, s.description, count)
            })
            .collect(),
        v,
        errors: FormErrors::from_fields(&errors, t),
    };
    Ok((status, render(&page)).into_response())
}

async fn sectors_page(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
) -> Result<Response, Response> {
    sectors_view(
        &state,
        &context,
        &principal,
        SectorFields::default(),
        Vec::new(),
    )
    .await
}

async fn save_sector(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let get = |name: &str| form.get(name).trim().to_owned();
    let v = SectorFields {
        code: get("code"),
        name: get("name"),
        name_en: get("name_en"),
        position: get("position"),
        description: get("description"),
    };
    let mut errors = Vec::new();
    let position = if v.position.is_empty() {
        0
    } else {
        v.position.parse::<i64>().unwrap_or_else(|_| {
            errors.push(FieldError::new(
                "position",
                both_with(|t| t.field_not_whole(t.sector_position_label(), &v.position)),
            ));
            0
        })
    };
    if errors.is_empty() {
        let input = SectorInput {
            code: v.code.clone(),
            name: v.name.clone(),
            name_en: v.name_en.clone(),
            description: v.description.clone(),
            position,
        };
        match state.services().save_sector(&principal, &input).await {
            Ok(saved) => {
                return Ok(Redirect::to(&format!(
                    "/service-sectors?notice={}",
                    notice_query(&t.sector_saved(&saved.name))
                ))
                .into_response());
            }
            Err(error) if !error.field_errors().is_empty() => errors = error.field_errors(),
            Err(error) => return Err(PageError::from(error).render(&context)),
        }
    }
    sectors_view(&state, &context, &principal, v, errors).await
}
