//! Innovation vouchers' pages: the programmes (the city opens them), a programme's page — its
//! rules; an enterprise's quota or its application; the city's quotas, grants, claims to
//! review, payments to record and the ledger's sums by enterprise and platform; a platform's
//! vouchers on its contracts — and the ledger's entries. The voucher on one contract is on the
//! request's page (`service_requests`).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use zhizao_core::{Classified, Fen, FieldError};
use zhizao_identity::{Principal, policy};
use zhizao_services::{Account, Balances, ProgrammeInput, Quota, VoucherUse};

use super::{
    FormErrors, FormFields, Layout, OrPage, PageContext, PageError, PageForm, PageUpload, SignedIn,
    notice_query, render,
};
use crate::AppState;
use crate::i18n::{Tr, both_with};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/vouchers", get(list).post(open))
        .route("/vouchers/{code}", get(programme_page))
        .route("/vouchers/{code}/ledger", get(ledger_page))
        .route("/vouchers/{code}/{action}", post(programme_action))
        .route("/voucher-quotas/{id}/decide", post(decide))
        .route(
            "/voucher-uses/{id}/claim",
            post(claim).layer(axum::extract::DefaultBodyLimit::max(
                zhizao_services::request_files::MAX_FILE_BYTES + 256 * 1024,
            )),
        )
        .route("/voucher-uses/{id}/{action}", post(use_action))
        .route("/requests/{number}/voucher", post(use_voucher))
}

fn yuan(t: Tr, fen: i64) -> String {
    t.price_yuan(&Fen::new(fen).to_yuan_string())
}

/// A programme as a row or a page shows it.
struct ProgrammeView {
    code: String,
    year: i64,
    title: String,
    budget: String,
    share: String,
    cap: String,
    sectors: String,
    platforms: String,
    ends_on: String,
    open: bool,
    unallocated: String,
}

fn programme_view(t: Tr, p: &zhizao_services::Programme) -> ProgrammeView {
    let list = |codes: &[String]| {
        if codes.is_empty() {
            t.all_eligible().to_owned()
        } else {
            codes.join("、")
        }
    };
    ProgrammeView {
        code: p.code.clone(),
        year: p.year,
        title: p.title.clone(),
        budget: yuan(t, p.budget.get()),
        share: t.share_percent(p.share_bp),
        cap: yuan(t, p.cap_per_enterprise.get()),
        sectors: list(&p.sectors),
        platforms: list(&p.platforms),
        ends_on: p.ends_on.clone(),
        open: p.open,
        unallocated: yuan(t, p.unallocated.get()),
    }
}

#[derive(Template)]
#[template(path = "vouchers/list.html")]
struct ListPage {
    layout: Layout,
    programmes: Vec<ProgrammeView>,
    runs: bool,
    errors: FormErrors,
    sent: FormFields,
}

async fn list_view(
    state: &AppState,
    context: &PageContext,
    principal: &Principal,
    errors: Vec<FieldError>,
    sent: FormFields,
) -> Result<Response, Response> {
    let t = context.t();
    let programmes = state.services().programmes().await.or_page(context)?;
    let page = ListPage {
        layout: context.layout("vouchers"),
        programmes: programmes.iter().map(|p| programme_view(t, p)).collect(),
        runs: policy::may_run_voucher_programmes(principal),
        errors: FormErrors::from_fields(&errors, t),
        sent,
    };
    let status = if page.errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page)).into_response())
}

async fn list(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
) -> Result<Response, Response> {
    list_view(
        &state,
        &context,
        &principal,
        Vec::new(),
        FormFields::default(),
    )
    .await
}

/// Yuan typed into `field`, or the problem named by it.
fn yuan_field(form: &FormFields, field: &str, name: &str, label: &str) -> Result<Fen, FieldError> {
    let typed = form.get(field).trim().to_owned();
    Fen::parse_yuan(&typed).map_err(|_| {
        let label = label.to_owned();
        FieldError::new(name, both_with(move |t| t.field_not_number(&label, &typed)))
    })
}

