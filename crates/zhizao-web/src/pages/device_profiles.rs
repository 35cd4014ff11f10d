//! Device profile pages of an enterprise: the list of its profiles (product models) and the
//! form that creates or edits one, with its telemetry fields, attributes and commands as rows.
//!
//! The form works without JavaScript: "add a row" and "remove" are submit buttons that bring the
//! form back with the rows changed and nothing saved; blank rows are never saved. Saving goes
//! through the same `zhizao_devices` functions as the REST API, which do all the validation; the
//! form only turns its rows into a `ProfileInput`, remembers which form row each saved entry came
//! from, and shows each error beside the row and field it names. A profile's pages live under
//! `/device-profiles`, apart from `/devices/{name}`, so no device or profile name can hide a page.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use zhizao_core::{Classified, ErrorKind, FieldError, PageRequest};
use zhizao_devices::{AttributeSpec, CommandSpec, Profile, ProfileInput, TelemetrySpec};
use zhizao_identity::{Principal, policy};
use zhizao_telemetry::schema::FieldType;

use super::{
    FormErrors, Layout, OrPage, PageContext, PageError, PageForm, Pager, SignedIn, render,
};
use crate::AppState;
use crate::api::devices::parse_field_type;
use crate::i18n::Tr;
use crate::pages::FormFields;
use crate::pages::Submit;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/device-profiles", get(list))
        .route("/device-profiles/new", get(new_form).post(create))
        .route("/device-profiles/{name}/edit", get(edit_form).post(update))
        .route("/device-profiles/{name}/delete", post(delete))
}

/// A name as one path segment (a space is `%20` in a path; `+` would stay a plus).
fn path_segment(name: &str) -> String {
    form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// The path of a profile's page.
fn profile_path(name: &str) -> String {
    format!("/device-profiles/{}/edit", path_segment(name))
}

/// The telemetry field types the store supports, in the order the form offers them.
const FIELD_TYPES: [FieldType; 5] = [
    FieldType::Float,
    FieldType::Integer,
    FieldType::UInteger,
    FieldType::String,
    FieldType::Boolean,
];

fn type_label(field_type: FieldType, t: Tr) -> &'static str {
    match field_type {
        FieldType::Float => t.type_float(),
        FieldType::Integer => t.type_integer(),
        FieldType::UInteger => t.type_unsigned(),
        FieldType::String => t.type_string(),
        FieldType::Boolean => t.type_boolean(),
    }
}

#[derive(Deserialize, Default)]
struct ListQuery {
    page: Option<u32>,
}

struct ProfileRow {
    name: String,
    path: String,
    description: String,
    table_name: String,
    /// Each telemetry field as `name`, what people call it, type and unit.
    telemetry: Vec<(String, String, &'static str, String)>,
    n_attributes: usize,
    n_commands: usize,
    n_devices: i64,
    updated: String,
}

#[derive(Template)]
#[template(path = "devices/profiles.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<ProfileRow>,
    total: i64,
    pager: Pager,
}

async fn list(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response, Response> {
    let page = state
        .devices()
        .list_profiles(&principal, PageRequest::new(query.page.unwrap_or(1), 50))
        .await
        .or_page(&context)?;
    let t = context.t();
    let pager = Pager::new(&context.uri, &page);
    let rows = page
        .items
        .into_iter()
        .map(|p| ProfileRow {
            path: profile_path(&p.name),
            telemetry: p
                .telemetry
                .into_iter()
                .map(|f| (f.name, f.label, type_label(f.field_type, t), f.unit))
                .collect(),
            n_attributes: p.attributes.len(),
            n_commands: p.commands.len(),
            n_devices: p.device_count,
            updated: p.updated_at.to_shanghai_string(),
            name: p.name,
            description: p.description,
            table_name: p.table_name,
        })
        .collect();
    Ok(render(&ListPage {
        layout: context.layout("devices"),
        rows,
        total: page.total,
        pager,
    }))
}

/// The form's three kinds of rows; `key` is also the field the domain's errors name
/// (`telemetry[2].name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Telemetry,
    Attributes,
    Commands,
}

