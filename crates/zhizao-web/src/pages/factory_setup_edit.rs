//! Editing a factory's set-up one section at a time: the section as a table of inputs (its rows
//! and a few blank ones to add), published as the set-up's next version; a cell that cannot be
//! read, and every problem of the set-up that belongs to the section, is marked on its cell.
//! Works without JavaScript and on a phone (the table scrolls sideways).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use zhizao_core::{Classified, FieldError};
use zhizao_factory::setup_tables::{ColumnKind, Edited, Row, Section};
use zhizao_identity::{Principal, policy};

use super::{
    FormFields, Layout, OrPage, PageContext, PageError, PageForm, SignedIn, notice_query, render,
};
use crate::AppState;
use crate::i18n::{Tr, both_with};

pub(super) fn router() -> Router<AppState> {
    Router::new().route(
        "/factories/{code}/setup/{section}",
        get(edit_section).post(save_section),
    )
}

/// Blank rows offered below a list section's rows, to add to it.
const BLANK_ROWS: usize = 3;
/// The most rows a form may send (a set-up holds at most 10,000 items a section).
const MAX_ROWS: usize = 10_050;

/// One input.
struct CellView {
    name: String,
    value: String,
    /// (value, label, chosen) when the cell is a choice.
    options: Vec<(String, String, bool)>,
    numeric: bool,
    wide: bool,
    message: String,
}

struct RowView {
    /// 1-based, as the problems name it.
    number: usize,
    cells: Vec<CellView>,
    message: String,
}

