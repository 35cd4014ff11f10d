//! Open data pages: the public catalogue (anyone), a dataset's published table (anyone signed
//! in), and the keys the city's data office issues and revokes.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use zhizao_core::{Classified, FigureUnit};
use zhizao_identity::{Principal, policy};
use zhizao_opendata::{DEFAULT_MINIMUM_COUNT, KeyInput};

use super::{Layout, OrPage, PageContext, PageError, PageForm, SignedIn, Submit, render};
use crate::AppState;
use crate::dashboard::display;
use crate::open_data::{self, Dataset};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/open-data", get(catalogue))
        .route("/open-data/datasets/{key}", get(dataset))
        .route("/open-data/keys", get(keys).post(issue))
        .route("/open-data/keys/{id}/revoke", post(revoke))
}

struct EntryRow {
    key: &'static str,
    title: String,
    definition: String,
    unit: String,
    by_year: bool,
}

struct ThemeRow {
    title: String,
    datasets: Vec<EntryRow>,
}

#[derive(Template)]
#[template(path = "open_data/catalogue.html")]
struct CataloguePage {
    layout: Layout,
    themes: Vec<ThemeRow>,
    minimum: i64,
    signed_in: bool,
    manages_keys: bool,
    example: &'static str,
}

fn unit_label(unit: FigureUnit, t: crate::i18n::Tr) -> String {
    match unit {
        FigureUnit::Count => t.open_data_unit_count(),
        FigureUnit::Fen => t.open_data_unit_fen(),
    }
    .to_owned()
}

/// Anyone, signed in or not, reads the catalogue and how to call the API.
async fn catalogue(context: PageContext) -> Response {
    let t = context.t();
    let mut themes: Vec<ThemeRow> = Vec::new();
    for dataset in open_data::catalogue() {
        let theme = t.text(&dataset.theme).to_owned();
        let entry = EntryRow {
            key: dataset.spec.key,
            title: t.text(&dataset.spec.label).to_owned(),
            definition: t.text(&dataset.spec.definition).to_owned(),
            unit: unit_label(dataset.spec.unit, t),
            by_year: dataset.dated(),
        };
        match themes.last_mut() {
            Some(last) if last.title == theme => last.datasets.push(entry),
            _ => themes.push(ThemeRow {
                title: theme,
                datasets: vec![entry],
            }),
        }
    }
    render(&CataloguePage {
        layout: context.layout("open-data"),
        themes,
        minimum: DEFAULT_MINIMUM_COUNT,
        signed_in: context.principal.is_some(),
        manages_keys: context
            .principal
            .as_ref()
            .is_some_and(policy::may_manage_open_data),
        example: "curl -H 'X-API-Key: zod_…' \
                  'https://zhizao.example.gov.cn/api/v1/open-data/datasets/projects.granted?from=2019&format=csv'",
    })
}

struct TableRow {
    town: String,
    city: bool,
    cells: Vec<Option<String>>,
}

#[derive(Template)]
#[template(path = "open_data/dataset.html")]
struct DatasetPage {
    layout: Layout,
    key: &'static str,
    title: String,
    definition: String,
    unit: String,
    years: Vec<String>,
    rows: Vec<TableRow>,
    minimum: i64,
    as_of: String,
    query: String,
}

#[derive(Debug, Deserialize)]
struct YearsQuery {
    from: Option<String>,
    to: Option<String>,
}

fn year(text: Option<&str>) -> Result<Option<i32>, PageError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|_| PageError::BadRequest(crate::i18n::dashboard::bad_year(text))),
    }
}

/// A dataset as published: the city and each town by year, small cells withheld.
async fn dataset(
    State(state): State<AppState>,
    SignedIn(context, _): SignedIn,
    Path(key): Path<String>,
    Query(query): Query<YearsQuery>,
) -> Result<Response, Response> {
    let t = context.t();
    let dataset: Dataset =
        open_data::find(&key).ok_or_else(|| PageError::NotFound.render(&context))?;
    let from = year(query.from.as_deref()).map_err(|e| e.render(&context))?;
    let to = year(query.to.as_deref()).map_err(|e| e.render(&context))?;
    let years = open_data::years(&state, from, to).or_page(&context)?;
    let table = open_data::table(&state, &dataset, years.clone())
        .await
        .or_page(&context)?;
    let columns: Vec<Option<i32>> = if dataset.dated() {
        years.clone().map(Some).collect()
    } else {
        vec![None]
    };
    let rows: Vec<TableRow> = transpose(&table.rows, &columns, |row| {
        row.value
            .map(|v| display(dataset.spec.unit, v, context.language))
    })
    .into_iter()
    .map(|place| TableRow {
        town: t.text(&place.name).to_owned(),
        city: place.town.is_none(),
        cells: place.cells,
    })
    .collect();
    Ok(render(&DatasetPage {
        layout: context.layout("open-data"),
        key: dataset.spec.key,
        title: t.text(&dataset.spec.label).to_owned(),
        definition: t.text(&dataset.spec.definition).to_owned(),
        unit: unit_label(dataset.spec.unit, t),
        years: columns
            .iter()
            .map(|y| y.map_or_else(|| t.open_data_as_now().to_owned(), |y| y.to_string()))
            .collect(),
        rows,
        minimum: table.minimum,
        as_of: table.as_of.to_shanghai_string(),
        query: format!("from={}&to={}", years.start(), years.end()),
    }))
}