fn codes(text: &str) -> Vec<String> {
    text.split([',', '，', '、', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

async fn open(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let mut errors = Vec::new();
    let budget = yuan_field(&form, "budget", "budget_fen", t.budget_yuan_label())
        .map_err(|e| errors.push(e))
        .unwrap_or_default();
    let cap = yuan_field(&form, "cap", "cap_per_enterprise_fen", t.cap_yuan_label())
        .map_err(|e| errors.push(e))
        .unwrap_or_default();
    if errors.is_empty() {
        let input = ProgrammeInput {
            code: form.get("code").trim().to_owned(),
            year: form.get("year").trim().parse().unwrap_or(0),
            title: form.get("title").trim().to_owned(),
            budget,
            share_bp: form.get("share_bp").trim().parse().unwrap_or(0),
            cap_per_enterprise: cap,
            sectors: codes(form.get("sectors")),
            platforms: codes(form.get("platforms")),
            ends_on: form.get("ends_on").trim().to_owned(),
        };
        match state.services().open_programme(&principal, &input).await {
            Ok(opened) => {
                return Ok(Redirect::to(&format!("/vouchers/{}", opened.code)).into_response());
            }
            Err(error) if !error.field_errors().is_empty() => errors = error.field_errors(),
            Err(error) => return Err(PageError::from(error).render(&context)),
        }
    }
    list_view(&state, &context, &principal, errors, form).await
}

/// A quota as the page shows it.
struct QuotaView {
    q: Quota,
    requested: String,
    granted: String,
    available: String,
    reserved: String,
    reimbursed: String,
    expired: String,
    status_label: String,
}

fn quota_view(t: Tr, q: Quota) -> QuotaView {
    QuotaView {
        requested: yuan(t, q.requested_fen),
        granted: yuan(t, q.granted_fen),
        available: yuan(t, q.available_fen),
        reserved: yuan(t, q.reserved_fen + q.claimed_fen),
        reimbursed: yuan(t, q.reimbursed_fen),
        expired: yuan(t, q.expired_fen),
        status_label: q
            .status
            .parse::<zhizao_services::vouchers::QuotaStatus>()
            .map_or(q.status.clone(), |s| t.text(&s.label()).to_owned()),
        q,
    }
}

/// A voucher as the page shows it.
struct UseView {
    u: VoucherUse,
    amount: String,
    status_label: String,
}

fn use_view(t: Tr, u: VoucherUse) -> UseView {
    UseView {
        amount: yuan(t, u.amount_fen),
        status_label: u
            .status
            .parse::<zhizao_services::UseStatus>()
            .map_or(u.status.clone(), |s| t.text(&s.label()).to_owned()),
        u,
    }
}

/// Balances as a row shows them: granted, available, reserved, redeemed, reimbursed, expired.
fn balance_row(t: Tr, b: &Balances) -> [String; 6] {
    [
        yuan(t, b.granted),
        yuan(t, b.of(Account::Available)),
        yuan(t, b.of(Account::Reserved) + b.of(Account::Claimed)),
        yuan(t, b.of(Account::Redeemed)),
        yuan(t, b.of(Account::Reimbursed)),
        yuan(t, b.of(Account::Expired)),
    ]
}

#[derive(Template)]
#[template(path = "vouchers/programme.html")]
struct ProgrammePage {
    layout: Layout,
    p: ProgrammeView,
    runs: bool,
    enterprise: bool,
    quotas: Vec<QuotaView>,
    uses: Vec<UseView>,
    claims: Vec<UseView>,
    to_pay: Vec<UseView>,
    totals: [String; 6],
    by_enterprise: Vec<(String, [String; 6])>,
    by_platform: Vec<(String, [String; 6])>,
    errors: FormErrors,
    sent: FormFields,
}

async fn programme_view_page(
    state: &AppState,
    context: &PageContext,
    principal: &Principal,
    code: &str,
    errors: Vec<FieldError>,
    sent: FormFields,
) -> Result<Response, Response> {
    let t = context.t();
    let services = state.services();
    let programme = services.programme(code).await.or_page(context)?;
    let quotas = services.quotas(principal, code).await.or_page(context)?;
    let uses = services
        .voucher_uses(principal, code, None)
        .await
        .or_page(context)?;
    let summary = services
        .ledger_summary(principal, code)
        .await
        .or_page(context)?;
    let runs = policy::may_run_voucher_programmes(principal);
    let by = |map: &std::collections::BTreeMap<String, Balances>| {
        map.iter()
            .map(|(code, b)| (code.clone(), balance_row(t, b)))
            .collect::<Vec<_>>()
    };
    let page = ProgrammePage {
        layout: context.layout("vouchers"),
        p: programme_view(t, &programme),
        runs,
        enterprise: policy::may_request_services(principal),
        claims: uses
            .iter()
            .filter(|u| runs && u.status == "claimed")
            .cloned()
            .map(|u| use_view(t, u))
            .collect(),
        to_pay: uses
            .iter()
            .filter(|u| runs && u.status == "redeemed")
            .cloned()
            .map(|u| use_view(t, u))
            .collect(),
        uses: uses.into_iter().map(|u| use_view(t, u)).collect(),
        quotas: quotas.into_iter().map(|q| quota_view(t, q)).collect(),
        totals: balance_row(t, &summary.programme),
        by_enterprise: if runs {
            by(&summary.enterprises)
        } else {
            Vec::new()
        },
        by_platform: by(&summary.platforms),
        errors: FormErrors::from_fields(&errors, t),
        sent,
    };
    let status = if page.errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page)).into_response())
}