#[derive(Template)]
#[template(path = "factories/setup_section.html")]
struct SectionPage {
    layout: Layout,
    code: String,
    name: String,
    section: &'static str,
    section_label: String,
    /// (key, label, this one)
    tabs: Vec<(&'static str, String, bool)>,
    single: bool,
    /// (heading, the cells' field key)
    headers: Vec<(String, &'static str)>,
    rows: Vec<RowView>,
    version: i64,
    note: String,
    /// Problems with no cell of this table to sit on (another section's, the set-up's as a
    /// whole, a stale version).
    problems: Vec<String>,
    /// How many cells and rows carry a problem.
    marked: usize,
}

fn section_of(text: &str) -> Result<Section, PageError> {
    text.parse().map_err(|_| PageError::NotFound)
}

/// The factory's name and current set-up, for its own staff only (others may read the set-up
/// page, not edit it).
async fn current(
    state: &AppState,
    context: &PageContext,
    principal: &Principal,
    code: &str,
) -> Result<(String, zhizao_factory::store::SetupVersion), Response> {
    let factories = state.factories();
    let name = factories.platform_name(code).await.or_page(context)?;
    let runs_it = principal.organization_code == code.trim()
        && policy::may_run_factory(principal, principal.organization_id);
    let mut versions = factories
        .setup_versions(principal, code)
        .await
        .or_page(context)?;
    if !runs_it {
        return Err(PageError::NotFound.render(context));
    }
    if versions.is_empty() {
        // The first version is written whole on the set-up page.
        return Err(
            Redirect::to(&format!("/factories/{}/setup#edit", code.trim())).into_response(),
        );
    }
    Ok((name, versions.swap_remove(0)))
}

#[allow(clippy::too_many_arguments)]
fn page(
    context: &PageContext,
    code: String,
    name: String,
    section: Section,
    version: i64,
    rows: Vec<Row>,
    note: String,
    errors: &[FieldError],
) -> Response {
    let t: Tr = context.t();
    let columns = section.columns();
    let message = |field: &str| {
        errors
            .iter()
            .filter(|e| e.field == field)
            .map(|e| t.text(&e.message).to_owned())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut rows = rows;
    if !section.single() {
        rows.extend((0..BLANK_ROWS).map(|_| vec![String::new(); columns.len()]));
    }
    let rows: Vec<RowView> = rows
        .into_iter()
        .enumerate()
        .map(|(index, row)| RowView {
            number: index + 1,
            message: message(&index.to_string()),
            cells: columns
                .iter()
                .zip(row)
                .map(|(column, value)| CellView {
                    name: format!("{index}.{}", column.key),
                    options: match &column.kind {
                        ColumnKind::Choice(choices) => {
                            std::iter::once((String::new(), String::new(), value.is_empty()))
                                .chain(choices.iter().map(|(key, label)| {
                                    ((*key).to_owned(), t.text(label).to_owned(), *key == value)
                                }))
                                .collect()
                        }
                        _ => Vec::new(),
                    },
                    numeric: column.kind == ColumnKind::Number,
                    wide: column.kind == ColumnKind::List,
                    message: message(&format!("{index}.{}", column.key)),
                    value,
                })
                .collect(),
        })
        .collect();
    let marked = rows
        .iter()
        .map(|r| {
            usize::from(!r.message.is_empty())
                + r.cells.iter().filter(|c| !c.message.is_empty()).count()
        })
        .sum();
    let in_table = |field: &str| {
        field
            .split('.')
            .next()
            .is_some_and(|row| row.parse::<usize>().is_ok())
    };
    let page = SectionPage {
        layout: context.layout("factories"),
        name,
        section: section.as_str(),
        section_label: t.text(&section.label()).to_owned(),
        tabs: Section::ALL
            .iter()
            .map(|s| (s.as_str(), t.text(&s.label()).to_owned(), *s == section))
            .collect(),
        single: section.single(),
        headers: columns
            .iter()
            .map(|c| (t.text(&c.label).to_owned(), c.key))
            .collect(),
        rows,
        version,
        note,
        problems: errors
            .iter()
            .filter(|e| !in_table(&e.field))
            .map(|e| format!("{}: {}", e.field, t.text(&e.message)))
            .collect(),
        marked,
        code,
    };
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, render(&page)).into_response()
}

async fn edit_section(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((code, section)): Path<(String, String)>,
) -> Result<Response, Response> {
    let section = section_of(&section).map_err(|e| e.render(&context))?;
    let (name, current) = current(&state, &context, &principal, &code).await?;
    let rows = section.rows(&current.setup);
    Ok(page(
        &context,
        code,
        name,
        section,
        current.version,
        rows,
        String::new(),
        &[],
    ))
}

/// The table the form sent: cells named `{row}.{column}`, rows in order up to the last one sent.
fn rows_sent(fields: &FormFields, section: Section) -> Vec<Row> {
    let columns = section.columns();
    let count = fields
        .iter()
        .filter_map(|(name, _)| name.split_once('.')?.0.parse::<usize>().ok())
        .filter(|row| *row < MAX_ROWS)
        .max()
        .map_or(0, |last| last + 1);
    (0..count)
        .map(|row| {
            columns
                .iter()
                .map(|c| fields.get(&format!("{row}.{}", c.key)).to_owned())
                .collect()
        })
        .collect()
}

async fn save_section(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((code, section)): Path<(String, String)>,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let section = section_of(&section).map_err(|e| e.render(&context))?;
    let (name, current) = current(&state, &context, &principal, &code).await?;
    let rows = rows_sent(&fields, section);
    let note = fields.get("note").trim().to_owned();
    let expected = fields.get("version").trim().parse::<i64>().ok();
    let errors = match section.apply(&current.setup, &rows) {
        Err(errors) => errors,
        Ok(edited) => match state
            .factories()
            .save_setup(&principal, &code, &edited.setup, &note, expected)
            .await
        {
            Ok(saved) => {
                return Ok(Redirect::to(&format!(
                    "/factories/{}/setup?notice={}",
                    saved.platform_code,
                    notice_query(&t.setup_saved(saved.version))
                ))
                .into_response());
            }
            Err(error) if !error.field_errors().is_empty() => {
                located(&edited, section, error.field_errors())
            }
            Err(zhizao_factory::Error::StaleVersion { current }) => vec![FieldError::new(
                "version",
                both_with(|t| t.setup_stale(current)),
            )],
            Err(error) => return Err(PageError::from(error).render(&context)),
        },
    };
    let version = expected.unwrap_or(current.version);
    Ok(page(
        &context, code, name, section, version, rows, note, &errors,
    ))
}

/// The set-up's problems, each on its cell when it has one in this table.
fn located(edited: &Edited, section: Section, problems: Vec<FieldError>) -> Vec<FieldError> {
    problems
        .into_iter()
        .map(|problem| match edited.locate(section, &problem.field) {
            Some(field) => FieldError { field, ..problem },
            None => problem,
        })
        .collect()
}
