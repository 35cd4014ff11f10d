//! The enterprise form: registering and editing (only the fields the caller may change are open),
//! and deleting.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhizao_core::{Classified, Fen, FieldError};
use zhizao_identity::policy::{self, EnterpriseEditRights};
use zhizao_registry::{Enterprise, EnterpriseInput, RecognitionInput};

use super::{class_options, kind_options, level_options, town_options};
use crate::AppState;
use crate::i18n::{Tr, both};
use crate::pages::FormFields;
use crate::pages::{
    FormErrors, Layout, OrPage, PageContext, PageError, PageForm, SignedIn, render,
};

/// One input of the enterprise form.
pub(super) struct FormField {
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    value: String,
    options: Vec<(String, String)>,
    editable: bool,
    required: bool,
    hint: String,
}

/// A recognition row of the form.
#[derive(Debug, Clone, Default)]
pub(super) struct RecognitionRow {
    kind: String,
    level: String,
    year: String,
    title: String,
}

/// The form's values as strings, from an enterprise or from a submission.
#[derive(Debug, Clone, Default)]
pub(super) struct FormValues {
    credit_code: String,
    name: String,
    legal_representative: String,
    town_code: String,
    industry_code: String,
    above_designated_size: String,
    employees: String,
    annual_revenue_yuan: String,
    address: String,
    contact_name: String,
    contact_phone: String,
    contact_email: String,
    established_on: String,
    recognitions: Vec<RecognitionRow>,
    version: String,
}

/// Blank recognition rows offered for new awards.
pub(super) const BLANK_RECOGNITION_ROWS: usize = 3;

impl FormValues {
    fn from_enterprise(e: &Enterprise) -> Self {
        let mut recognitions: Vec<RecognitionRow> = e
            .recognitions
            .iter()
            .map(|r| RecognitionRow {
                kind: r.kind.as_str().to_owned(),
                level: r.level.as_str().to_owned(),
                year: r.year.to_string(),
                title: r.title.clone(),
            })
            .collect();
        recognitions.extend(std::iter::repeat_n(
            RecognitionRow::default(),
            BLANK_RECOGNITION_ROWS,
        ));
        FormValues {
            credit_code: e.credit_code.clone(),
            name: e.name.clone(),
            legal_representative: e.legal_representative.clone(),
            town_code: e.town_code.clone(),
            industry_code: e.industry_code.clone(),
            above_designated_size: if e.above_designated_size {
                "true"
            } else {
                "false"
            }
            .to_owned(),
            employees: e.employees.map(|n| n.to_string()).unwrap_or_default(),
            annual_revenue_yuan: e
                .annual_revenue_fen
                .map(|f| f.to_plain_yuan_string())
                .unwrap_or_default(),
            address: e.address.clone(),
            contact_name: e.contact_name.clone(),
            contact_phone: e.contact_phone.clone(),
            contact_email: e.contact_email.clone(),
            established_on: e.established_on.clone().unwrap_or_default(),
            recognitions,
            version: e.version.to_string(),
        }
    }

    fn blank() -> Self {
        FormValues {
            recognitions: vec![RecognitionRow::default(); BLANK_RECOGNITION_ROWS],
            ..FormValues::default()
        }
    }

    fn from_form(fields: &FormFields) -> Self {
        let get = |key: &str| fields.find(key).map(str::to_owned);
        let mut values = FormValues::blank();
        let mut rows = Vec::new();
        for index in 0..50 {
            let field = |name: &str| get(&format!("r{index}_{name}"));
            match (field("kind"), field("level"), field("year"), field("title")) {
                (None, None, None, None) => break,
                (kind, level, year, title) => rows.push(RecognitionRow {
                    kind: kind.unwrap_or_default(),
                    level: level.unwrap_or_default(),
                    year: year.unwrap_or_default(),
                    title: title.unwrap_or_default(),
                }),
            }
        }
        values.recognitions = rows;
        values.credit_code = get("credit_code").unwrap_or_default();
        values.name = get("name").unwrap_or_default();
        values.legal_representative = get("legal_representative").unwrap_or_default();
        values.town_code = get("town_code").unwrap_or_default();
        values.industry_code = get("industry_code").unwrap_or_default();
        values.above_designated_size = get("above_designated_size").unwrap_or_default();
        values.employees = get("employees").unwrap_or_default();
        values.annual_revenue_yuan = get("annual_revenue_yuan").unwrap_or_default();
        values.address = get("address").unwrap_or_default();
        values.contact_name = get("contact_name").unwrap_or_default();
        values.contact_phone = get("contact_phone").unwrap_or_default();
        values.contact_email = get("contact_email").unwrap_or_default();
        values.established_on = get("established_on").unwrap_or_default();
        values.version = get("version").unwrap_or_default();
        values
    }

