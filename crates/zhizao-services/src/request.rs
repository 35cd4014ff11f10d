//! Requests to delivery. An enterprise requests a service from the catalogue with its need (and
//! attachments); the platform declines it or proposes a contract — amount, scope, start and due
//! dates — which the enterprise confirms (the platform's proposal is its own confirmation); the
//! platform delivers with a report and evidence files; the enterprise accepts the delivery or
//! disputes it (the platform then delivers again); an accepted request is rated 1–5 with a
//! comment. Every step is audited, and every open request waits on one side ([`Party`]).
//!
//! A shared-factory order is one kind of request ([`RequestKind::FactoryOrder`]): the factory
//! keeps its row here in step with the order ([`record_factory_order`], [`follow_factory_order`])
//! so that lists and figures cover both; its steps are taken on the order itself.
//!
//! An enterprise sees its own requests, a platform the requests made to it, the city all
//! (`zhizao_identity::policy::request_scope`); only the two sides act, each its own steps.

use serde::{Deserialize, Serialize};
use time::Date;
use time::macros::format_description;
use zhizao_core::{Fen, PageRequest, Text, Timestamp, closed_vocabulary};
use zhizao_db::{SqlBuilder, allocate_ids};
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy::{self, RequestScope};

use crate::catalogue::PriceModel;
use crate::{Error, Problems, PublicServices, Result};

/// The largest contract amount a request takes (1 bn yuan).
pub const MAX_AMOUNT_FEN: i64 = 100_000_000_000;

closed_vocabulary! {
    /// What a request is for.
    RequestKind, "request kind" {
        /// A service from the catalogue.
        Service => "service", "技术服务", "Service";
        /// An order from a shared factory.
        FactoryOrder => "factory_order", "共享工厂订单", "Shared-factory order";
    }
}

closed_vocabulary! {
    /// Where a request stands.
    RequestStatus, "request status" {
        /// Waiting for the platform's answer.
        Requested => "requested", "待平台答复", "Awaiting the platform";
        /// The platform proposed a contract; waiting for the enterprise to confirm it.
        Quoted => "quoted", "待确认合同", "Contract proposed";
        /// Both sides confirmed the contract; the platform delivers.
        Contracted => "contracted", "服务中", "Under contract";
        /// Delivered; waiting for the enterprise to accept it.
        Delivered => "delivered", "待验收", "Delivered";
        /// The enterprise disputed the delivery; the platform delivers again.
        Disputed => "disputed", "有异议", "Disputed";
        /// Accepted; waiting for the enterprise's rating.
        Accepted => "accepted", "待评价", "Accepted";
        /// Accepted and rated.
        Rated => "rated", "已完成", "Completed";
        /// The platform declined it.
        Declined => "declined", "已谢绝", "Declined";
        /// The enterprise withdrew it.
        Cancelled => "cancelled", "已撤回", "Cancelled";
    }
}

closed_vocabulary! {
    /// The side of a request.
    Party, "party" {
        /// The service platform.
        Platform => "platform", "服务平台", "The platform";
        /// The enterprise that requested it.
        Client => "client", "企业", "The enterprise";
    }
}

impl RequestStatus {
    /// The side the request waits on, if it is open.
    pub fn waiting_on(self) -> Option<Party> {
        match self {
            RequestStatus::Requested | RequestStatus::Contracted | RequestStatus::Disputed => {
                Some(Party::Platform)
            }
            RequestStatus::Quoted | RequestStatus::Delivered | RequestStatus::Accepted => {
                Some(Party::Client)
            }
            RequestStatus::Rated | RequestStatus::Declined | RequestStatus::Cancelled => None,
        }
    }
}

/// A contract's terms as the platform proposes them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Terms {
    /// The amount, fen (0 for a free service).
    pub amount: Fen,
    /// What will be delivered (1–2,000 characters).
    pub scope: String,
    /// The first day of the work, YYYY-MM-DD.
    pub starts_on: String,
    /// The day it is due, YYYY-MM-DD (on or after the start).
    pub due_on: String,
}