async fn programme_page(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, Response> {
    programme_view_page(
        &state,
        &context,
        &principal,
        &code,
        Vec::new(),
        FormFields::default(),
    )
    .await
}

/// apply, grant, close.
async fn programme_action(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((code, action)): Path<(String, String)>,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let services = state.services();
    let done = match action.as_str() {
        "apply" => match yuan_field(&form, "amount", "amount_fen", t.quota_amount_yuan_label()) {
            Ok(amount) => services
                .apply_for_quota(&principal, &code, amount, form.get("purpose"))
                .await
                .map(|_| ()),
            Err(problem) => Err(zhizao_services::Error::Invalid(vec![problem])),
        },
        "grant" => match yuan_field(&form, "amount", "amount_fen", t.grant_yuan_label()) {
            Ok(amount) => services
                .grant_quota(&principal, &code, form.get("enterprise"), amount)
                .await
                .map(|_| ()),
            Err(problem) => Err(zhizao_services::Error::Invalid(vec![problem])),
        },
        "close" => services
            .close_programme(&principal, &code)
            .await
            .map(|_| ()),
        _ => return Err(PageError::NotFound.render(&context)),
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/vouchers/{code}")).into_response()),
        Err(error) if !error.field_errors().is_empty() => {
            programme_view_page(
                &state,
                &context,
                &principal,
                &code,
                error.field_errors(),
                form,
            )
            .await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

async fn decide(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let services = state.services();
    let quota = services.quota(&principal, id).await.or_page(&context)?;
    let expected = form.get("row_version").trim().parse().unwrap_or(0);
    let done = if form.has("refuse") {
        services
            .decide_quota(&principal, id, None, form.get("reason"), expected)
            .await
    } else {
        match yuan_field(&form, "amount", "amount_fen", t.grant_yuan_label()) {
            Ok(amount) => {
                services
                    .decide_quota(&principal, id, Some(amount), form.get("reason"), expected)
                    .await
            }
            Err(problem) => Err(zhizao_services::Error::Invalid(vec![problem])),
        }
    };
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/vouchers/{}", quota.programme)).into_response()),
        Err(error) if !error.field_errors().is_empty() => {
            programme_view_page(
                &state,
                &context,
                &principal,
                &quota.programme,
                error.field_errors(),
                form,
            )
            .await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

/// Where a voucher's step returns: the programme's page for the city, the request's for its
/// two sides.
fn back(principal: &Principal, u: &VoucherUse) -> String {
    if policy::may_run_voucher_programmes(principal) {
        format!("/vouchers/{}", u.programme)
    } else {
        format!("/requests/{}", u.request)
    }
}

/// release, approve, return, reimburse.
async fn use_action(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path((id, action)): Path<(i64, String)>,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let services = state.services();
    let current = services
        .voucher_use(&principal, id)
        .await
        .or_page(&context)?;
    let expected = form.get("row_version").trim().parse().unwrap_or(0);
    let done = match action.as_str() {
        "release" => services.release_voucher(&principal, id, expected).await,
        "approve" => {
            services
                .review_voucher(&principal, id, expected, true, form.get("note"))
                .await
        }
        "return" => {
            services
                .review_voucher(&principal, id, expected, false, form.get("note"))
                .await
        }
        "reimburse" => {
            services
                .reimburse_voucher(&principal, id, expected, form.get("payment_reference"))
                .await
        }
        _ => return Err(PageError::NotFound.render(&context)),
    };
    match done {
        Ok(done) => Ok(Redirect::to(&format!(
            "{}?notice={}",
            back(&principal, &done),
            notice_query(&t.voucher_done(&use_view(t, done.clone()).status_label))
        ))
        .into_response()),
        Err(error) if !error.field_errors().is_empty() => {
            if policy::may_run_voucher_programmes(&principal) {
                programme_view_page(
                    &state,
                    &context,
                    &principal,
                    &current.programme,
                    error.field_errors(),
                    form,
                )
                .await
            } else {
                super::service_requests::with_errors(
                    &state,
                    &context,
                    &principal,
                    &current.request,
                    error.field_errors(),
                    form,
                )
                .await
            }
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

async fn claim(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    PageUpload(upload): PageUpload,
) -> Result<Response, Response> {
    let t = context.t();
    let services = state.services();
    let current = services
        .voucher_use(&principal, id)
        .await
        .or_page(&context)?;
    let max = zhizao_services::request_files::MAX_FILE_BYTES;
    let (expected, proof) = match &upload {
        Ok(upload) => (
            upload.text("row_version").trim().parse().unwrap_or(0),
            upload.file("file").cloned(),
        ),
        Err(_) => (0, None),
    };
    if let Err(error) = &upload
        && error.status == axum::http::StatusCode::PAYLOAD_TOO_LARGE
    {
        let message = t.file_too_large(max >> 20);
        let problem = FieldError::new("file", zhizao_core::Text::owned(message.clone(), message));
        return super::service_requests::with_errors(
            &state,
            &context,
            &principal,
            &current.request,
            vec![problem],
            FormFields::default(),
        )
        .await;
    }
    let done = services
        .claim_voucher(
            &principal,
            id,
            expected,
            proof
                .map(|f| (f.file_name, f.bytes))
                .as_ref()
                .map(|(n, b)| (n.as_str(), b.clone())),
        )
        .await;
    match done {
        Ok(done) => Ok(Redirect::to(&format!(
            "/requests/{}?notice={}",
            done.request,
            notice_query(&t.voucher_done(&use_view(t, done.clone()).status_label))
        ))
        .into_response()),
        Err(error) if !error.field_errors().is_empty() => {
            super::service_requests::with_errors(
                &state,
                &context,
                &principal,
                &current.request,
                error.field_errors(),
                FormFields::default(),
            )
            .await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

async fn use_voucher(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(number): Path<String>,
    PageForm(form): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let done = match yuan_field(&form, "amount", "amount_fen", t.voucher_amount_yuan_label()) {
        Ok(amount) => {
            state
                .services()
                .use_voucher(&principal, &number, form.get("programme"), amount)
                .await
        }
        Err(problem) => Err(zhizao_services::Error::Invalid(vec![problem])),
    };
    match done {
        Ok(done) => Ok(Redirect::to(&format!(
            "/requests/{number}?notice={}",
            notice_query(&t.voucher_done(&use_view(t, done).status_label))
        ))
        .into_response()),
        Err(error) if !error.field_errors().is_empty() => {
            super::service_requests::with_errors(
                &state,
                &context,
                &principal,
                &number,
                error.field_errors(),
                form,
            )
            .await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

#[derive(Template)]
#[template(path = "vouchers/ledger.html")]
struct LedgerPage {
    layout: Layout,
    code: String,
    /// (when, enterprise, platform, debit, credit, amount, memo, who)
    entries: Vec<[String; 8]>,
}

async fn ledger_page(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, Response> {
    let t = context.t();
    let services = state.services();
    let programme = services.programme(&code).await.or_page(&context)?;
    let entries = services.ledger(&principal, &code).await.or_page(&context)?;
    let page = LedgerPage {
        layout: context.layout("vouchers"),
        code: programme.code,
        entries: entries
            .into_iter()
            .map(|e| {
                [
                    e.at.to_shanghai_string(),
                    e.enterprise_code.unwrap_or_default(),
                    e.platform_code.unwrap_or_default(),
                    t.account_label(&e.debit),
                    t.account_label(&e.credit),
                    yuan(t, e.amount_fen),
                    e.memo,
                    e.actor,
                ]
            })
            .collect(),
    };
    Ok(render(&page))
}
