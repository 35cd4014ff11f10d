//! Shared factories' pages: the factories with a published tariff, a factory's tariff with its
//! versions and a price calculator anyone signed in may use, and the form on which the
//! factory's own staff publish the next version.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use zhizao_core::{Classified, Fen, FieldError, Text};
use zhizao_factory::tariff::{
    HourlyRate, PiecePrice, PricingInput, QuantityBreak, ResourceClass, Tariff,
};
use zhizao_identity::policy;

use super::{
    FormErrors, FormFields, Layout, OrPage, PageContext, PageError, PageForm, SignedIn,
    notice_query, render,
};
use crate::AppState;
use crate::i18n::both_with;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/factories", get(factories))
        .route("/factories/{code}/tariff", get(tariff))
        .route(
            "/factories/{code}/tariff/edit",
            get(tariff_form).post(save_tariff),
        )
}

/// Blank piece rows the form offers beyond the tariff's own.
const SPARE_ROWS: usize = 2;
/// The most piece rows a form takes.
const MAX_ROWS: usize = 30;

/// A factory's figures on the list: (code, name) and formatted cells.
struct TotalsRow {
    code: String,
    name: String,
    deliveries: i64,
    on_time: String,
    pieces: String,
    revenue: String,
    clients_to_date: i64,
    pieces_to_date: String,
    revenue_to_date: String,
}

fn totals_row(
    code: String,
    name: String,
    year: &zhizao_factory::figures::PeriodFigures,
    to_date: &zhizao_factory::figures::PeriodFigures,
) -> TotalsRow {
    TotalsRow {
        code,
        name,
        deliveries: year.deliveries,
        on_time: year
            .on_time_rate()
            .map_or_else(|| "—".to_owned(), |r| format!("{:.1}", r * 100.0)),
        pieces: crate::dashboard::grouped(year.pieces),
        revenue: year.revenue.to_yuan_string(),
        clients_to_date: to_date.clients_served,
        pieces_to_date: crate::dashboard::grouped(to_date.pieces),
        revenue_to_date: to_date.revenue.to_yuan_string(),
    }
}

#[derive(Template)]
#[template(path = "factories/list.html")]
struct FactoriesPage {
    layout: Layout,
    /// (code, name, version, published)
    rows: Vec<(String, String, i64, String)>,
    /// The year's and the to-date figures of the factories the reader may see, with their sum
    /// over the factories when more than one.
    totals: Vec<TotalsRow>,
    year: i32,
    /// The reader's own factory, when they run one: (code, name).
    own: Option<(String, String)>,
    /// The reader's own factory cuts fabric (its marker pages apply).
    own_cuts: bool,
}

async fn factories(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
) -> Result<Response, Response> {
    let published = state
        .factories()
        .published(&principal)
        .await
        .or_page(&context)?;
    let own = match policy::request_scope(&principal) {
        policy::RequestScope::Platform(_) => Some((
            principal.organization_code.clone(),
            principal.organization_name.clone(),
        )),
        _ => None,
    };
    let own_cuts = match &own {
        Some((code, _)) => state
            .factories()
            .cuts_fabric(&principal, code)
            .await
            .or_page(&context)?,
        None => false,
    };
    let year = zhizao_factory::setup::local_day(state.identity().clock().now())
        .0
        .year();
    let all = state
        .factories()
        .figures_of_all(&principal, year)
        .await
        .or_page(&context)?;
    let mut totals: Vec<TotalsRow> = all
        .iter()
        .map(|(f, figures)| {
            totals_row(
                f.code.clone(),
                f.name.clone(),
                &figures.total,
                &figures.to_date,
            )
        })
        .collect();
    if all.len() > 1 {
        // The city's sum: clients served counted per factory (a client of both counts twice).
        let mut year_sum = zhizao_factory::figures::PeriodFigures::default();
        let mut to_date_sum = zhizao_factory::figures::PeriodFigures::default();
        for (_, figures) in &all {
            for (sum, one) in [
                (&mut year_sum, &figures.total),
                (&mut to_date_sum, &figures.to_date),
            ] {
                sum.deliveries += one.deliveries;
                sum.on_time += one.on_time;
                sum.pieces += one.pieces;
                sum.revenue = zhizao_core::Fen::new(sum.revenue.get() + one.revenue.get());
                sum.clients_served += one.clients_served;
            }
        }
        totals.push(totals_row(
            String::new(),
            context.t().all_factories().to_owned(),
            &year_sum,
            &to_date_sum,
        ));
    }
    Ok(render(&FactoriesPage {
        layout: context.layout("factories"),
        rows: published
            .into_iter()
            .map(|f| {
                (
                    f.code,
                    f.name,
                    f.version,
                    f.published_at.to_shanghai_string(),
                )
            })
            .collect(),
        totals,
        year,
        own,
        own_cuts,
    }))
}