/// A step one side takes on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The platform proposes a contract (again, while the enterprise has not confirmed it).
    Quote(Terms),
    /// The platform declines, with a reason.
    Decline(String),
    /// The enterprise withdraws, with a reason.
    Cancel(String),
    /// The enterprise confirms the proposed contract.
    Confirm,
    /// The platform delivers with a report (the evidence files are added beside it).
    Deliver(String),
    /// The enterprise accepts the delivery.
    Accept,
    /// The enterprise disputes the delivery, with a reason.
    Dispute(String),
    /// The enterprise rates the accepted service, 1–5, with a comment.
    Rate {
        /// 1 to 5.
        rating: i64,
        /// At most 500 characters.
        comment: String,
    },
}

impl Step {
    /// Its name in the audit log and the API.
    pub fn name(&self) -> &'static str {
        match self {
            Step::Quote(_) => "quote",
            Step::Decline(_) => "decline",
            Step::Cancel(_) => "cancel",
            Step::Confirm => "confirm",
            Step::Deliver(_) => "deliver",
            Step::Accept => "accept",
            Step::Dispute(_) => "dispute",
            Step::Rate { .. } => "rate",
        }
    }

    /// Who takes it, from where, and where it leads.
    pub fn rule(&self) -> (Party, &'static [RequestStatus], RequestStatus) {
        use RequestStatus as S;
        match self {
            Step::Quote(_) => (Party::Platform, &[S::Requested, S::Quoted], S::Quoted),
            Step::Decline(_) => (Party::Platform, &[S::Requested, S::Quoted], S::Declined),
            Step::Cancel(_) => (Party::Client, &[S::Requested, S::Quoted], S::Cancelled),
            Step::Confirm => (Party::Client, &[S::Quoted], S::Contracted),
            Step::Deliver(_) => (Party::Platform, &[S::Contracted, S::Disputed], S::Delivered),
            Step::Accept => (Party::Client, &[S::Delivered], S::Accepted),
            Step::Dispute(_) => (Party::Client, &[S::Delivered], S::Disputed),
            Step::Rate { .. } => (Party::Client, &[S::Accepted], S::Rated),
        }
    }
}

/// A request as its side sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceRequest {
    /// Its id (a factory order's is the negated order id).
    pub id: i64,
    /// SR2026-0001, or the factory order's number.
    pub number: String,
    /// A service or a factory order.
    pub kind: RequestKind,
    /// The catalogue version requested.
    pub offering_id: Option<i64>,
    /// The platform's organisation code and name.
    pub platform_code: String,
    /// Its name.
    pub platform_name: String,
    /// The enterprise's organisation code and name.
    pub client_code: String,
    /// Its name.
    pub client_name: String,
    /// The service's title (a factory order's part family or fabric).
    pub title: String,
    /// What the enterprise needs.
    pub need: String,
    /// Where it stands.
    pub status: RequestStatus,
    /// The contract amount once proposed.
    pub amount: Option<Fen>,
    /// The contract's scope.
    pub scope: String,
    /// Its start day.
    pub starts_on: Option<String>,
    /// Its due day.
    pub due_on: Option<String>,
    /// The end of the due day.
    pub due_at: Option<Timestamp>,
    /// Proposed when and by whom.
    pub quoted_at: Option<Timestamp>,
    /// The proposer.
    pub quoted_by: Option<String>,
    /// Confirmed by the enterprise when and by whom.
    pub confirmed_at: Option<Timestamp>,
    /// The confirmer.
    pub confirmed_by: Option<String>,
    /// The latest delivery.
    pub delivered_at: Option<Timestamp>,
    /// Its deliverer.
    pub delivered_by: Option<String>,
    /// The latest delivery's report.
    pub report: String,
    /// How many times it was delivered.
    pub deliveries: i64,
    /// Accepted when.
    pub accepted_at: Option<Timestamp>,
    /// Why it was declined, cancelled or (last) disputed.
    pub reason: String,
    /// The enterprise's rating.
    pub rating: Option<i64>,
    /// Its comment.
    pub rating_comment: String,
    /// Rated when.
    pub rated_at: Option<Timestamp>,
    /// Requested when and by whom.
    pub created_at: Timestamp,
    /// The requester.
    pub created_by: String,
    /// Its row version (send it back with a step).
    pub row_version: i64,
    /// The side the reader acts for, if they are one of its sides.
    #[serde(skip)]
    pub side: Option<Party>,
}