/// One place's row of the published table.
struct Place {
    town: Option<String>,
    name: zhizao_core::Text,
    cells: Vec<Option<String>>,
}

/// The published rows (year by year, the city then each town) as one row per place with a cell
/// per year (one cell for undated datasets).
fn transpose(
    rows: &[open_data::Row],
    columns: &[Option<i32>],
    cell: impl Fn(&open_data::Row) -> Option<String>,
) -> Vec<Place> {
    let mut places: Vec<Place> = Vec::new();
    for column in columns {
        for row in rows.iter().filter(|r| r.year == *column) {
            match places.iter_mut().find(|p| p.town == row.town) {
                Some(place) => place.cells.push(cell(row)),
                None => places.push(Place {
                    town: row.town.clone(),
                    name: row.town_name.clone(),
                    cells: vec![cell(row)],
                }),
            }
        }
    }
    places
}

struct KeyRow {
    id: i64,
    holder: String,
    contact: String,
    purpose: String,
    prefix: String,
    per_minute: i64,
    created: String,
    last_used: String,
    answered_today: i64,
    answered: i64,
    refused: i64,
    active: bool,
    status: String,
}

#[derive(Template)]
#[template(path = "open_data/keys.html")]
struct KeysPage {
    layout: Layout,
    keys: Vec<KeyRow>,
    new_secret: Option<String>,
    error: String,
    holder: String,
    contact: String,
    purpose: String,
    per_minute: String,
}

#[derive(Debug, Default, Deserialize)]
struct KeyForm {
    #[serde(default)]
    holder: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    per_minute: String,
}

async fn keys_page(
    state: &AppState,
    context: &PageContext,
    principal: &Principal,
    new_secret: Option<String>,
    error: String,
    form: KeyForm,
) -> Result<Response, Response> {
    let t = context.t();
    let keys = state
        .open_data()
        .keys(principal)
        .await
        .or_page(context)?
        .into_iter()
        .map(|k| KeyRow {
            id: k.id,
            holder: k.holder,
            contact: k.contact,
            purpose: k.purpose,
            prefix: k.key_prefix,
            per_minute: k.per_minute,
            created: k.created_at.to_shanghai_string(),
            last_used: k
                .last_used_at
                .map(|m| m.to_shanghai_string())
                .unwrap_or_else(|| t.never().to_owned()),
            answered_today: k.answered_today,
            answered: k.answered,
            refused: k.refused,
            active: k.revoked_at.is_none(),
            status: if k.revoked_at.is_some() {
                t.revoked()
            } else {
                t.active()
            }
            .to_owned(),
        })
        .collect();
    let status = if error.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let per_minute = if form.per_minute.is_empty() {
        "60".to_owned()
    } else {
        form.per_minute
    };
    let page = KeysPage {
        layout: context.layout("open-data"),
        keys,
        new_secret,
        error,
        holder: form.holder,
        contact: form.contact,
        purpose: form.purpose,
        per_minute,
    };
    Ok((status, render(&page)).into_response())
}

/// The city's data office: every key with its use, and the form to issue one.
async fn keys(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
) -> Result<Response, Response> {
    keys_page(
        &state,
        &context,
        &principal,
        None,
        String::new(),
        KeyForm::default(),
    )
    .await
}

async fn issue(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageForm(form): PageForm<KeyForm>,
) -> Result<Response, Response> {
    let t = context.t();
    let Ok(per_minute) = form.per_minute.trim().parse::<i64>() else {
        let error = t.open_data_per_minute_number().to_owned();
        return keys_page(&state, &context, &principal, None, error, form).await;
    };
    let input = KeyInput {
        holder: form.holder.clone(),
        contact: form.contact.clone(),
        purpose: form.purpose.clone(),
        per_minute,
    };
    match state.open_data().issue(&principal, &input).await {
        // Shown once, on this response; never stored or shown again.
        Ok(key) => {
            keys_page(
                &state,
                &context,
                &principal,
                Some(key.secret),
                String::new(),
                KeyForm::default(),
            )
            .await
        }
        Err(error) if !error.field_errors().is_empty() => {
            let message = error
                .field_errors()
                .iter()
                .map(|e| t.text(&e.message).to_owned())
                .collect::<Vec<_>>()
                .join("；");
            keys_page(&state, &context, &principal, None, message, form).await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

async fn revoke(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    _: PageForm<Submit>,
) -> Result<Response, Response> {
    state
        .open_data()
        .revoke(&principal, id)
        .await
        .or_page(&context)?;
    Ok(Redirect::to("/open-data/keys?notice=saved").into_response())
}
