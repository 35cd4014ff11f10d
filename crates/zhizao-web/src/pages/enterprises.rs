//! Registry pages: the searchable list, an enterprise with its history, registration and edit
//! forms, import with its report, and exports.

mod detail;
mod form;
mod import;
mod list;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use zhizao_core::Fen;
use zhizao_registry::{Enterprise, RecognitionKind, RecognitionLevel};

use crate::AppState;
use crate::i18n::Tr;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/enterprises", get(list::list))
        .route("/enterprises/new", get(form::new_form).post(form::create))
        .route(
            "/enterprises/import",
            get(import::import_form)
                .post(import::import)
                .layer(DefaultBodyLimit::max(
                    zhizao_registry::MAX_IMPORT_BYTES + 256 * 1024,
                )),
        )
        .route("/enterprises/import/template.xlsx", get(import::template))
        .route("/enterprises/export.xlsx", get(list::export_xlsx))
        .route("/enterprises/export.csv", get(list::export_csv))
        .route("/enterprises/{code}", get(detail::detail))
        .route(
            "/enterprises/{code}/edit",
            get(form::edit_form).post(form::update),
        )
        .route("/enterprises/{code}/delete", post(form::delete))
}

fn badges(enterprise: &Enterprise, t: Tr) -> Vec<(&'static str, String)> {
    enterprise
        .recognitions
        .iter()
        .map(|r| {
            let kind = r.kind;
            let level = r.level;
            let class = match level {
                RecognitionLevel::National => "national",
                RecognitionLevel::Provincial => "provincial",
                RecognitionLevel::City => "",
            };
            let separator = if t.is_zh() { "" } else { " " };
            (
                class,
                format!(
                    "{}{separator}{} {}",
                    t.text(&level.label()),
                    t.text(&kind.label()),
                    r.year
                ),
            )
        })
        .collect()
}

fn money(fen: Option<Fen>) -> String {
    fen.map(Fen::to_yuan_string).unwrap_or_default()
}

pub(super) async fn town_options(
    state: &AppState,
    t: Tr,
    include_retired: bool,
) -> Result<Vec<(String, String)>, zhizao_registry::Error> {
    Ok(state
        .registry()
        .towns()
        .await?
        .into_iter()
        .filter(|town| include_retired || town.is_current())
        .map(|town| {
            let name = t.pick(&town.name_zh, &town.name_en).to_owned();
            let label = if town.is_current() {
                name
            } else {
                format!("{name}（{}）", t.retired_town())
            };
            (town.code, label)
        })
        .collect())
}

/// The industry classes as a form offers them: (code, code and name).
pub(super) async fn class_options(
    state: &AppState,
    t: Tr,
) -> Result<Vec<(String, String)>, zhizao_registry::Error> {
    Ok(state
        .registry()
        .industries(Some("class"), None)
        .await?
        .into_iter()
        .map(|class| {
            let name = t.pick(
                &class.name_zh,
                class.name_en.as_deref().unwrap_or(&class.name_zh),
            );
            (class.code.clone(), format!("{} {name}", class.code))
        })
        .collect())
}

fn kind_options(t: Tr) -> Vec<(&'static str, String)> {
    RecognitionKind::ALL
        .iter()
        .map(|k| (k.as_str(), t.text(&k.label()).to_owned()))
        .collect()
}

fn level_options(t: Tr) -> Vec<(&'static str, String)> {
    RecognitionLevel::ALL
        .iter()
        .map(|l| (l.as_str(), t.text(&l.label()).to_owned()))
        .collect()
}