    /// The submission as registry input: fields the form did not send (disabled inputs) stay
    /// unchanged; problems with numbers are reported like the registry's own.
    fn to_input(
        &self,
        fields: &FormFields,
        with_recognitions: bool,
    ) -> Result<EnterpriseInput, Vec<FieldError>> {
        let sent = |key: &str| fields.has(key);
        let text = |key: &str, value: &str| sent(key).then(|| value.to_owned());
        let mut errors = Vec::new();
        let employees = if sent("employees") {
            match self.employees.trim() {
                "" => Some(None),
                value => match value.replace([',', '，'], "").parse::<i64>() {
                    Ok(n) => Some(Some(n)),
                    Err(_) => {
                        errors.push(FieldError::new(
                            "employees",
                            both(Tr::whole_number_required),
                        ));
                        None
                    }
                },
            }
        } else {
            None
        };
        let revenue = if sent("annual_revenue_yuan") {
            match self.annual_revenue_yuan.trim() {
                "" => Some(None),
                value => match Fen::parse_yuan(value) {
                    Ok(fen) => Some(Some(fen)),
                    Err(error) => {
                        errors.push(FieldError::new("annual_revenue_fen", error.text()));
                        None
                    }
                },
            }
        } else {
            None
        };
        let recognitions = if with_recognitions {
            let mut list = Vec::new();
            for (index, row) in self.recognitions.iter().enumerate() {
                if row.kind.is_empty()
                    && row.level.is_empty()
                    && row.year.trim().is_empty()
                    && row.title.trim().is_empty()
                {
                    continue;
                }
                match row.year.trim().parse::<i64>() {
                    Ok(year) => list.push(RecognitionInput {
                        kind: row.kind.clone(),
                        level: row.level.clone(),
                        year,
                        title: row.title.clone(),
                    }),
                    Err(_) => errors.push(FieldError::new(
                        format!("recognitions[{index}].year"),
                        both(Tr::year_required),
                    )),
                }
            }
            Some(list)
        } else {
            None
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(EnterpriseInput {
            credit_code: text("credit_code", &self.credit_code),
            name: text("name", &self.name),
            legal_representative: text("legal_representative", &self.legal_representative),
            town: text("town_code", &self.town_code)
                .filter(|t| !t.is_empty())
                .or_else(|| sent("town_code").then(String::new)),
            industry_code: text("industry_code", &self.industry_code),
            above_designated_size: if sent("above_designated_size") {
                match self.above_designated_size.as_str() {
                    "true" => Some(true),
                    "false" => Some(false),
                    _ => None,
                }
            } else {
                None
            },
            employees,
            annual_revenue_fen: revenue,
            address: text("address", &self.address),
            contact_name: text("contact_name", &self.contact_name),
            contact_phone: text("contact_phone", &self.contact_phone),
            contact_email: text("contact_email", &self.contact_email),
            established_on: sent("established_on")
                .then(|| Some(self.established_on.clone()).filter(|d| !d.trim().is_empty())),
            recognitions,
        })
    }
}

#[derive(Template)]
#[template(path = "enterprises/form.html")]
pub(super) struct FormPage {
    layout: Layout,
    heading: String,
    action: String,
    cancel: String,
    fields: Vec<FormField>,
    v: FormValues,
    errors: FormErrors,
    general_errors: Vec<String>,
    recognitions_editable: bool,
    kinds: Vec<(&'static str, String)>,
    levels: Vec<(&'static str, String)>,
}

pub(super) const SHOWN_FIELDS: &[&str] = &[
    "credit_code",
    "name",
    "legal_representative",
    "town_code",
    "industry_code",
    "above_designated_size",
    "employees",
    "annual_revenue_fen",
    "established_on",
    "address",
    "contact_name",
    "contact_phone",
    "contact_email",
    "recognitions",
];

pub(super) async fn form_page(
    state: &AppState,
    context: &PageContext,
    creating: bool,
    values: FormValues,
    rights: EnterpriseEditRights,
    errors: FormErrors,
) -> Result<Response, Response> {
    let t = context.t();
    let towns = town_options(state, t, false).await.or_page(context)?;
    let classes = class_options(state, t).await.or_page(context)?;
    let yes_no = vec![
        ("true".to_owned(), t.above_designated().to_owned()),
        ("false".to_owned(), t.below_designated().to_owned()),
    ];
    let field = |name: &'static str,
                 label: &'static str,
                 kind: &'static str,
                 value: &str,
                 editable: bool,
                 required: bool| FormField {
        name,
        label,
        kind,
        value: value.to_owned(),
        options: Vec::new(),
        editable,
        required,
        hint: String::new(),
    };
    let identity = creating || rights.identity;
    let mut fields = vec![
        field(
            "credit_code",
            t.credit_code(),
            "text",
            &values.credit_code,
            creating,
            true,
        ),
        field(
            "name",
            t.enterprise_name(),
            "text",
            &values.name,
            identity,
            true,
        ),
        field(
            "legal_representative",
            t.legal_representative(),
            "text",
            &values.legal_representative,
            identity,
            true,
        ),
        FormField {
            options: towns,
            ..field(
                "town_code",
                t.town(),
                "select",
                &values.town_code,
                identity,
                true,
            )
        },
        FormField {
            options: classes,
            ..field(
                "industry_code",
                t.industry_code(),
                "select",
                &values.industry_code,
                identity,
                true,
            )
        },
        FormField {
            options: yes_no,
            ..field(
                "above_designated_size",
                t.size(),
                "select",
                &values.above_designated_size,
                creating || rights.size_flag,
                true,
            )
        },
        field(
            "employees",
            t.employees(),
            "number",
            &values.employees,
            creating || rights.figures,
            false,
        ),
        field(
            "annual_revenue_yuan",
            t.annual_revenue(),
            "text",
            &values.annual_revenue_yuan,
            creating || rights.figures,
            false,
        ),
        field(
            "established_on",
            t.established_on(),
            "date",
            &values.established_on,
            identity,
            false,
        ),
        field(
            "address",
            t.address(),
            "text",
            &values.address,
            creating || rights.contacts,
            false,
        ),
        field(
            "contact_name",
            t.contact_name(),
            "text",
            &values.contact_name,
            creating || rights.contacts,
            false,
        ),
        field(
            "contact_phone",
            t.contact_phone(),
            "text",
            &values.contact_phone,
            creating || rights.contacts,
            false,
        ),
        field(
            "contact_email",
            t.contact_email(),
            "email",
            &values.contact_email,
            creating || rights.contacts,
            false,
        ),
    ];
    // The revenue input is in yuan; the registry reports its errors on the fen field.
    let mut errors = errors;
    for (field_name, _) in errors.0.iter_mut() {
        if field_name == "annual_revenue_fen" {
            *field_name = "annual_revenue_yuan".to_owned();
        }
    }
    for f in &mut fields {
        if f.name == "credit_code" && creating {
            f.hint = "GB 32100-2015".to_owned();
        }
    }
    let general_errors = errors.general(&[SHOWN_FIELDS, &["annual_revenue_yuan"]].concat());
    let (heading, action, cancel) = if creating {
        (
            t.new_enterprise().to_owned(),
            "/enterprises/new".to_owned(),
            "/enterprises".to_owned(),
        )
    } else {
        (
            format!("{} · {}", t.edit(), values.name),
            format!("/enterprises/{}/edit", values.credit_code),
            format!("/enterprises/{}", values.credit_code),
        )
    };
    let page = FormPage {
        layout: context.layout("enterprises"),
        heading,
        action,
        cancel,
        fields,
        recognitions_editable: rights.recognitions,
        kinds: kind_options(t),
        levels: level_options(t),
        general_errors,
        errors,
        v: values,
    };
    let status = if page.errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page)).into_response())
}