impl ServiceRequest {
    /// The steps the reader may take now (their side's steps from where it stands; none on a
    /// factory order, whose steps are taken on the order).
    pub fn open_steps(&self) -> Vec<&'static str> {
        if self.kind == RequestKind::FactoryOrder {
            return Vec::new();
        }
        let every = [
            Step::Quote(Terms::default()),
            Step::Decline(String::new()),
            Step::Cancel(String::new()),
            Step::Confirm,
            Step::Deliver(String::new()),
            Step::Accept,
            Step::Dispute(String::new()),
            Step::Rate {
                rating: 0,
                comment: String::new(),
            },
        ];
        every
            .iter()
            .filter(|step| {
                let (party, from, _) = step.rule();
                Some(party) == self.side && from.contains(&self.status)
            })
            .map(Step::name)
            .collect()
    }

    /// The side it waits on.
    pub fn waiting_on(&self) -> Option<Party> {
        self.status.waiting_on()
    }

    /// Whether the accepted delivery came by the due day (none yet: not known).
    pub fn on_time(&self) -> Option<bool> {
        match (
            self.accepted_at.or(self.rated_at),
            self.delivered_at,
            self.due_at,
        ) {
            (Some(_), Some(delivered), Some(due)) => Some(delivered <= due),
            _ => None,
        }
    }
}

/// Which requests to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestFilter {
    /// Only in this status.
    pub status: Option<RequestStatus>,
    /// Only those waiting on this side.
    pub waiting_on: Option<Party>,
    /// Only this kind.
    pub kind: Option<RequestKind>,
    /// Only to this platform (organisation code).
    pub platform: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    number: String,
    kind: String,
    offering_id: Option<i64>,
    platform_id: i64,
    client_id: i64,
    platform_code: String,
    platform_name: String,
    client_code: String,
    client_name: String,
    title: String,
    need: String,
    status: String,
    amount_fen: Option<i64>,
    scope: String,
    starts_on: Option<String>,
    due_on: Option<String>,
    due_at: Option<i64>,
    quoted_at: Option<i64>,
    quoted_by: Option<String>,
    confirmed_at: Option<i64>,
    confirmed_by: Option<String>,
    delivered_at: Option<i64>,
    delivered_by: Option<String>,
    report: String,
    deliveries: i64,
    accepted_at: Option<i64>,
    reason: String,
    rating: Option<i64>,
    rating_comment: String,
    rated_at: Option<i64>,
    created_at: i64,
    created_by: String,
    row_version: i64,
}

const SELECT_REQUESTS: &str = "SELECT r.id, r.number, r.kind, r.offering_id, r.platform_id, r.client_id, \
     p.code AS platform_code, p.name AS platform_name, c.code AS client_code, c.name AS client_name, r.title, \
     r.need, r.status, r.amount_fen, r.scope, r.starts_on, r.due_on, r.due_at, r.quoted_at, r.quoted_by, \
     r.confirmed_at, r.confirmed_by, r.delivered_at, r.delivered_by, r.report, r.deliveries, r.accepted_at, \
     r.reason, r.rating, r.rating_comment, r.rated_at, r.created_at, r.created_by, r.row_version \
     FROM service_requests r JOIN organizations p ON p.id = r.platform_id JOIN organizations c ON c.id = r.client_id";

impl Row {
    /// The request as `principal` reads it.
    fn into_request_for(self, principal: &Principal) -> Result<ServiceRequest> {
        let side = if policy::may_answer_requests(principal, self.platform_id) {
            Some(Party::Platform)
        } else if policy::request_scope(principal) == RequestScope::Client(self.client_id) {
            Some(Party::Client)
        } else {
            None
        };
        let mut request = self.into_request()?;
        request.side = side;
        Ok(request)
    }

    fn into_request(self) -> Result<ServiceRequest> {
        let corrupt = |what: &str| Error::Corrupt(format!("request {}: its {what}", self.number));
        let kind = self.kind.parse().map_err(|_| corrupt("kind"))?;
        let status = self.status.parse().map_err(|_| corrupt("status"))?;
        let at = |millis: Option<i64>| millis.map(Timestamp::from_millis);
        Ok(ServiceRequest {
            id: self.id,
            kind,
            offering_id: self.offering_id,
            platform_code: self.platform_code,
            platform_name: self.platform_name,
            client_code: self.client_code,
            client_name: self.client_name,
            title: self.title,
            need: self.need,
            status,
            amount: self.amount_fen.map(Fen::new),
            scope: self.scope,
            starts_on: self.starts_on,
            due_on: self.due_on,
            due_at: at(self.due_at),
            quoted_at: at(self.quoted_at),
            quoted_by: self.quoted_by,
            confirmed_at: at(self.confirmed_at),
            confirmed_by: self.confirmed_by,
            delivered_at: at(self.delivered_at),
            delivered_by: self.delivered_by,
            report: self.report,
            deliveries: self.deliveries,
            accepted_at: at(self.accepted_at),
            reason: self.reason,
            rating: self.rating,
            rating_comment: self.rating_comment,
            rated_at: at(self.rated_at),
            created_at: Timestamp::from_millis(self.created_at),
            created_by: self.created_by,
            row_version: self.row_version,
            side: None,
            number: self.number,
        })
    }
}