/// The calculator's inputs, as typed.
#[derive(Debug, Default, Deserialize)]
struct QuoteQuery {
    #[serde(default)]
    family: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    setups: String,
    #[serde(default)]
    cutting_line: String,
    #[serde(default)]
    spreading_line: String,
    #[serde(default)]
    polishing_cell: String,
    #[serde(default)]
    manual: String,
}

impl QuoteQuery {
    fn minutes(&self, class: ResourceClass) -> &str {
        match class {
            ResourceClass::CuttingLine => &self.cutting_line,
            ResourceClass::SpreadingLine => &self.spreading_line,
            ResourceClass::PolishingCell => &self.polishing_cell,
            ResourceClass::Manual => &self.manual,
        }
    }
}

#[derive(Template)]
#[template(path = "factories/tariff.html")]
struct TariffPage {
    layout: Layout,
    code: String,
    name: String,
    runs_it: bool,
    /// Whether the reader orders from factories (an enterprise).
    may_order: bool,
    /// Whether the reader sees the factory's set-up (its staff, the city).
    sees_setup: bool,
    /// (version, published, by, note) of the current version.
    current: Option<(i64, String, String, String)>,
    setup_fee: String,
    minimum_charge: String,
    /// (class key, label, yuan per hour)
    hourly: Vec<(&'static str, String, String)>,
    /// (family, breaks as "from: price" texts)
    pieces: Vec<(String, Vec<String>)>,
    /// (version, published, by, note), newest first.
    history: Vec<(i64, String, String, String)>,
    q: QuoteQuery,
    /// (class key, label, minutes typed)
    minute_fields: Vec<(&'static str, String, String)>,
    /// The calculation: (line, yuan), and the total.
    price: Option<(Vec<(String, String)>, String)>,
    errors: FormErrors,
}

/// A whole number typed in a form, or the problem.
fn whole(text: &str, field: &str, errors: &mut Vec<FieldError>) -> i64 {
    let text = text.trim();
    if text.is_empty() {
        return 0;
    }
    text.parse::<i64>().unwrap_or_else(|_| {
        errors.push(FieldError::new(
            field,
            both_with(|t| t.not_whole_number(text)),
        ));
        0
    })
}

async fn tariff(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    Query(q): Query<QuoteQuery>,
) -> Result<Response, Response> {
    let t = context.t();
    let factories = state.factories();
    let name = factories.platform_name(&code).await.or_page(&context)?;
    let versions = factories
        .tariff_versions(&principal, &code)
        .await
        .or_page(&context)?;
    let runs_it = policy::may_run_factory(&principal, principal.organization_id)
        && principal.organization_code == code.trim();
    let sees_setup = runs_it || policy::sees_all_organizations(&principal);
    let history: Vec<(i64, String, String, String)> = versions
        .iter()
        .map(|v| {
            (
                v.version,
                v.created_at.to_shanghai_string(),
                v.created_by.clone(),
                v.note.clone(),
            )
        })
        .collect();
    let current = versions.first();
    let mut errors = Vec::new();
    let mut price = None;
    if let Some(current) = current
        && !q.quantity.trim().is_empty()
    {
        let quantity = whole(&q.quantity, "quantity", &mut errors);
        let setups = whole(&q.setups, "setups", &mut errors);
        let machine_minutes: Vec<(ResourceClass, i64)> = current
            .tariff
            .hourly
            .iter()
            .map(|rate| {
                let minutes = whole(q.minutes(rate.class), rate.class.as_str(), &mut errors);
                (rate.class, minutes)
            })
            .collect();
        if errors.is_empty() {
            let input = PricingInput {
                family: q.family.clone(),
                quantity,
                machine_minutes,
                setups,
            };
            match current.tariff.price(&input) {
                Ok(computed) => {
                    price = Some((
                        computed
                            .lines
                            .iter()
                            .map(|l| (t.text(&l.text).to_owned(), l.amount.to_yuan_string()))
                            .collect(),
                        computed.total.to_yuan_string(),
                    ));
                }
                Err(error) => {
                    // Minutes are named by their class, as the form names them.
                    for mut e in error.field_errors() {
                        if let Some(index) = e
                            .field
                            .strip_prefix("machine_minutes[")
                            .and_then(|rest| rest.trim_end_matches(']').parse::<usize>().ok())
                            && let Some((class, _)) = input.machine_minutes.get(index)
                        {
                            e.field = class.as_str().to_owned();
                        }
                        errors.push(e);
                    }
                }
            }
        }
    }
    let minute_fields = current
        .map(|c| {
            c.tariff
                .hourly
                .iter()
                .map(|rate| {
                    (
                        rate.class.as_str(),
                        t.text(&rate.class.label()).to_owned(),
                        q.minutes(rate.class).to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let page = TariffPage {
        layout: context.layout("factories"),
        name,
        runs_it,
        may_order: policy::may_order_from_factories(&principal),
        sees_setup,
        current: current.map(|v| {
            (
                v.version,
                v.created_at.to_shanghai_string(),
                v.created_by.clone(),
                v.note.clone(),
            )
        }),
        setup_fee: current
            .map(|v| v.tariff.setup_fee.to_yuan_string())
            .unwrap_or_default(),
        minimum_charge: current
            .map(|v| v.tariff.minimum_charge.to_yuan_string())
            .unwrap_or_default(),
        hourly: current
            .map(|v| {
                v.tariff
                    .hourly
                    .iter()
                    .map(|r| {
                        (
                            r.class.as_str(),
                            t.text(&r.class.label()).to_owned(),
                            r.per_hour.to_yuan_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        pieces: current
            .map(|v| {
                v.tariff
                    .pieces
                    .iter()
                    .map(|p| {
                        (
                            p.family.clone(),
                            p.breaks
                                .iter()
                                .map(|b| {
                                    t.piece_break(b.from_quantity, &b.per_piece.to_yuan_string())
                                })
                                .collect(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        history,
        code,
        minute_fields,
        q,
        price,
        errors: FormErrors::from_fields(&errors, t),
    };
    let status = if page.errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page)).into_response())
}

/// The tariff form's values as typed (money in yuan).
#[derive(Debug, Default)]
struct TariffFields {
    latest_version: String,
    setup_fee: String,
    minimum_charge: String,
    note: String,
    /// (class key, label, yuan per hour typed)
    hourly: Vec<(&'static str, String, String)>,
    /// (family, breaks as "1=2.50; 1000=2.20")
    pieces: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "factories/tariff_form.html")]
struct TariffForm {
    layout: Layout,
    code: String,
    name: String,
    v: TariffFields,
    /// Piece rows: (family field, breaks field, family, breaks).
    rows: Vec<(String, String, String, String)>,
    errors: FormErrors,
    general_errors: Vec<String>,
}

async fn form_page(
    state: &AppState,
    context: &PageContext,
    code: String,
    mut v: TariffFields,
    errors: FormErrors,
) -> Result<Response, Response> {
    let name = state
        .factories()
        .platform_name(&code)
        .await
        .or_page(context)?;
    let blanks = v
        .pieces
        .iter()
        .rev()
        .take_while(|(family, breaks)| family.trim().is_empty() && breaks.trim().is_empty())
        .count();
    for _ in blanks..SPARE_ROWS {
        if v.pieces.len() < MAX_ROWS {
            v.pieces.push((String::new(), String::new()));
        }
    }
    let rows: Vec<(String, String, String, String)> = v
        .pieces
        .iter()
        .enumerate()
        .map(|(i, (family, breaks))| {
            (
                format!("p{i}_family"),
                format!("p{i}_breaks"),
                family.clone(),
                breaks.clone(),
            )
        })
        .collect();
    let mut known = vec!["setup_fee", "minimum_charge", "note"];
    known.extend(ResourceClass::ALL.iter().map(|c| c.as_str()));
    for row in &rows {
        known.push(&row.0);
        known.push(&row.1);
    }
    let general_errors = errors.general(&known);
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        render(&TariffForm {
            layout: context.layout("factories"),
            code,
            name,
            v,
            rows,
            errors,
            general_errors,
        }),
    )
        .into_response())
}

async fn tariff_form(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, Response> {
    let t = context.t();
    if principal.organization_code != code.trim()
        || !policy::may_run_factory(&principal, principal.organization_id)
    {
        return Err(PageError::Forbidden.render(&context));
    }
    let versions = state
        .factories()
        .tariff_versions(&principal, &code)
        .await
        .or_page(&context)?;
    let current = versions.first();
    let v = TariffFields {
        latest_version: current.map(|c| c.version.to_string()).unwrap_or_default(),
        setup_fee: current
            .map(|c| c.tariff.setup_fee.to_plain_yuan_string())
            .unwrap_or_default(),
        minimum_charge: current
            .map(|c| c.tariff.minimum_charge.to_plain_yuan_string())
            .unwrap_or_default(),
        note: String::new(),
        hourly: ResourceClass::ALL
            .iter()
            .map(|class| {
                let rate = current.and_then(|c| c.tariff.hourly.iter().find(|r| r.class == *class));
                (
                    class.as_str(),
                    t.text(&class.label()).to_owned(),
                    rate.map(|r| r.per_hour.to_plain_yuan_string())
                        .unwrap_or_default(),
                )
            })
            .collect(),
        pieces: current
            .map(|c| {
                c.tariff
                    .pieces
                    .iter()
                    .map(|p| {
                        let breaks = p
                            .breaks
                            .iter()
                            .map(|b| {
                                format!(
                                    "{}={}",
                                    b.from_quantity,
                                    b.per_piece.to_plain_yuan_string()
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("; ");
                        (p.family.clone(), breaks)
                    })
                    .collect()
            })
            .unwrap_or_default(),
    };
    form_page(&state, &context, code, v, FormErrors::default()).await
}

/// Reads "1=2.50; 1000=2.20" as quantity breaks, or says what is wrong.
fn parse_breaks(text: &str) -> Result<Vec<QuantityBreak>, Text> {
    text.split([';', '；', '\n'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (from, price) = part
                .split_once(['=', '＝'])
                .ok_or_else(|| both_with(|t| t.break_format(part)))?;
            let from_quantity = from
                .trim()
                .parse::<i64>()
                .map_err(|_| both_with(|t| t.not_pieces(from.trim())))?;
            let per_piece = Fen::parse_yuan(price.trim()).map_err(|e| e.text())?;
            Ok(QuantityBreak {
                from_quantity,
                per_piece,
            })
        })
        .collect()
}

async fn save_tariff(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(code): Path<String>,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, Response> {
    let t = context.t();
    let get = |name: &str| fields.get(name).to_owned();
    let rows = (0..MAX_ROWS)
        .take_while(|i| fields.has(&format!("p{i}_family")))
        .map(|i| (get(&format!("p{i}_family")), get(&format!("p{i}_breaks"))))
        .collect::<Vec<_>>();
    let v = TariffFields {
        latest_version: get("latest_version"),
        setup_fee: get("setup_fee"),
        minimum_charge: get("minimum_charge"),
        note: get("note"),
        hourly: ResourceClass::ALL
            .iter()
            .map(|class| {
                (
                    class.as_str(),
                    t.text(&class.label()).to_owned(),
                    get(class.as_str()),
                )
            })
            .collect(),
        pieces: rows,
    };
    let mut errors = Vec::new();
    let mut money = |field: &str, text: &str| -> Option<Fen> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        Fen::parse_yuan(text)
            .map_err(|e| errors.push(FieldError::new(field, e.text())))
            .ok()
    };
    let setup_fee = money("setup_fee", &v.setup_fee).unwrap_or_default();
    let minimum_charge = money("minimum_charge", &v.minimum_charge).unwrap_or_default();
    let hourly: Vec<HourlyRate> = v
        .hourly
        .iter()
        .zip(ResourceClass::ALL)
        .filter_map(|((key, _, text), class)| {
            money(key, text).map(|per_hour| HourlyRate {
                class: *class,
                per_hour,
            })
        })
        .collect();
    // Rows left blank are not prices; each price keeps the row it came from.
    let mut pieces = Vec::new();
    let mut row_of = Vec::new();
    for (row, (family, breaks)) in v.pieces.iter().enumerate() {
        if family.trim().is_empty() && breaks.trim().is_empty() {
            continue;
        }
        match parse_breaks(breaks) {
            Ok(breaks) => {
                pieces.push(PiecePrice {
                    family: family.trim().to_owned(),
                    breaks,
                });
                row_of.push(row);
            }
            Err(message) => errors.push(FieldError::new(format!("p{row}_breaks"), message)),
        }
    }
    if errors.is_empty() {
        let tariff = Tariff {
            setup_fee,
            hourly: hourly.clone(),
            pieces,
            minimum_charge,
        };
        let expected = v.latest_version.trim().parse::<i64>().ok();
        match state
            .factories()
            .save_tariff(&principal, &code, &tariff, &v.note, expected)
            .await
        {
            Ok(saved) => {
                return Ok(Redirect::to(&format!(
                    "/factories/{}/tariff?notice={}",
                    saved.platform_code,
                    notice_query(&t.tariff_published(saved.version))
                ))
                .into_response());
            }
            Err(error) if !error.field_errors().is_empty() => {
                for mut e in error.field_errors() {
                    e.field = form_field(&e.field, &hourly, &row_of);
                    errors.push(e);
                }
            }
            Err(zhizao_factory::Error::StaleVersion { current }) => {
                errors.push(FieldError::new(
                    "latest_version",
                    both_with(|t| t.tariff_stale(current)),
                ));
            }
            Err(error) => return Err(PageError::from(error).render(&context)),
        }
    }
    form_page(
        &state,
        &context,
        code,
        v,
        FormErrors::from_fields(&errors, t),
    )
    .await
}

/// The form's name for a field the tariff names (`hourly[1].per_hour`, `pieces[0].breaks[2]`).
fn form_field(field: &str, hourly: &[HourlyRate], row_of: &[usize]) -> String {
    let index = |rest: &str| rest.split(']').next().and_then(|n| n.parse::<usize>().ok());
    if let Some(rest) = field.strip_prefix("hourly[")
        && let Some(rate) = index(rest).and_then(|i| hourly.get(i))
    {
        return rate.class.as_str().to_owned();
    }
    if let Some(rest) = field.strip_prefix("pieces[")
        && let Some(row) = index(rest).and_then(|i| row_of.get(i))
    {
        let part = if field.contains(".family") {
            "family"
        } else {
            "breaks"
        };
        return format!("p{row}_{part}");
    }
    field.to_owned()
}
