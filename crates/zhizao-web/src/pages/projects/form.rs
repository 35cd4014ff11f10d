//! The application form: the project, its expected outcomes and its investment line items as rows,
//! saved as a draft through the same service as the API, each error beside its field.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhizao_core::{Classified, Fen};
use zhizao_identity::{Principal, policy};
use zhizao_projects::rules::Category;
use zhizao_projects::{ApplicationDetail, ApplicationInput, ItemInput, UpgradeType};

use super::{fields, form_errors, refusal_message};
use crate::AppState;
use crate::i18n::{Tr, both};
use crate::pages::FormFields;
use crate::pages::{
    FormErrors, Layout, OrPage, PageContext, PageError, PageForm, SignedIn, render,
};

/// An amount typed in yuan as fen; a wrongly written one is named by its field.
pub(super) fn parse_money(
    errors: &mut Vec<zhizao_core::FieldError>,
    field: String,
    text: &str,
) -> Option<Fen> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match Fen::parse_yuan(text) {
        Ok(fen) => Some(fen),
        Err(error) => {
            errors.push(zhizao_core::FieldError::new(field, error.text()));
            None
        }
    }
}

/// Blank item rows the form offers beyond those already filled.
pub(super) const SPARE_ITEM_ROWS: usize = 3;

/// One item row as the form shows it.
#[derive(Debug, Clone, Default)]
pub(super) struct ItemFields {
    category: String,
    name: String,
    model: String,
    quantity: String,
    unit_price: String,
    supplier: String,
    related_party: bool,
    invoice_number: String,
    invoice_date: String,
    /// This row's problems as (cell, message), in the page's language (filled when the page
    /// is shown).
    problems: Vec<(String, String)>,
    /// The same, each named by its column, as one line.
    error: String,
}

impl ItemFields {
    /// Nothing typed in the row (a spare row).
    fn is_blank(&self) -> bool {
        [
            &self.category,
            &self.name,
            &self.model,
            &self.quantity,
            &self.unit_price,
            &self.supplier,
            &self.invoice_number,
            &self.invoice_date,
        ]
        .iter()
        .all(|v| v.trim().is_empty())
            && !self.related_party
    }

    /// Whether `cell` has a problem (the template marks it).
    fn bad(&self, cell: &str) -> bool {
        self.problems.iter().any(|(c, _)| c == cell)
    }
}

/// The application form's values as typed.
#[derive(Debug, Clone, Default)]
pub(super) struct ApplicationFields {
    batch: String,
    version: String,
    project_name: String,
    upgrade_type: String,
    starts_on: String,
    ends_on: String,
    description: String,
    expected_output: String,
    efficiency: String,
    energy: String,
    items: Vec<ItemFields>,
    /// For each line item the service receives, the form row it came from (blank rows are
    /// skipped), so the service's `items[n]` errors land on the row the user typed.
    row_of_item: Vec<usize>,
}

impl ApplicationFields {
    fn from_form(fields: &FormFields) -> Self {
        let get = |name: &str| fields.get(name).to_owned();
        let mut items = Vec::new();
        for index in 0..zhizao_projects::MAX_ITEMS {
            let field = |name: &str| get(&format!("i{index}_{name}"));
            if !fields
                .iter()
                .any(|(key, _)| key.starts_with(&format!("i{index}_")))
            {
                break;
            }
            items.push(ItemFields {
                category: field("category"),
                name: field("name"),
                model: field("model"),
                quantity: field("quantity"),
                unit_price: field("unit_price"),
                supplier: field("supplier"),
                related_party: !field("related_party").is_empty(),
                invoice_number: field("invoice_number"),
                invoice_date: field("invoice_date"),
                problems: Vec::new(),
                error: String::new(),
            });
        }
        ApplicationFields {
            batch: get("batch"),
            version: get("version"),
            project_name: get("project_name"),
            upgrade_type: get("upgrade_type"),
            starts_on: get("starts_on"),
            ends_on: get("ends_on"),
            description: get("description"),
            expected_output: get("expected_output"),
            efficiency: get("efficiency"),
            energy: get("energy"),
            items,
            row_of_item: Vec::new(),
        }
    }