pub(super) async fn new_form(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
) -> Result<Response, Response> {
    if !policy::may_register_enterprises(&principal) {
        return Err(PageError::Forbidden.render(&context));
    }
    let rights = policy::enterprise_edit_rights(&principal);
    form_page(
        &state,
        &context,
        true,
        FormValues::blank(),
        rights,
        FormErrors::default(),
    )
    .await
}

pub(super) async fn create(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    let rights = policy::enterprise_edit_rights(&principal);
    let values = FormValues::from_form(&fields);
    let input = match values.to_input(&fields, rights.recognitions) {
        Ok(input) => input,
        Err(errors) => {
            return form_page(
                &state,
                &context,
                true,
                values,
                rights,
                FormErrors::from_fields(&errors, context.t()),
            )
            .await;
        }
    };
    match state.registry().create_enterprise(&principal, &input).await {
        Ok(enterprise) => Ok(Redirect::to(&format!(
            "/enterprises/{}?notice=saved",
            enterprise.credit_code
        ))
        .into_response()),
        Err(error) => {
            let field_errors = registry_field_errors(&error);
            if field_errors.is_empty() {
                return Err(PageError::from(error).render(&context));
            }
            form_page(
                &state,
                &context,
                true,
                values,
                rights,
                FormErrors::from_fields(&field_errors, context.t()),
            )
            .await
        }
    }
}