/// Whether `principal` sees a request of `client` to `platform`.
fn sees(principal: &Principal, platform: i64, client: i64) -> bool {
    match policy::request_scope(principal) {
        RequestScope::All => true,
        RequestScope::Platform(id) => id == platform,
        RequestScope::Client(id) => id == client,
        RequestScope::Nothing => false,
    }
}

/// The day `YYYY-MM-DD`.
pub(crate) fn parse_day(text: &str) -> Option<Date> {
    Date::parse(text.trim(), format_description!("[year]-[month]-[day]")).ok()
}

/// The instant day `date` ends in Shanghai.
pub(crate) fn end_of_day(date: Date) -> Timestamp {
    const DAY: i64 = 86_400_000;
    const OFFSET: i64 = 8 * 3_600_000;
    let days = i64::from(date.to_julian_day()) - 2_440_588;
    Timestamp::from_millis((days + 1) * DAY - OFFSET)
}

/// The Shanghai day `at` falls on.
fn day_of(at: Timestamp) -> Option<Date> {
    parse_day(&at.to_shanghai_date_string())
}

fn text_between(
    problems: &mut Problems,
    field: &str,
    text: &str,
    max: usize,
    zh: &str,
    en: &str,
) -> String {
    let text = text.trim();
    if !(1..=max).contains(&text.chars().count()) {
        problems.add(
            field,
            format!("{zh}（最长 {max} 字）"),
            format!("{en} (at most {max} characters)"),
        );
    }
    text.to_owned()
}

impl Terms {
    /// The checked terms for a request made on `requested` of a service priced by `model`: the
    /// scope, and the start and due days (due at the end of its day).
    fn check(&self, model: Option<PriceModel>, requested: Timestamp) -> Result<CheckedTerms> {
        let mut problems = Problems::default();
        let scope = text_between(
            &mut problems,
            "scope",
            &self.scope,
            2000,
            "请说明服务范围",
            "say what will be delivered",
        );
        if !(0..=MAX_AMOUNT_FEN).contains(&self.amount.get()) {
            problems.add(
                "amount_fen",
                "金额须在 0 到 10 亿元之间".into(),
                "the amount is between 0 and 1 bn yuan".into(),
            );
        } else if model == Some(PriceModel::Free) && self.amount.get() != 0 {
            problems.add(
                "amount_fen",
                "免费服务的合同金额为 0".into(),
                "a free service's contract amount is 0".into(),
            );
        }
        let starts = parse_day(&self.starts_on);
        let due = parse_day(&self.due_on);
        if starts.is_none() {
            problems.add(
                "starts_on",
                format!("“{}”不是日期（年-月-日）", self.starts_on.trim()),
                format!("{:?} is not a date (YYYY-MM-DD)", self.starts_on.trim()),
            );
        }
        if due.is_none() {
            problems.add(
                "due_on",
                format!("“{}”不是日期（年-月-日）", self.due_on.trim()),
                format!("{:?} is not a date (YYYY-MM-DD)", self.due_on.trim()),
            );
        }
        if let (Some(starts), Some(due)) = (starts, due) {
            if due < starts {
                problems.add(
                    "due_on",
                    "交付日期不能早于开始日期".into(),
                    "the due day is on or after the start".into(),
                );
            }
            if day_of(requested).is_some_and(|day| starts < day) {
                problems.add(
                    "starts_on",
                    "开始日期不能早于申请日期".into(),
                    "the work starts on or after the day it was requested".into(),
                );
            }
        }
        problems.into_result()?;
        let (Some(starts), Some(due)) = (starts, due) else {
            return Err(Error::Corrupt("checked terms".into()));
        };
        Ok(CheckedTerms {
            amount: self.amount,
            scope,
            starts_on: starts.to_string(),
            due_on: due.to_string(),
            due_at: end_of_day(due),
        })
    }
}