    fn from_detail(detail: &ApplicationDetail) -> Self {
        let a = &detail.application;
        ApplicationFields {
            batch: a.batch_code.clone(),
            version: a.version.to_string(),
            project_name: a.project_name.clone(),
            upgrade_type: a.upgrade_type.as_str().to_owned(),
            starts_on: a.starts_on.clone().unwrap_or_default(),
            ends_on: a.ends_on.clone().unwrap_or_default(),
            description: a.description.clone(),
            expected_output: a
                .expected_output_value_fen
                .map(|f| f.to_plain_yuan_string())
                .unwrap_or_default(),
            efficiency: a
                .expected_efficiency_gain_percent
                .map(|v| v.to_string())
                .unwrap_or_default(),
            energy: a
                .expected_energy_saving_tce
                .map(|v| v.to_string())
                .unwrap_or_default(),
            row_of_item: Vec::new(),
            items: detail
                .items
                .iter()
                .map(|i| ItemFields {
                    category: i.category.as_str().to_owned(),
                    name: i.name.clone(),
                    model: i.model.clone(),
                    quantity: i.quantity.to_string(),
                    unit_price: i.unit_price_fen.to_plain_yuan_string(),
                    supplier: i.supplier.clone(),
                    related_party: i.related_party,
                    invoice_number: i.invoice_number.clone(),
                    invoice_date: i.invoice_date.clone().unwrap_or_default(),
                    problems: Vec::new(),
                    error: String::new(),
                })
                .collect(),
        }
    }

    /// The input for the service, and the values it could not read: amounts typed in yuan are
    /// turned into fen here, and a wrongly written number is named by its field and left out
    /// of the input (so the service can still find every other problem at once).
    fn take_input(&mut self) -> (ApplicationInput, Vec<zhizao_core::FieldError>) {
        let mut errors = Vec::new();
        let expected_output_value_fen = parse_money(
            &mut errors,
            "expected_output_value_fen".into(),
            &self.expected_output,
        );
        let mut items = Vec::new();
        for (index, item) in self.items.iter().enumerate() {
            let blank = item.name.trim().is_empty()
                && item.quantity.trim().is_empty()
                && item.unit_price.trim().is_empty()
                && item.category.trim().is_empty();
            if blank {
                continue;
            }
            let position = index;
            self.row_of_item.push(index);
            let unit_price_fen = parse_money(
                &mut errors,
                format!("items[{position}].unit_price_fen"),
                &item.unit_price,
            );
            let quantity = if item.quantity.trim().is_empty() {
                None
            } else {
                match item.quantity.trim().parse::<i64>() {
                    Ok(q) => Some(q),
                    Err(_) => {
                        errors.push(zhizao_core::FieldError::new(
                            format!("items[{position}].quantity"),
                            both(Tr::must_be_whole_number),
                        ));
                        None
                    }
                }
            };
            let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
            items.push(ItemInput {
                category: text(&item.category),
                name: text(&item.name),
                model: text(&item.model),
                quantity,
                unit_price_fen,
                supplier: text(&item.supplier),
                related_party: Some(item.related_party),
                invoice_number: text(&item.invoice_number),
                invoice_date: text(&item.invoice_date),
            });
        }
        let whole = |errors: &mut Vec<zhizao_core::FieldError>, field: &str, value: &str| {
            let value = value.trim();
            if value.is_empty() {
                return None;
            }
            value.parse::<i64>().ok().or_else(|| {
                errors.push(zhizao_core::FieldError::new(
                    field,
                    both(Tr::must_be_whole_number),
                ));
                None
            })
        };
        let efficiency = whole(
            &mut errors,
            "expected_efficiency_gain_percent",
            &self.efficiency,
        );
        let energy = whole(&mut errors, "expected_energy_saving_tce", &self.energy);
        let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let input = ApplicationInput {
            batch: text(&self.batch),
            project_name: text(&self.project_name),
            upgrade_type: text(&self.upgrade_type),
            starts_on: text(&self.starts_on),
            ends_on: text(&self.ends_on),
            description: text(&self.description),
            expected_output_value_fen,
            expected_efficiency_gain_percent: efficiency,
            expected_energy_saving_tce: energy,
            items,
        };
        (input, errors)
    }