impl Section {
    const ALL: [Section; 3] = [Section::Telemetry, Section::Attributes, Section::Commands];

    fn key(self) -> &'static str {
        match self {
            Section::Telemetry => "telemetry",
            Section::Attributes => "attributes",
            Section::Commands => "commands",
        }
    }

    /// The prefix of the row's form fields: `t0_name`, `a0_label`, `c0_params`.
    fn prefix(self) -> &'static str {
        match self {
            Section::Telemetry => "t",
            Section::Attributes => "a",
            Section::Commands => "c",
        }
    }

    /// Blank rows a freshly opened form offers beyond those already defined.
    fn spare_rows(self) -> usize {
        match self {
            Section::Telemetry => 3,
            Section::Attributes | Section::Commands => 1,
        }
    }

    fn parse(key: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// At most this many rows of one kind are read from a submitted form.
const MAX_ROWS: usize = 500;

/// One row of the form as typed; a section uses the cells it has (attributes have no type,
/// unit or parameters).
#[derive(Debug, Clone, Default)]
struct SpecRow {
    name: String,
    field_type: String,
    unit: String,
    label: String,
    /// A command's parameter names, comma-separated.
    params: String,
    /// This row's problems by cell (`name`, `type`…), in the page's language.
    errors: Vec<(String, String)>,
}

impl SpecRow {
    fn blank(section: Section) -> Self {
        SpecRow {
            field_type: if section == Section::Telemetry {
                FieldType::Float.name().to_owned()
            } else {
                String::new()
            },
            ..SpecRow::default()
        }
    }

    fn is_blank(&self) -> bool {
        [&self.name, &self.unit, &self.label, &self.params]
            .iter()
            .all(|cell| cell.trim().is_empty())
    }

    /// The message for one cell, empty if none.
    fn error(&self, cell: &str) -> String {
        self.errors
            .iter()
            .filter(|(c, _)| c == cell)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Messages about the row as a whole rather than one of its cells.
    fn row_error(&self) -> String {
        self.errors
            .iter()
            .filter(|(c, _)| !["name", "type", "unit", "label", "params"].contains(&c.as_str()))
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The form's values as typed.
#[derive(Debug, Clone, Default)]
struct ProfileFields {
    name: String,
    version: String,
    description: String,
    table_name: String,
    telemetry: Vec<SpecRow>,
    attributes: Vec<SpecRow>,
    commands: Vec<SpecRow>,
}

/// What a submission asks for besides saving.
enum Intent {
    Save,
    AddRow(Section),
    RemoveRow(Section, usize),
}

/// For each entry the service receives, the form row it came from (blank rows are skipped), so
/// the service's `telemetry[n]` errors land on the row the user typed.
#[derive(Debug, Default)]
struct RowsOfEntries(HashMap<&'static str, Vec<usize>>);

impl ProfileFields {
    fn from_form(form: &FormFields) -> (Self, Intent) {
        let get = |name: &str| form.get(name).to_owned();
        let rows = |section: Section| {
            let prefix = section.prefix();
            (0..MAX_ROWS)
                .map_while(|index| {
                    let cell = |cell: &str| form.find(&format!("{prefix}{index}_{cell}"));
                    cell("name")?;
                    let text = |cell_name: &str| cell(cell_name).unwrap_or("").to_owned();
                    Some(SpecRow {
                        name: text("name"),
                        field_type: text("type"),
                        unit: text("unit"),
                        label: text("label"),
                        params: text("params"),
                        errors: Vec::new(),
                    })
                })
                .collect::<Vec<_>>()
        };
        let intent = if let Some(section) = form.find("add").and_then(Section::parse) {
            Intent::AddRow(section)
        } else if let Some((section, index)) = form
            .find("remove")
            .and_then(|r| r.split_once('.'))
            .and_then(|(s, i)| Some((Section::parse(s)?, i.parse().ok()?)))
        {
            Intent::RemoveRow(section, index)
        } else {
            Intent::Save
        };
        let fields = ProfileFields {
            name: get("name"),
            version: get("version"),
            description: get("description"),
            table_name: get("table_name"),
            telemetry: rows(Section::Telemetry),
            attributes: rows(Section::Attributes),
            commands: rows(Section::Commands),
        };
        (fields, intent)
    }

    fn from_profile(profile: &Profile) -> Self {
        ProfileFields {
            name: profile.name.clone(),
            version: profile.version.to_string(),
            description: profile.description.clone(),
            table_name: profile.table_name.clone(),
            telemetry: profile
                .telemetry
                .iter()
                .map(|f| SpecRow {
                    name: f.name.clone(),
                    field_type: f.field_type.name().to_owned(),
                    unit: f.unit.clone(),
                    label: f.label.clone(),
                    ..SpecRow::default()
                })
                .collect(),
            attributes: profile
                .attributes
                .iter()
                .map(|a| SpecRow {
                    name: a.name.clone(),
                    label: a.label.clone(),
                    ..SpecRow::default()
                })
                .collect(),
            commands: profile
                .commands
                .iter()
                .map(|c| SpecRow {
                    name: c.name.clone(),
                    label: c.label.clone(),
                    params: c.params.join(", "),
                    ..SpecRow::default()
                })
                .collect(),
        }
    }

    fn rows_mut(&mut self, section: Section) -> &mut Vec<SpecRow> {
        match section {
            Section::Telemetry => &mut self.telemetry,
            Section::Attributes => &mut self.attributes,
            Section::Commands => &mut self.commands,
        }
    }

    /// Adds the blank rows a freshly opened form offers.
    fn with_spare_rows(mut self) -> Self {
        for section in Section::ALL {
            let rows = self.rows_mut(section);
            rows.extend(std::iter::repeat_n(
                SpecRow::blank(section),
                section.spare_rows(),
            ));
        }
        self
    }

    /// Applies "add a row" or "remove"; returns whether the submission was only that.
    fn apply(&mut self, intent: &Intent) -> bool {
        match *intent {
            Intent::Save => false,
            Intent::AddRow(section) => {
                let rows = self.rows_mut(section);
                if rows.len() < MAX_ROWS {
                    rows.push(SpecRow::blank(section));
                }
                true
            }
            Intent::RemoveRow(section, index) => {
                let rows = self.rows_mut(section);
                if index < rows.len() {
                    rows.remove(index);
                }
                true
            }
        }
    }

    /// The input for the service, skipping blank rows; a type the store does not know is
    /// named by its row (only a tampered form sends one: the form offers a list).
    fn input(&self) -> (ProfileInput, RowsOfEntries, Vec<FieldError>) {
        let mut rows_of = RowsOfEntries::default();
        let mut errors = Vec::new();
        let mut kept = |section: Section, rows: &[SpecRow]| {
            let kept: Vec<(usize, SpecRow)> = rows
                .iter()
                .enumerate()
                .filter(|(_, row)| !row.is_blank())
                .map(|(index, row)| (index, row.clone()))
                .collect();
            rows_of
                .0
                .insert(section.key(), kept.iter().map(|(i, _)| *i).collect());
            kept.into_iter().map(|(_, row)| row).collect::<Vec<_>>()
        };
        let telemetry_rows = kept(Section::Telemetry, &self.telemetry);
        let attribute_rows = kept(Section::Attributes, &self.attributes);
        let command_rows = kept(Section::Commands, &self.commands);
        let mut telemetry = Vec::with_capacity(telemetry_rows.len());
        for (position, row) in telemetry_rows.into_iter().enumerate() {
            match parse_field_type(position, row.field_type.trim()) {
                Ok(field_type) => telemetry.push(TelemetrySpec {
                    name: row.name.trim().to_owned(),
                    field_type,
                    unit: row.unit.trim().to_owned(),
                    label: row.label.trim().to_owned(),
                }),
                Err(error) => errors.push(error),
            }
        }
        let input = ProfileInput {
            name: self.name.clone(),
            description: self.description.clone(),
            table_name: self.table_name.clone(),
            telemetry,
            attributes: attribute_rows
                .into_iter()
                .map(|row| AttributeSpec {
                    name: row.name.trim().to_owned(),
                    label: row.label.trim().to_owned(),
                })
                .collect(),
            commands: command_rows
                .into_iter()
                .map(|row| CommandSpec {
                    name: row.name.trim().to_owned(),
                    label: row.label.trim().to_owned(),
                    params: row
                        .params
                        .split([',', '，', '、'])
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(str::to_owned)
                        .collect(),
                })
                .collect(),
        };
        (input, rows_of, errors)
    }

    /// Puts each error on the row and cell it names (`telemetry[2].name` is the third entry
    /// sent, which came from the row `rows_of` says); returns the errors about the profile
    /// itself.
    fn place_errors(
        &mut self,
        errors: &[FieldError],
        rows_of: &RowsOfEntries,
        t: Tr,
    ) -> FormErrors {
        let mut rest = Vec::new();
        for error in errors {
            let message = t.text(&error.message).to_owned();
            let on_row = error.field.split_once('[').and_then(|(key, tail)| {
                let (index, cell) = tail.split_once(']')?;
                let section = Section::parse(key)?;
                let row = *rows_of
                    .0
                    .get(section.key())?
                    .get(index.parse::<usize>().ok()?)?;
                Some((section, row, cell.trim_start_matches('.').to_owned()))
            });
            match on_row {
                Some((section, row, cell)) => {
                    if let Some(row) = self.rows_mut(section).get_mut(row) {
                        row.errors.push((cell, message));
                    }
                }
                None => rest.push((error.field.clone(), message)),
            }
        }
        FormErrors(rest)
    }

    fn has_row_errors(&self) -> bool {
        [&self.telemetry, &self.attributes, &self.commands]
            .iter()
            .any(|rows| rows.iter().any(|r| !r.errors.is_empty()))
    }
}

/// The profile being edited, as the form shows it beside the fields.
struct Existing {
    n_devices: i64,
    /// Its devices in the device list.
    devices_link: String,
    delete_action: String,
}

#[derive(Template)]
#[template(path = "devices/profile_form.html")]
struct FormPage {
    layout: Layout,
    heading: String,
    /// The profile's name beside the heading (a code the user typed).
    heading_code: String,
    action: String,
    /// `None` while creating.
    existing: Option<Existing>,
    v: ProfileFields,
    types: Vec<(&'static str, &'static str)>,
    errors: FormErrors,
    /// Whether a field or row has an error (the notice at the top says to look for it).
    field_errors: bool,
    /// Errors the form shows at the top rather than beside a field.
    general_errors: Vec<String>,
}

fn form_page(
    context: &PageContext,
    existing: Option<&Profile>,
    v: ProfileFields,
    errors: FormErrors,
    status: StatusCode,
) -> Response {
    let t = context.t();
    // A stale version or a profile in use is about the whole form: said without a field name.
    let general_errors = errors
        .0
        .iter()
        .filter(|(field, _)| !["name", "description", "table_name"].contains(&field.as_str()))
        .map(|(field, message)| match field.as_str() {
            "version" | "devices" => message.clone(),
            _ => format!("{field}: {message}"),
        })
        .collect();
    let (heading, heading_code, action) = match existing {
        Some(profile) => (
            t.edit_profile().to_owned(),
            profile.name.clone(),
            profile_path(&profile.name),
        ),
        None => (
            t.new_profile().to_owned(),
            String::new(),
            "/device-profiles/new".to_owned(),
        ),
    };
    let page = FormPage {
        layout: context.layout("devices"),
        heading,
        heading_code,
        action,
        existing: existing.map(|p| Existing {
            n_devices: p.device_count,
            devices_link: format!(
                "/devices?profile={}",
                form_urlencoded::byte_serialize(p.name.as_bytes()).collect::<String>()
            ),
            delete_action: format!("/device-profiles/{}/delete", path_segment(&p.name)),
        }),
        field_errors: v.has_row_errors()
            || ["name", "description", "table_name"]
                .iter()
                .any(|field| errors.has(field)),
        v,
        types: FIELD_TYPES
            .into_iter()
            .map(|f| (f.name(), type_label(f, t)))
            .collect(),
        errors,
        general_errors,
    };
    (status, render(&page)).into_response()
}

/// Only an enterprise's accounts have profiles; everyone else gets what `/devices` gives them.
fn require_enterprise(context: &PageContext, principal: &Principal) -> Result<(), Response> {
    match policy::telemetry_tenant(principal) {
        Some(_) => Ok(()),
        None => Err(PageError::Forbidden.render(context)),
    }
}

async fn new_form(SignedIn(context, principal): SignedIn) -> Result<Response, Response> {
    require_enterprise(&context, &principal)?;
    Ok(form_page(
        &context,
        None,
        ProfileFields::default().with_spare_rows(),
        FormErrors::default(),
        StatusCode::OK,
    ))
}

/// A refusal from the service as the form shows it: field errors on their rows, a taken name
/// beside the name, a stale version or a profile still in use at the top. `None` for failures
/// that are not the user's to fix on this form.
fn refusal(
    error: &zhizao_devices::Error,
    v: &mut ProfileFields,
    rows_of: &RowsOfEntries,
    t: Tr,
) -> Option<(FormErrors, StatusCode)> {
    use zhizao_devices::Error;
    match error {
        Error::Invalid(fields) => Some((
            v.place_errors(fields, rows_of, t),
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        Error::Duplicate { .. } => Some((
            FormErrors(vec![("name".into(), t.name_taken().to_owned())]),
            StatusCode::CONFLICT,
        )),
        Error::StaleVersion { .. } => Some((
            FormErrors(vec![("version".into(), t.version_conflict().to_owned())]),
            StatusCode::CONFLICT,
        )),
        Error::InUse { devices, .. } => Some((
            FormErrors(vec![(
                "devices".into(),
                format!("{}{devices}", t.profile_in_use()),
            )]),
            StatusCode::CONFLICT,
        )),
        _ => None,
    }
}

async fn create(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    require_enterprise(&context, &principal)?;
    let t = context.t();
    let (values, intent) = ProfileFields::from_form(&fields);
    let (mut values, input, rows_of) = submitted(&context, None, values, &intent)?;
    match state.devices().create_profile(&principal, &input).await {
        Ok(_) => Ok(Redirect::to("/device-profiles?notice=saved").into_response()),
        Err(error) => match refusal(&error, &mut values, &rows_of, t) {
            Some((errors, status)) => Ok(form_page(&context, None, values, errors, status)),
            None => Err(PageError::from(error).render(&context)),
        },
    }
}

/// What both the new-profile and the edit form do with a submission before saving it: a row
/// added or removed redraws the form (saving nothing); rows that do not check out redraw it
/// with 422 and each error beside its row. Otherwise the input to save, and which form row each
/// of its entries came from.
fn submitted(
    context: &PageContext,
    existing: Option<&Profile>,
    mut values: ProfileFields,
    intent: &Intent,
) -> Result<(ProfileFields, ProfileInput, RowsOfEntries), Response> {
    if values.apply(intent) {
        return Err(form_page(
            context,
            existing,
            values,
            FormErrors::default(),
            StatusCode::OK,
        ));
    }
    let (input, rows_of, errors) = values.input();
    if !errors.is_empty() {
        let errors = values.place_errors(&errors, &rows_of, context.t());
        return Err(form_page(
            context,
            existing,
            values,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    Ok((values, input, rows_of))
}

async fn edit_form(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(name): Path<String>,
) -> Result<Response, Response> {
    let profile = state
        .devices()
        .profile(&principal, &name)
        .await
        .or_page(&context)?;
    Ok(form_page(
        &context,
        Some(&profile),
        ProfileFields::from_profile(&profile).with_spare_rows(),
        FormErrors::default(),
        StatusCode::OK,
    ))
}

async fn update(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(name): Path<String>,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    // Another enterprise's profile does not exist here, whatever the form holds.
    let devices = state.devices();
    let profile = devices.profile(&principal, &name).await.or_page(&context)?;
    let t = context.t();
    let (mut values, intent) = ProfileFields::from_form(&fields);
    values.name = profile.name.clone();
    let (mut values, input, rows_of) = submitted(&context, Some(&profile), values, &intent)?;
    // A missing or garbled version cannot match any stored one, so it is refused as stale.
    let version = values.version.trim().parse::<i64>().unwrap_or(-1);
    match devices
        .update_profile(&principal, &name, &input, Some(version))
        .await
    {
        Ok(_) => Ok(Redirect::to("/device-profiles?notice=saved").into_response()),
        Err(error) if error.kind() != ErrorKind::NotFound => {
            match refusal(&error, &mut values, &rows_of, t) {
                Some((errors, status)) => {
                    Ok(form_page(&context, Some(&profile), values, errors, status))
                }
                None => Err(PageError::from(error).render(&context)),
            }
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

async fn delete(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(name): Path<String>,
    _: PageForm<Submit>,
) -> Result<Response, Response> {
    let devices = state.devices();
    let t = context.t();
    match devices.delete_profile(&principal, &name).await {
        Ok(()) => Ok(Redirect::to(&format!(
            "/device-profiles?notice={}",
            form_urlencoded::byte_serialize(t.profile_deleted().as_bytes()).collect::<String>()
        ))
        .into_response()),
        Err(error @ zhizao_devices::Error::InUse { .. }) => {
            let profile = devices.profile(&principal, &name).await.or_page(&context)?;
            let mut values = ProfileFields::from_profile(&profile).with_spare_rows();
            let (errors, status) = refusal(&error, &mut values, &RowsOfEntries::default(), t)
                .unwrap_or((FormErrors::default(), StatusCode::CONFLICT));
            Ok(form_page(&context, Some(&profile), values, errors, status))
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_rows_are_skipped_and_errors_land_on_the_row_typed() {
        let (mut fields, intent) = ProfileFields::from_form(&FormFields::from_pairs(&[
            ("name", "cnc"),
            ("t0_name", "temperature"),
            ("t0_type", "float"),
            ("t1_name", ""),
            ("t1_type", "float"),
            ("t2_name", "_bad"),
            ("t2_type", "integer"),
            ("c0_name", "setSpeed"),
            ("c0_params", "rpm，ramp, "),
        ]));
        assert!(matches!(intent, Intent::Save));
        let (input, rows_of, errors) = fields.input();
        assert!(errors.is_empty());
        assert_eq!(input.telemetry.len(), 2, "the blank row is not sent");
        assert_eq!(input.commands[0].params, ["rpm", "ramp"]);
        let error = FieldError::new(
            "telemetry[1].name",
            zhizao_core::Text::new("名称无效", "bad name"),
        );
        let rest = fields.place_errors(&[error], &rows_of, Tr(zhizao_core::Language::En));
        assert!(rest.is_empty());
        assert_eq!(fields.telemetry[2].error("name"), "bad name");
        assert!(fields.telemetry[1].errors.is_empty());
    }

    #[test]
    fn add_and_remove_change_rows_without_saving() {
        let (mut fields, intent) = ProfileFields::from_form(&FormFields::from_pairs(&[
            ("a0_name", "firmware"),
            ("a1_name", "location"),
            ("remove", "attributes.0"),
        ]));
        assert!(fields.apply(&intent));
        assert_eq!(fields.attributes.len(), 1);
        assert_eq!(fields.attributes[0].name, "location");
        let (mut fields, intent) = ProfileFields::from_form(&FormFields::from_pairs(&[
            ("t0_name", "x"),
            ("add", "telemetry"),
        ]));
        assert!(fields.apply(&intent));
        assert_eq!(fields.telemetry.len(), 2);
        assert_eq!(fields.telemetry[1].field_type, "float");
    }
}