struct CheckedTerms {
    amount: Fen,
    scope: String,
    starts_on: String,
    due_on: String,
    due_at: Timestamp,
}

/// A shared-factory order as its request row records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactoryOrderState<'a> {
    /// Its row id (the request's id is its negation).
    pub order_id: i64,
    /// Where it stands, as a request: quoted, contracted, delivered, rated or cancelled.
    pub status: RequestStatus,
    /// The quoted total, or the delivered amount once delivered.
    pub amount: Fen,
    /// The date promised (`None`: as it was).
    pub due_at: Option<Timestamp>,
    /// Delivered when.
    pub delivered_at: Option<Timestamp>,
    /// The client's rating and comment on receipt.
    pub rating: Option<(i64, &'a str)>,
    /// When this state was reached.
    pub at: Timestamp,
    /// By whom.
    pub by: &'a str,
}

/// Writes the request row of new factory order `number` of `client` to `platform` about
/// `title`, inside the factory's transaction.
pub async fn record_factory_order(
    connection: &mut sqlx::AnyConnection,
    number: &str,
    platform: i64,
    client: i64,
    title: &str,
    state: &FactoryOrderState<'_>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO service_requests (id, number, kind, platform_id, client_id, title, need, status, amount_fen, \
         due_at, quoted_at, quoted_by, created_at, created_by, updated_at) \
         VALUES ($1, $2, 'factory_order', $3, $4, $5, '', 'quoted', $6, $7, $8, $9, $8, $9, $8)",
    )
    .bind(-state.order_id)
    .bind(number)
    .bind(platform)
    .bind(client)
    .bind(title)
    .bind(state.amount.get())
    .bind(state.due_at.map_or(0, Timestamp::as_millis))
    .bind(state.at.as_millis())
    .bind(state.by)
    .execute(&mut *connection)
    .await?;
    if state.status != RequestStatus::Quoted {
        follow_factory_order(connection, state).await?;
    }
    Ok(())
}

/// Brings the request row of a factory order to `state`, inside the factory's transaction.
pub async fn follow_factory_order(
    connection: &mut sqlx::AnyConnection,
    state: &FactoryOrderState<'_>,
) -> Result<()> {
    let at = state.at.as_millis();
    let confirmed = matches!(
        state.status,
        RequestStatus::Contracted
            | RequestStatus::Delivered
            | RequestStatus::Accepted
            | RequestStatus::Rated
    );
    let rated = state.status == RequestStatus::Rated;
    let changed = sqlx::query(
        "UPDATE service_requests SET status = $1, amount_fen = $2, due_at = COALESCE($3, due_at), \
         confirmed_at = CASE WHEN $4 = 1 THEN COALESCE(confirmed_at, $5) END, \
         confirmed_by = CASE WHEN $4 = 1 THEN COALESCE(confirmed_by, $6) END, \
         delivered_at = $7, deliveries = $8, accepted_at = CASE WHEN $9 = 1 THEN $5 END, rating = $10, \
         rating_comment = $11, rated_at = CASE WHEN $9 = 1 THEN $5 END, updated_at = $5, \
         row_version = row_version + 1 WHERE id = $12 AND kind = 'factory_order'",
    )
    .bind(state.status.as_str())
    .bind(state.amount.get())
    .bind(state.due_at.map(Timestamp::as_millis))
    .bind(i64::from(confirmed))
    .bind(at)
    .bind(state.by)
    .bind(state.delivered_at.map(Timestamp::as_millis))
    .bind(i64::from(state.delivered_at.is_some()))
    .bind(i64::from(rated))
    .bind(state.rating.map(|(rating, _)| rating))
    .bind(state.rating.map_or("", |(_, comment)| comment))
    .bind(-state.order_id)
    .execute(&mut *connection)
    .await?;
    if changed.rows_affected() != 1 {
        return Err(Error::Corrupt(format!(
            "factory order {} has no request row",
            state.order_id
        )));
    }
    Ok(())
}

fn refuse(zh: String, en: String) -> Error {
    Error::Transition(Text::owned(zh, en))
}