    /// The input for the service, or every problem in it: those this form found reading the
    /// numbers and those the service finds in the rest.
    fn checked_input(
        &mut self,
        projects: &zhizao_projects::Projects,
    ) -> Result<ApplicationInput, Vec<zhizao_core::FieldError>> {
        let (input, mut errors) = self.take_input();
        if errors.is_empty() {
            return Ok(input);
        }
        // A value left out because it was unreadable is "required" to the service: say only
        // that it is unreadable.
        let unreadable: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
        errors.extend(
            projects
                .draft_problems(&input)
                .into_iter()
                .map(|mut e| {
                    e.field = on_form_row(&e.field, &self.row_of_item);
                    e
                })
                .filter(|e| !unreadable.contains(&e.field)),
        );
        Err(errors)
    }
}

#[derive(Template)]
#[template(path = "projects/form.html")]
pub(super) struct FormPage {
    layout: Layout,
    heading: String,
    action: String,
    v: ApplicationFields,
    batch_title: String,
    upgrade_types: Vec<(&'static str, String)>,
    categories: Vec<(&'static str, String)>,
    errors: FormErrors,
    general_errors: Vec<String>,
    /// Problems of the items as a whole (none, too many, total too large).
    items_error: String,
    /// The batch's project window, as a hint beside the dates.
    window_hint: String,
}

/// The batch an application goes into, as the form names it.
pub(super) struct BatchHeading {
    title: String,
    window_hint: String,
}

impl BatchHeading {
    /// The batch `code` as `principal` may read it (its code alone if not).
    async fn of(state: &AppState, principal: &Principal, code: &str, t: Tr) -> Self {
        match state.projects().batch(principal, code).await {
            Ok(batch) => BatchHeading {
                window_hint: t.project_window_hint(&batch.projects_from, &batch.projects_until),
                title: batch.title,
            },
            Err(_) => BatchHeading {
                title: code.to_owned(),
                window_hint: String::new(),
            },
        }
    }
}

pub(super) fn form_page(
    context: &PageContext,
    heading: String,
    action: String,
    mut v: ApplicationFields,
    batch: BatchHeading,
    errors: FormErrors,
) -> Response {
    let t = context.t();
    // The spare rows a posted form came back with are offered again, not added to.
    while v.items.last().is_some_and(ItemFields::is_blank) {
        v.items.pop();
    }
    v.items
        .extend(std::iter::repeat_n(ItemFields::default(), SPARE_ITEM_ROWS));
    const SHOWN: [&str; 9] = [
        "project_name",
        "upgrade_type",
        "starts_on",
        "ends_on",
        "description",
        "expected_output_value_fen",
        "expected_efficiency_gain_percent",
        "expected_energy_saving_tce",
        "items",
    ];
    let general_errors = fields::labelled(
        &errors
            .0
            .iter()
            .filter(|(field, _)| {
                fields::item_cell(field).is_none() && !SHOWN.contains(&field.as_str())
            })
            .cloned()
            .collect::<Vec<_>>(),
        t,
    );
    for (field, message) in &errors.0 {
        if let Some((row, cell)) = fields::item_cell(field)
            && let Some(item) = v.items.get_mut(row)
        {
            item.problems.push((cell.to_owned(), message.clone()));
        }
    }
    for item in &mut v.items {
        item.error = item
            .problems
            .iter()
            .map(|(cell, message)| format!("{}{}{message}", fields::cell_label(cell, t), t.colon()))
            .collect::<Vec<_>>()
            .join(t.separator());
    }
    let items_error = errors
        .0
        .iter()
        .filter(|(field, _)| field == "items")
        .map(|(_, message)| message.as_str())
        .collect::<Vec<_>>()
        .join(t.separator());
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = FormPage {
        layout: context.layout("projects"),
        heading,
        action,
        v,
        batch_title: batch.title,
        window_hint: batch.window_hint,
        upgrade_types: UpgradeType::ALL
            .iter()
            .map(|u| (u.as_str(), t.text(&u.label()).to_owned()))
            .collect(),
        categories: Category::ALL
            .iter()
            .map(|c| (c.as_str(), t.text(&c.label()).to_owned()))
            .collect(),
        errors,
        general_errors,
        items_error,
    };
    (status, render(&page)).into_response()
}

#[derive(Deserialize)]
pub(super) struct NewQuery {
    #[serde(default)]
    batch: String,
}

pub(super) async fn new_form(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Query(query): Query<NewQuery>,
) -> Result<Response, Response> {
    if !policy::may_write_applications(&principal) {
        return Err(PageError::Forbidden.render(&context));
    }
    let batch = state
        .projects()
        .batch(&principal, &query.batch)
        .await
        .or_page(&context)?;
    let t = context.t();
    Ok(form_page(
        &context,
        t.new_application().to_owned(),
        "/projects/new".into(),
        ApplicationFields {
            batch: batch.code.clone(),
            ..ApplicationFields::default()
        },
        BatchHeading {
            window_hint: t.project_window_hint(&batch.projects_from, &batch.projects_until),
            title: batch.title,
        },
        FormErrors::default(),
    ))
}

/// A service's field `items[n]…` renamed to the form row the item came from.
fn on_form_row(field: &str, rows: &[usize]) -> String {
    if let Some(rest) = field.strip_prefix("items[")
        && let Some((index, tail)) = rest.split_once(']')
        && let Ok(index) = index.parse::<usize>()
        && let Some(row) = rows.get(index)
    {
        return format!("items[{row}]{tail}");
    }
    field.to_owned()
}

/// The service's errors with `items[n]` renamed to the form row the item came from.
pub(super) fn on_form_rows(mut errors: FormErrors, rows: &[usize]) -> FormErrors {
    for (field, _) in errors.0.iter_mut() {
        *field = on_form_row(field, rows);
    }
    errors
}

pub(super) async fn create(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let mut values = ApplicationFields::from_form(&fields);
    let heading = t.new_application().to_owned();
    let action = "/projects/new".to_owned();
    let errors = match values.checked_input(state.projects()) {
        Ok(input) => match state
            .projects()
            .create_application(&principal, &input)
            .await
        {
            Ok(detail) => {
                return Ok(Redirect::to(&format!(
                    "/projects/applications/{}?notice={}",
                    detail.application.number,
                    notice(t.draft_saved())
                ))
                .into_response());
            }
            Err(error) if refusal_message(&error, t).is_some() => {
                on_form_rows(form_errors(&error, t), &values.row_of_item)
            }
            Err(error) => return Err(PageError::from(error).render(&context)),
        },
        Err(errors) => FormErrors::from_fields(&errors, t),
    };
    let batch = BatchHeading::of(&state, &principal, &values.batch, t).await;
    Ok(form_page(&context, heading, action, values, batch, errors))
}

pub(super) async fn edit_form(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
) -> Result<Response, Response> {
    let detail = state
        .projects()
        .application(&principal, &number)
        .await
        .or_page(&context)?;
    if !policy::may_write_applications(&principal) || !detail.application.status.editable() {
        return Err(PageError::Forbidden.render(&context));
    }
    let batch = BatchHeading::of(
        &state,
        &principal,
        &detail.application.batch_code,
        context.t(),
    )
    .await;
    Ok(form_page(
        &context,
        format!("{} {}", context.t().edit_application(), number),
        format!("/projects/applications/{number}/edit"),
        ApplicationFields::from_detail(&detail),
        batch,
        FormErrors::default(),
    ))
}

pub(super) async fn update(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let mut values = ApplicationFields::from_form(&fields);
    let heading = format!("{} {}", t.edit_application(), number);
    let action = format!("/projects/applications/{number}/edit");
    let errors = match values.checked_input(state.projects()) {
        Ok(input) => {
            let version = values.version.parse::<i64>().unwrap_or(-1);
            match state
                .projects()
                .update_application(&principal, &number, &input, version)
                .await
            {
                Ok(_) => {
                    return Ok(Redirect::to(&format!(
                        "/projects/applications/{number}?notice={}",
                        notice(t.draft_saved())
                    ))
                    .into_response());
                }
                Err(error)
                    if error.kind() != zhizao_core::ErrorKind::NotFound
                        && refusal_message(&error, t).is_some() =>
                {
                    on_form_rows(form_errors(&error, t), &values.row_of_item)
                }
                Err(error) => return Err(PageError::from(error).render(&context)),
            }
        }
        Err(errors) => FormErrors::from_fields(&errors, t),
    };
    let batch = BatchHeading::of(&state, &principal, &values.batch, t).await;
    Ok(form_page(&context, heading, action, values, batch, errors))
}

pub(super) use crate::pages::notice_query as notice;