/// A registry error as form errors, if it is about the input.
pub(super) fn registry_field_errors(error: &zhizao_registry::Error) -> Vec<FieldError> {
    match error {
        zhizao_registry::Error::StaleVersion { .. } => {
            vec![FieldError::new("version", both(Tr::stale_record))]
        }
        other => other.field_errors(),
    }
}

pub(super) async fn edit_form(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, Response> {
    let enterprise = state
        .registry()
        .enterprise(&principal, &code)
        .await
        .or_page(&context)?;
    let rights = policy::enterprise_edit_rights(&principal);
    if !rights.any() {
        return Err(PageError::Forbidden.render(&context));
    }
    form_page(
        &state,
        &context,
        false,
        FormValues::from_enterprise(&enterprise),
        rights,
        FormErrors::default(),
    )
    .await
}

pub(super) async fn update(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    let current = state
        .registry()
        .enterprise(&principal, &code)
        .await
        .or_page(&context)?;
    let rights = policy::enterprise_edit_rights(&principal);
    let mut values = FormValues::from_form(&fields);
    values.credit_code = current.credit_code.clone();
    if values.name.is_empty() {
        values.name = current.name.clone();
    }
    let version = values.version.parse::<i64>().ok();
    let input = match values.to_input(&fields, rights.recognitions) {
        Ok(input) => input,
        Err(errors) => {
            return form_page(
                &state,
                &context,
                false,
                values,
                rights,
                FormErrors::from_fields(&errors, context.t()),
            )
            .await;
        }
    };
    match state
        .registry()
        .update_enterprise(&principal, &code, &input, version)
        .await
    {
        Ok(enterprise) => Ok(Redirect::to(&format!(
            "/enterprises/{}?notice=saved",
            enterprise.credit_code
        ))
        .into_response()),
        Err(error) => {
            let field_errors = registry_field_errors(&error);
            if field_errors.is_empty() {
                return Err(PageError::from(error).render(&context));
            }
            // Fill fields the form did not send (disabled for this role) from the record.
            let mut shown = FormValues::from_enterprise(&current);
            let submitted = values;
            shown.version = submitted.version.clone();
            for (key, _) in fields.iter() {
                match key {
                    "name" => shown.name = submitted.name.clone(),
                    "legal_representative" => {
                        shown.legal_representative = submitted.legal_representative.clone()
                    }
                    "town_code" => shown.town_code = submitted.town_code.clone(),
                    "industry_code" => shown.industry_code = submitted.industry_code.clone(),
                    "above_designated_size" => {
                        shown.above_designated_size = submitted.above_designated_size.clone()
                    }
                    "employees" => shown.employees = submitted.employees.clone(),
                    "annual_revenue_yuan" => {
                        shown.annual_revenue_yuan = submitted.annual_revenue_yuan.clone()
                    }
                    "address" => shown.address = submitted.address.clone(),
                    "contact_name" => shown.contact_name = submitted.contact_name.clone(),
                    "contact_phone" => shown.contact_phone = submitted.contact_phone.clone(),
                    "contact_email" => shown.contact_email = submitted.contact_email.clone(),
                    "established_on" => shown.established_on = submitted.established_on.clone(),
                    _ => {}
                }
            }
            if rights.recognitions {
                shown.recognitions = submitted.recognitions.clone();
            }
            form_page(
                &state,
                &context,
                false,
                shown,
                rights,
                FormErrors::from_fields(&field_errors, context.t()),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub(super) struct DeleteForm {
    version: Option<i64>,
}

pub(super) async fn delete(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    PageForm(form): PageForm<DeleteForm>,
) -> Result<Response, Response> {
    state
        .registry()
        .delete_enterprise(&principal, &code, form.version)
        .await
        .or_page(&context)?;
    Ok(Redirect::to("/enterprises?notice=saved").into_response())
}