impl PublicServices {
    async fn request_row(
        &self,
        connection: &mut sqlx::AnyConnection,
        principal: &Principal,
        number: &str,
    ) -> Result<Row> {
        let mut query = SqlBuilder::new(SELECT_REQUESTS);
        query.push(" WHERE r.number = ").push_bind(number.trim());
        let row: Option<Row> = query.query_as().fetch_optional(&mut *connection).await?;
        row.filter(|row| sees(principal, row.platform_id, row.client_id))
            .ok_or_else(|| Error::NotFound {
                what: "request",
                key: number.trim().to_owned(),
            })
    }

    /// Request `number` (its two sides and the city).
    pub async fn request(&self, principal: &Principal, number: &str) -> Result<ServiceRequest> {
        let mut connection = self.db.pool().acquire().await?;
        self.request_row(&mut connection, principal, number)
            .await?
            .into_request_for(principal)
    }

    /// Request `number` with its platform's and its enterprise's organisation ids.
    pub(crate) async fn request_with_sides(
        &self,
        principal: &Principal,
        number: &str,
    ) -> Result<(ServiceRequest, i64, i64)> {
        let mut connection = self.db.pool().acquire().await?;
        let row = self.request_row(&mut connection, principal, number).await?;
        let (platform, client) = (row.platform_id, row.client_id);
        Ok((row.into_request_for(principal)?, platform, client))
    }

    /// What happened to request `number`, oldest first (whoever sees it): its audit entries, a
    /// factory order's under the order.
    pub async fn request_history(
        &self,
        principal: &Principal,
        number: &str,
    ) -> Result<Vec<audit::AuditRecord>> {
        let request = self.request(principal, number).await?;
        let filter = audit::AuditFilter {
            entity_type: Some(
                match request.kind {
                    RequestKind::Service => "service_request",
                    RequestKind::FactoryOrder => "factory_order",
                }
                .to_owned(),
            ),
            entity_key: Some(request.number),
            ..audit::AuditFilter::default()
        };
        let mut entries = audit::list_entries(&self.db, &filter, PageRequest::new(1, 500))
            .await?
            .items;
        entries.reverse();
        Ok(entries)
    }

    /// The requests `principal` sees that `filter` selects, newest first (at most 1,000).
    pub async fn requests(
        &self,
        principal: &Principal,
        filter: &RequestFilter,
    ) -> Result<Vec<ServiceRequest>> {
        let mut query = SqlBuilder::new(SELECT_REQUESTS);
        query.push(" WHERE 1 = 1");
        match policy::request_scope(principal) {
            RequestScope::All => {}
            RequestScope::Platform(id) => {
                query.push(" AND r.platform_id = ").push_bind(id);
            }
            RequestScope::Client(id) => {
                query.push(" AND r.client_id = ").push_bind(id);
            }
            RequestScope::Nothing => return Ok(Vec::new()),
        }
        if let Some(status) = filter.status {
            query.push(" AND r.status = ").push_bind(status.as_str());
        }
        if let Some(kind) = filter.kind {
            query.push(" AND r.kind = ").push_bind(kind.as_str());
        }
        if let Some(code) = filter.platform.as_deref() {
            query
                .push(" AND p.code = ")
                .push_bind(code.trim().to_owned());
        }
        query.push(" ORDER BY r.created_at DESC, r.number DESC LIMIT 1000");
        let rows: Vec<Row> = query.query_as().fetch_all(self.db.pool()).await?;
        let mut found = Vec::with_capacity(rows.len());
        for row in rows {
            let request = row.into_request_for(principal)?;
            if filter.waiting_on.is_none() || request.waiting_on() == filter.waiting_on {
                found.push(request);
            }
        }
        Ok(found)
    }

    /// A request of the caller's enterprise for the service whose catalogue version is
    /// `offering_id`, with its `need` (1–2,000 characters). Enterprises only; the version must
    /// be in the catalogue (on notice or published). Audited.
    pub async fn create_request(
        &self,
        principal: &Principal,
        offering_id: i64,
        need: &str,
    ) -> Result<ServiceRequest> {
        if !policy::may_request_services(principal) {
            return Err(Error::Forbidden("enterprises request services"));
        }
        let offering = self.offering(Some(principal), offering_id).await?;
        if !offering.public() {
            return Err(refuse(
                "该服务不在服务目录中（未发布、已下架或已被新版本替代）".into(),
                "the service is not in the catalogue (not published, withdrawn or replaced)".into(),
            ));
        }
        let mut problems = Problems::default();
        let need = text_between(
            &mut problems,
            "need",
            need,
            2000,
            "请说明需求",
            "say what you need",
        );
        problems.into_result()?;
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let platform: i64 =
            sqlx::query_scalar("SELECT platform_id FROM service_offerings WHERE id = $1")
                .bind(offering_id)
                .fetch_one(&mut *transaction)
                .await?;
        let id = allocate_ids(&mut transaction, "service_requests", 1).await?;
        let year = &now.to_shanghai_date_string()[..4];
        let number = format!("SR{year}-{id:05}");
        sqlx::query(
            "INSERT INTO service_requests (id, number, kind, offering_id, platform_id, client_id, title, need, status, \
             created_at, created_by, updated_at) VALUES ($1, $2, 'service', $3, $4, $5, $6, $7, 'requested', $8, $9, $8)",
        )
        .bind(id)
        .bind(&number)
        .bind(offering_id)
        .bind(platform)
        .bind(principal.organization_id)
        .bind(&offering.title)
        .bind(&need)
        .bind(now.as_millis())
        .bind(&principal.username)
        .execute(&mut *transaction)
        .await?;
        let mut changes = Changes::new();
        changes
            .created("service", &offering.number)
            .created("version", offering.version)
            .created("need", &need);
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("service_request.created", "service_request", &number)
                .subject(principal.organization_id)
                .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.request(principal, &number).await
    }

    /// Takes `step` on request `number` from row version `expected`: the step's own side only
    /// (the other side and the city get 403), from the statuses it is allowed in. Audited.
    pub async fn step_request(
        &self,
        principal: &Principal,
        number: &str,
        step: &Step,
        expected: i64,
    ) -> Result<ServiceRequest> {
        let mut transaction = self.db.begin().await?;
        let row = self
            .request_row(&mut transaction, principal, number)
            .await?;
        let (platform, client) = (row.platform_id, row.client_id);
        let request = row.into_request()?;
        let (party, from, to) = step.rule();
        let acts = match party {
            Party::Platform => policy::may_answer_requests(principal, platform),
            Party::Client => policy::request_scope(principal) == RequestScope::Client(client),
        };
        if !acts {
            return Err(Error::Forbidden(match party {
                Party::Platform => "only the platform the request was made to takes this step",
                Party::Client => "only the enterprise that made the request takes this step",
            }));
        }
        if request.kind == RequestKind::FactoryOrder {
            return Err(refuse(
                "共享工厂订单在订单页面办理".into(),
                "a shared-factory order's steps are taken on the order".into(),
            ));
        }
        if !from.contains(&request.status) {
            return Err(refuse(
                format!(
                    "申请“{}”当前为“{}”，不能{}",
                    request.number,
                    request.status.label().zh,
                    step_label(step).zh
                ),
                format!(
                    "request {} is {}: it cannot be {}",
                    request.number,
                    request.status.label().en.to_lowercase(),
                    step_label(step).en
                ),
            ));
        }
        if request.row_version != expected {
            return Err(Error::StaleVersion {
                current: request.row_version,
            });
        }
        let now = self.clock.now();
        let mut changes = Changes::new();
        changes.field("status", request.status.as_str(), to.as_str());
        let mut note = String::new();
        let mut update = SqlBuilder::new("UPDATE service_requests SET status = ");
        update.push_bind(to.as_str());
        match step {
            Step::Quote(terms) => {
                let model = match request.offering_id {
                    Some(id) => {
                        let price_model: Option<String> = sqlx::query_scalar(
                            "SELECT price_model FROM service_offerings WHERE id = $1",
                        )
                        .bind(id)
                        .fetch_optional(&mut *transaction)
                        .await?;
                        price_model.and_then(|m| m.parse().ok())
                    }
                    None => None,
                };
                let terms = terms.check(model, request.created_at)?;
                changes
                    .field(
                        "amount_fen",
                        request.amount.map(Fen::get),
                        terms.amount.get(),
                    )
                    .field("scope", &request.scope, &terms.scope)
                    .field("starts_on", &request.starts_on, &terms.starts_on)
                    .field("due_on", &request.due_on, &terms.due_on);
                update
                    .push(", amount_fen = ")
                    .push_bind(terms.amount.get())
                    .push(", scope = ")
                    .push_bind(terms.scope)
                    .push(", starts_on = ")
                    .push_bind(terms.starts_on)
                    .push(", due_on = ")
                    .push_bind(terms.due_on)
                    .push(", due_at = ")
                    .push_bind(terms.due_at.as_millis())
                    .push(", quoted_at = ")
                    .push_bind(now.as_millis())
                    .push(", quoted_by = ")
                    .push_bind(principal.username.clone());
            }
            Step::Decline(reason) | Step::Cancel(reason) | Step::Dispute(reason) => {
                let mut problems = Problems::default();
                note = text_between(
                    &mut problems,
                    "reason",
                    reason,
                    500,
                    "请说明原因",
                    "give the reason",
                );
                problems.into_result()?;
                update.push(", reason = ").push_bind(note.clone());
            }
            Step::Confirm => {
                update
                    .push(", confirmed_at = ")
                    .push_bind(now.as_millis())
                    .push(", confirmed_by = ")
                    .push_bind(principal.username.clone());
            }
            Step::Deliver(report) => {
                let mut problems = Problems::default();
                let report = text_between(
                    &mut problems,
                    "report",
                    report,
                    5000,
                    "请填写交付报告",
                    "write the delivery report",
                );
                problems.into_result()?;
                changes.field("report", &request.report, &report);
                update
                    .push(", report = ")
                    .push_bind(report)
                    .push(", delivered_at = ")
                    .push_bind(now.as_millis())
                    .push(", delivered_by = ")
                    .push_bind(principal.username.clone())
                    .push(", deliveries = deliveries + 1");
            }
            Step::Accept => {
                update.push(", accepted_at = ").push_bind(now.as_millis());
            }
            Step::Rate { rating, comment } => {
                let mut problems = Problems::default();
                if !(1..=5).contains(rating) {
                    problems.add("rating", "评分为 1 到 5".into(), "rate from 1 to 5".into());
                }
                if comment.trim().chars().count() > 500 {
                    problems.add(
                        "comment",
                        "评价最长 500 字".into(),
                        "a comment has at most 500 characters".into(),
                    );
                }
                problems.into_result()?;
                changes.created("rating", rating);
                note = comment.trim().to_owned();
                update
                    .push(", rating = ")
                    .push_bind(*rating)
                    .push(", rating_comment = ")
                    .push_bind(note.clone())
                    .push(", rated_at = ")
                    .push_bind(now.as_millis());
            }
        }
        update
            .push(", updated_at = ")
            .push_bind(now.as_millis())
            .push(", row_version = row_version + 1 WHERE id = ")
            .push_bind(request.id)
            .push(" AND row_version = ")
            .push_bind(expected);
        let changed = update.query().execute(&mut *transaction).await?;
        if changed.rows_affected() != 1 {
            return Err(Error::StaleVersion {
                current: request.row_version,
            });
        }
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(audit_action(step), "service_request", &request.number)
                .subject(client)
                .changes(changes)
                .note(note),
        )
        .await?;
        transaction.commit().await?;
        self.request(principal, number).await
    }
}

/// The audit action of `step`.
fn audit_action(step: &Step) -> &'static str {
    match step {
        Step::Quote(_) => "service_request.quoted",
        Step::Decline(_) => "service_request.declined",
        Step::Cancel(_) => "service_request.cancelled",
        Step::Confirm => "service_request.confirmed",
        Step::Deliver(_) => "service_request.delivered",
        Step::Accept => "service_request.accepted",
        Step::Dispute(_) => "service_request.disputed",
        Step::Rate { .. } => "service_request.rated",
    }
}

/// What `step` does, in words that follow "cannot be".
fn step_label(step: &Step) -> Text {
    match step {
        Step::Quote(_) => Text::new("提出合同", "quoted"),
        Step::Decline(_) => Text::new("谢绝", "declined"),
        Step::Cancel(_) => Text::new("撤回", "cancelled"),
        Step::Confirm => Text::new("确认合同", "confirmed"),
        Step::Deliver(_) => Text::new("交付", "delivered"),
        Step::Accept => Text::new("验收", "accepted"),
        Step::Dispute(_) => Text::new("提出异议", "disputed"),
        Step::Rate { .. } => Text::new("评价", "rated"),
    }
}
