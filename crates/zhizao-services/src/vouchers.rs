//! Innovation vouchers (科技创新券). The city opens a programme — its year, budget, the share of
//! a contract a voucher may pay, a cap per enterprise, the eligible sectors and platforms, the
//! day its quotas end. An enterprise applies for a quota (or the city grants one); it pays part
//! of a contract with it (reserved on that request); after the delivery is accepted the
//! platform claims redemption with the contract, its delivery evidence and proof of the
//! enterprise's own payment; the city reviews (redeemed, or back to reserved with a reason) and
//! records the reimbursement. Closing a programme expires what no contract reserved.
//!
//! Money moves only by double entries ([`LedgerEntry`]: `amount` from `credit` to `debit`)
//! between the accounts of [`Account`]; each programme's and quota's balances are kept beside
//! the ledger in the same transaction by conditional updates that never take a balance below
//! zero, so two concurrent uses of one quota cannot both pass, on either database.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use zhizao_core::{Fen, FieldError, Text, Timestamp, closed_vocabulary};
use zhizao_db::allocate_ids;
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy::{self, RequestScope};

use crate::request::{RequestKind, RequestStatus};
use crate::request_files::RequestFilePurpose;
use crate::{Error, Problems, PublicServices, Result};

closed_vocabulary! {
    /// An account of the voucher ledger.
    Account, "voucher account" {
        /// The city's appropriation the budget comes from (the only account below zero).
        Appropriation => "appropriation", "财政拨款", "Appropriation";
        /// A programme's budget not yet granted.
        Budget => "budget", "未分配预算", "Unallocated budget";
        /// Granted to an enterprise and free to use.
        Available => "available", "可用额度", "Available";
        /// Reserved on a contract.
        Reserved => "reserved", "已预占", "Reserved";
        /// Claimed by the platform after delivery.
        Claimed => "claimed", "已申请兑付", "Claimed";
        /// Approved by the city: owed to the platform.
        Redeemed => "redeemed", "已核准兑付", "Redeemed";
        /// Paid to the platform.
        Reimbursed => "reimbursed", "已拨付", "Reimbursed";
        /// Unused when the programme closed.
        Expired => "expired", "已过期", "Expired";
    }
}

closed_vocabulary! {
    /// Where a quota stands.
    QuotaStatus, "quota status" {
        /// The enterprise applied.
        Applied => "applied", "待审核", "Applied";
        /// The city granted it.
        Granted => "granted", "已发放", "Granted";
        /// The city refused it.
        Refused => "refused", "未获批", "Refused";
    }
}

closed_vocabulary! {
    /// Where a voucher's use on a contract stands.
    UseStatus, "voucher use status" {
        /// Reserved on the contract.
        Reserved => "reserved", "已预占", "Reserved";
        /// Claimed by the platform.
        Claimed => "claimed", "待审核兑付", "Claimed";
        /// Approved by the city.
        Redeemed => "redeemed", "已核准", "Redeemed";
        /// Paid to the platform.
        Reimbursed => "reimbursed", "已拨付", "Reimbursed";
        /// Released by the enterprise before a claim.
        Released => "released", "已释放", "Released";
    }
}

/// A programme as the city opens it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeInput {
    /// A short code, e.g. CV2026 (letters, digits and hyphens, 2–20).
    pub code: String,
    /// The year.
    pub year: i64,
    /// Its title (1–100 characters).
    pub title: String,
    /// The budget.
    pub budget: Fen,
    /// Basis points of a contract a voucher may pay (1–10,000; 5,000 is 50 %).
    pub share_bp: i64,
    /// The most one enterprise is granted.
    pub cap_per_enterprise: Fen,
    /// Eligible sectors' codes (none: all).
    #[serde(default)]
    pub sectors: Vec<String>,
    /// Eligible platforms' codes (none: all).
    #[serde(default)]
    pub platforms: Vec<String>,
    /// The last day quotas are used, YYYY-MM-DD.
    pub ends_on: String,
}

/// A voucher programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Programme {
    /// Its code.
    pub code: String,
    /// The year.
    pub year: i64,
    /// Its title.
    pub title: String,
    /// The budget.
    pub budget: Fen,
    /// Basis points of a contract a voucher may pay.
    pub share_bp: i64,
    /// The most one enterprise is granted.
    pub cap_per_enterprise: Fen,
    /// Eligible sectors (none: all).
    pub sectors: Vec<String>,
    /// Eligible platforms (none: all).
    pub platforms: Vec<String>,
    /// The last day quotas are used.
    pub ends_on: String,
    /// open or closed.
    pub open: bool,
    /// The budget not yet granted.
    pub unallocated: Fen,
    /// Opened when and by whom.
    pub created_at: Timestamp,
    /// The opener.
    pub created_by: String,
}

/// An enterprise's quota in a programme, with its balances.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Quota {
    /// Its id.
    pub id: i64,
    /// The programme's code.
    pub programme: String,
    /// The enterprise's organisation code and name.
    pub enterprise_code: String,
    /// Its name.
    pub enterprise_name: String,
    /// applied, granted or refused.
    pub status: String,
    /// What the enterprise asked for, fen.
    pub requested_fen: i64,
    /// What for.
    pub purpose: String,
    /// Why it was refused (or a note with the grant).
    pub reason: String,
    /// Granted in all, fen.
    pub granted_fen: i64,
    /// Free to use.
    pub available_fen: i64,
    /// Reserved on contracts.
    pub reserved_fen: i64,
    /// Claimed by platforms.
    pub claimed_fen: i64,
    /// Approved by the city.
    pub redeemed_fen: i64,
    /// Paid to platforms.
    pub reimbursed_fen: i64,
    /// Expired when the programme closed.
    pub expired_fen: i64,
    /// Send it back with a decision.
    pub row_version: i64,
}

/// A voucher paying part of one request's contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct VoucherUse {
    /// Its id.
    pub id: i64,
    /// The programme's code.
    pub programme: String,
    /// The request's number.
    pub request: String,
    /// The enterprise's organisation code.
    pub enterprise_code: String,
    /// The platform's organisation code.
    pub platform_code: String,
    /// The amount the voucher pays, fen.
    pub amount_fen: i64,
    /// reserved, claimed, redeemed, reimbursed or released.
    pub status: String,
    /// The city's note on its review.
    pub note: String,
    /// The bank reference of the reimbursement.
    pub payment_reference: String,
    /// Send it back with a step.
    pub row_version: i64,
}

/// One double entry of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct LedgerEntry {
    /// Its id.
    pub id: i64,
    /// When.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub at: Timestamp,
    /// The programme's code.
    pub programme: String,
    /// The enterprise's organisation code, for quota movements.
    pub enterprise_code: Option<String>,
    /// The platform's organisation code, for movements of a use.
    pub platform_code: Option<String>,
    /// The account the amount goes to.
    pub debit: String,
    /// The account it comes from.
    pub credit: String,
    /// How much, fen.
    pub amount_fen: i64,
    /// What it was.
    pub memo: String,
    /// Who.
    pub actor: String,
}

/// Balances of the accounts, fen, as the ledger sums them (granted: every grant).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Balances {
    /// Granted in all.
    pub granted: i64,
    /// Per account: what came in less what went out.
    pub accounts: BTreeMap<String, i64>,
}

impl Balances {
    /// The balance of `account`.
    pub fn of(&self, account: Account) -> i64 {
        self.accounts.get(account.as_str()).copied().unwrap_or(0)
    }

    fn add(&mut self, entry: &LedgerEntry) {
        *self.accounts.entry(entry.debit.clone()).or_default() += entry.amount_fen;
        *self.accounts.entry(entry.credit.clone()).or_default() -= entry.amount_fen;
        if entry.credit == Account::Budget.as_str() && entry.debit == Account::Available.as_str() {
            self.granted += entry.amount_fen;
        }
    }
}

/// A programme's ledger summed: the whole, by enterprise, by platform.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LedgerSummary {
    /// The programme.
    pub programme: Balances,
    /// By enterprise code.
    pub enterprises: BTreeMap<String, Balances>,
    /// By platform code (movements of uses only).
    pub platforms: BTreeMap<String, Balances>,
}

#[derive(sqlx::FromRow)]
struct ProgrammeRow {
    id: i64,
    code: String,
    year: i64,
    title: String,
    budget_fen: i64,
    share_bp: i64,
    cap_per_enterprise_fen: i64,
    sectors: String,
    platforms: String,
    ends_on: String,
    status: String,
    unallocated_fen: i64,
    created_at: i64,
    created_by: String,
}

impl ProgrammeRow {
    fn into_programme(self) -> Programme {
        Programme {
            code: self.code,
            year: self.year,
            title: self.title,
            budget: Fen::new(self.budget_fen),
            share_bp: self.share_bp,
            cap_per_enterprise: Fen::new(self.cap_per_enterprise_fen),
            sectors: serde_json::from_str(&self.sectors).unwrap_or_default(),
            platforms: serde_json::from_str(&self.platforms).unwrap_or_default(),
            ends_on: self.ends_on,
            open: self.status == "open",
            unallocated: Fen::new(self.unallocated_fen),
            created_at: Timestamp::from_millis(self.created_at),
            created_by: self.created_by,
        }
    }
}

const SELECT_PROGRAMMES: &str = "SELECT id, code, year, title, budget_fen, share_bp, cap_per_enterprise_fen, sectors, \
     platforms, ends_on, status, unallocated_fen, created_at, created_by FROM voucher_programmes";

/// A quota query ending in `tail`.
macro_rules! select_quotas {
    ($tail:literal) => {
        concat!(
            "SELECT q.id, p.code AS programme, o.code AS enterprise_code, o.name AS enterprise_name, q.status, \
             q.requested_fen, q.purpose, q.reason, q.granted_fen, q.available_fen, q.reserved_fen, q.claimed_fen, \
             q.redeemed_fen, q.reimbursed_fen, q.expired_fen, q.row_version FROM voucher_quotas q \
             JOIN voucher_programmes p ON p.id = q.programme_id JOIN organizations o ON o.id = q.enterprise_id",
            $tail
        )
    };
}

/// A voucher-use query ending in `tail`.
macro_rules! select_uses {
    ($tail:literal) => {
        concat!(
            "SELECT u.id, p.code AS programme, r.number AS request, e.code AS enterprise_code, \
             pl.code AS platform_code, u.amount_fen, u.status, u.note, u.payment_reference, u.row_version \
             FROM voucher_uses u JOIN voucher_quotas q ON q.id = u.quota_id \
             JOIN voucher_programmes p ON p.id = q.programme_id JOIN service_requests r ON r.id = u.request_id \
             JOIN organizations e ON e.id = q.enterprise_id JOIN organizations pl ON pl.id = u.platform_id",
            $tail
        )
    };
}

fn refuse(zh: String, en: String) -> Error {
    Error::Transition(Text::owned(zh, en))
}

fn invalid(field: &str, zh: String, en: String) -> Error {
    Error::Invalid(vec![FieldError::new(field, Text::owned(zh, en))])
}

/// Writes one double entry.
#[allow(clippy::too_many_arguments)]
async fn post(
    connection: &mut sqlx::AnyConnection,
    at: Timestamp,
    programme: i64,
    quota: Option<i64>,
    voucher_use: Option<i64>,
    (credit, debit): (Account, Account),
    amount: i64,
    memo: &str,
    actor: &str,
) -> Result<()> {
    let id = allocate_ids(&mut *connection, "voucher_ledger", 1).await?;
    sqlx::query(
        "INSERT INTO voucher_ledger (id, at, programme_id, quota_id, use_id, debit, credit, amount_fen, memo, actor) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id)
    .bind(at.as_millis())
    .bind(programme)
    .bind(quota)
    .bind(voucher_use)
    .bind(debit.as_str())
    .bind(credit.as_str())
    .bind(amount)
    .bind(memo)
    .bind(actor)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// Moves `amount` of quota `quota` from `from` to `to` in its balance columns, only when `from`
/// holds it; false when it does not (nothing changed).
async fn move_quota(
    connection: &mut sqlx::AnyConnection,
    quota: i64,
    (from, to): (Account, Account),
    amount: i64,
) -> Result<bool> {
    macro_rules! moved {
        ($from:literal, $to:literal) => {
            sqlx::query(concat!(
                "UPDATE voucher_quotas SET ",
                $from,
                " = ",
                $from,
                " - $1, ",
                $to,
                " = ",
                $to,
                " + $1, row_version = row_version + 1 WHERE id = $2 AND ",
                $from,
                " >= $1"
            ))
        };
    }
    let query = match (from, to) {
        (Account::Available, Account::Reserved) => moved!("available_fen", "reserved_fen"),
        (Account::Reserved, Account::Available) => moved!("reserved_fen", "available_fen"),
        (Account::Reserved, Account::Claimed) => moved!("reserved_fen", "claimed_fen"),
        (Account::Claimed, Account::Reserved) => moved!("claimed_fen", "reserved_fen"),
        (Account::Claimed, Account::Redeemed) => moved!("claimed_fen", "redeemed_fen"),
        (Account::Redeemed, Account::Reimbursed) => moved!("redeemed_fen", "reimbursed_fen"),
        (Account::Available, Account::Expired) => moved!("available_fen", "expired_fen"),
        _ => return Err(Error::Corrupt(format!("no quota movement {from} → {to}"))),
    };
    let changed = query
        .bind(amount)
        .bind(quota)
        .execute(&mut *connection)
        .await?;
    Ok(changed.rows_affected() == 1)
}

impl ProgrammeInput {
    fn check(&self, sectors: &[String], platforms: &[String]) -> Result<()> {
        let mut problems = Problems::default();
        let code = self.code.trim();
        if !(2..=20).contains(&code.len())
            || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            problems.add(
                "code",
                "编号为 2–20 位字母、数字或连字符".into(),
                "a code is 2–20 letters, digits or hyphens".into(),
            );
        }
        if !(2000..=2100).contains(&self.year) {
            problems.add("year", "请填写年度".into(), "give the year".into());
        }
        if !(1..=100).contains(&self.title.trim().chars().count()) {
            problems.add(
                "title",
                "请填写名称（最长 100 字）".into(),
                "give a title (at most 100 characters)".into(),
            );
        }
        if !(1..=100_000_000_000).contains(&self.budget.get()) {
            problems.add(
                "budget_fen",
                "预算须大于 0".into(),
                "the budget is more than zero".into(),
            );
        }
        if !(1..=10_000).contains(&self.share_bp) {
            problems.add(
                "share_bp",
                "抵扣比例为 0.01%–100%".into(),
                "the share is 1 to 10,000 basis points".into(),
            );
        }
        if self.cap_per_enterprise.get() <= 0 || self.cap_per_enterprise > self.budget {
            problems.add(
                "cap_per_enterprise_fen",
                "每家企业上限须大于 0 且不超过预算".into(),
                "the cap per enterprise is more than zero and at most the budget".into(),
            );
        }
        for code in &self.sectors {
            if !sectors.contains(code) {
                problems.add(
                    "sectors",
                    format!("没有板块“{code}”"),
                    format!("there is no sector {code:?}"),
                );
            }
        }
        for code in &self.platforms {
            if !platforms.contains(code) {
                problems.add(
                    "platforms",
                    format!("没有服务平台“{code}”"),
                    format!("there is no service platform {code:?}"),
                );
            }
        }
        if crate::request::parse_day(&self.ends_on).is_none() {
            problems.add(
                "ends_on",
                format!("“{}”不是日期（年-月-日）", self.ends_on.trim()),
                format!("{:?} is not a date (YYYY-MM-DD)", self.ends_on.trim()),
            );
        }
        problems.into_result()
    }
}

impl PublicServices {
    async fn programme_row(
        &self,
        connection: &mut sqlx::AnyConnection,
        code: &str,
    ) -> Result<ProgrammeRow> {
        let mut query = zhizao_db::SqlBuilder::new(SELECT_PROGRAMMES);
        query.push(" WHERE code = ").push_bind(code.trim());
        query
            .query_as()
            .fetch_optional(&mut *connection)
            .await?
            .ok_or_else(|| Error::NotFound {
                what: "voucher programme",
                key: code.trim().to_owned(),
            })
    }

    /// Every programme, newest first (anyone signed in: the rules are public).
    pub async fn programmes(&self) -> Result<Vec<Programme>> {
        let mut query = zhizao_db::SqlBuilder::new(SELECT_PROGRAMMES);
        query.push(" ORDER BY year DESC, code");
        let rows: Vec<ProgrammeRow> = query.query_as().fetch_all(self.db.pool()).await?;
        Ok(rows.into_iter().map(ProgrammeRow::into_programme).collect())
    }

    /// Programme `code` (anyone signed in).
    pub async fn programme(&self, code: &str) -> Result<Programme> {
        let mut connection = self.db.pool().acquire().await?;
        Ok(self
            .programme_row(&mut connection, code)
            .await?
            .into_programme())
    }

    /// Opens a programme with its budget from the city's appropriation (the city). Audited.
    pub async fn open_programme(
        &self,
        principal: &Principal,
        input: &ProgrammeInput,
    ) -> Result<Programme> {
        if !policy::may_run_voucher_programmes(principal) {
            return Err(Error::Forbidden("the city opens voucher programmes"));
        }
        let sectors: Vec<String> = self.sectors().await?.into_iter().map(|s| s.code).collect();
        let platforms: Vec<String> = sqlx::query_scalar(
            "SELECT code FROM organizations WHERE kind = 'platform' ORDER BY code",
        )
        .fetch_all(self.db.pool())
        .await?;
        input.check(&sectors, &platforms)?;
        let now = self.clock.now();
        let code = input.code.trim().to_owned();
        let mut transaction = self.db.begin().await?;
        let taken: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM voucher_programmes WHERE code = $1")
                .bind(&code)
                .fetch_one(&mut *transaction)
                .await?;
        if taken > 0 {
            return Err(invalid(
                "code",
                format!("编号“{code}”已被使用"),
                format!("the code {code:?} is taken"),
            ));
        }
        let id = allocate_ids(&mut transaction, "voucher_programmes", 1).await?;
        sqlx::query(
            "INSERT INTO voucher_programmes (id, code, year, title, budget_fen, share_bp, cap_per_enterprise_fen, \
             sectors, platforms, ends_on, status, unallocated_fen, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $5, $11, $12)",
        )
        .bind(id)
        .bind(&code)
        .bind(input.year)
        .bind(input.title.trim())
        .bind(input.budget.get())
        .bind(input.share_bp)
        .bind(input.cap_per_enterprise.get())
        .bind(serde_json::to_string(&input.sectors).unwrap_or_default())
        .bind(serde_json::to_string(&input.platforms).unwrap_or_default())
        .bind(input.ends_on.trim())
        .bind(now.as_millis())
        .bind(&principal.username)
        .execute(&mut *transaction)
        .await?;
        post(
            &mut transaction,
            now,
            id,
            None,
            None,
            (Account::Appropriation, Account::Budget),
            input.budget.get(),
            "预算下达",
            &principal.username,
        )
        .await?;
        let mut changes = Changes::new();
        changes
            .created("budget_fen", input.budget.get())
            .created("share_bp", input.share_bp)
            .created("cap_per_enterprise_fen", input.cap_per_enterprise.get());
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("voucher_programme.opened", "voucher_programme", &code)
                .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.programme(&code).await
    }

    /// The quotas `principal` sees in programme `code`: an enterprise its own, the city all.
    pub async fn quotas(&self, principal: &Principal, code: &str) -> Result<Vec<Quota>> {
        let programme = self.programme(code).await?;
        let quotas: Vec<Quota> =
            sqlx::query_as(select_quotas!(" WHERE p.code = $1 ORDER BY o.name"))
                .bind(&programme.code)
                .fetch_all(self.db.pool())
                .await?;
        Ok(match policy::request_scope(principal) {
            RequestScope::All => quotas,
            RequestScope::Client(_) => quotas
                .into_iter()
                .filter(|q| q.enterprise_code == principal.organization_code)
                .collect(),
            _ => Vec::new(),
        })
    }

    async fn quota_row(
        &self,
        connection: &mut sqlx::AnyConnection,
        principal: &Principal,
        id: i64,
    ) -> Result<(Quota, i64, i64)> {
        let row: Option<(i64, i64)> =
            sqlx::query_as("SELECT programme_id, enterprise_id FROM voucher_quotas WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *connection)
                .await?;
        let quota: Option<Quota> = sqlx::query_as(select_quotas!(" WHERE q.id = $1"))
            .bind(id)
            .fetch_optional(&mut *connection)
            .await?;
        match (row, quota) {
            (Some((programme, enterprise)), Some(quota))
                if matches!(policy::request_scope(principal), RequestScope::All)
                    || policy::request_scope(principal) == RequestScope::Client(enterprise) =>
            {
                Ok((quota, programme, enterprise))
            }
            _ => Err(Error::NotFound {
                what: "voucher quota",
                key: id.to_string(),
            }),
        }
    }

    /// Quota `id` (its enterprise and the city).
    pub async fn quota(&self, principal: &Principal, id: i64) -> Result<Quota> {
        let mut connection = self.db.pool().acquire().await?;
        Ok(self.quota_row(&mut connection, principal, id).await?.0)
    }

    /// Applies for a quota of `requested` in programme `code` for the caller's enterprise, for
    /// `purpose` (enterprises; one application per programme; within the cap). Audited.
    pub async fn apply_for_quota(
        &self,
        principal: &Principal,
        code: &str,
        requested: Fen,
        purpose: &str,
    ) -> Result<Quota> {
        if !policy::may_request_services(principal) {
            return Err(Error::Forbidden("enterprises apply for voucher quotas"));
        }
        self.new_quota(
            principal,
            code,
            principal.organization_id,
            requested,
            purpose,
            false,
        )
        .await
    }

    /// Grants `amount` of programme `code` to enterprise `enterprise_code` without an
    /// application (the city). Audited.
    pub async fn grant_quota(
        &self,
        principal: &Principal,
        code: &str,
        enterprise_code: &str,
        amount: Fen,
    ) -> Result<Quota> {
        if !policy::may_run_voucher_programmes(principal) {
            return Err(Error::Forbidden("the city grants voucher quotas"));
        }
        let enterprise: i64 = sqlx::query_scalar(
            "SELECT id FROM organizations WHERE code = $1 AND kind = 'enterprise'",
        )
        .bind(enterprise_code.trim())
        .fetch_optional(self.db.pool())
        .await?
        .ok_or_else(|| {
            invalid(
                "enterprise",
                format!("没有企业“{}”", enterprise_code.trim()),
                format!("there is no enterprise {:?}", enterprise_code.trim()),
            )
        })?;
        self.new_quota(
            principal,
            code,
            enterprise,
            amount,
            "市科技局直接发放",
            true,
        )
        .await
    }

    async fn new_quota(
        &self,
        principal: &Principal,
        code: &str,
        enterprise: i64,
        amount: Fen,
        purpose: &str,
        grant: bool,
    ) -> Result<Quota> {
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let programme = self.programme_row(&mut transaction, code).await?;
        if programme.status != "open" {
            return Err(refuse(
                format!("创新券计划“{}”已结束", programme.code),
                format!("voucher programme {} is closed", programme.code),
            ));
        }
        let mut problems = Problems::default();
        if amount.get() <= 0 || amount.get() > programme.cap_per_enterprise_fen {
            problems.add(
                "amount_fen",
                format!(
                    "额度须大于 0 且不超过每家企业上限 {} 元",
                    Fen::new(programme.cap_per_enterprise_fen).to_yuan_string()
                ),
                format!(
                    "the amount is more than zero and at most the cap of {} yuan",
                    Fen::new(programme.cap_per_enterprise_fen).to_yuan_string()
                ),
            );
        }
        if !(1..=500).contains(&purpose.trim().chars().count()) {
            problems.add(
                "purpose",
                "请说明用途（最长 500 字）".into(),
                "say what the vouchers are for (at most 500 characters)".into(),
            );
        }
        problems.into_result()?;
        let existing: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM voucher_quotas WHERE programme_id = $1 AND enterprise_id = $2",
        )
        .bind(programme.id)
        .bind(enterprise)
        .fetch_one(&mut *transaction)
        .await?;
        if existing > 0 {
            return Err(refuse(
                format!("该企业在“{}”中已有额度或申请", programme.code),
                format!(
                    "the enterprise already has a quota or an application in {}",
                    programme.code
                ),
            ));
        }
        let id = allocate_ids(&mut transaction, "voucher_quotas", 1).await?;
        sqlx::query(
            "INSERT INTO voucher_quotas (id, programme_id, enterprise_id, status, requested_fen, purpose, applied_at, \
             applied_by) VALUES ($1, $2, $3, 'applied', $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(programme.id)
        .bind(enterprise)
        .bind(amount.get())
        .bind(purpose.trim())
        .bind(now.as_millis())
        .bind(&principal.username)
        .execute(&mut *transaction)
        .await?;
        let mut changes = Changes::new();
        changes.created("requested_fen", amount.get());
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new("voucher_quota.applied", "voucher_quota", &id.to_string())
                .subject(enterprise)
                .changes(changes),
        )
        .await?;
        if grant {
            self.grant_in(
                &mut transaction,
                principal,
                &programme,
                id,
                enterprise,
                amount,
                "",
            )
            .await?;
        }
        transaction.commit().await?;
        self.quota(principal, id).await
    }

    /// Grants `amount` on quota `id` from the programme's unallocated budget.
    #[allow(clippy::too_many_arguments)]
    async fn grant_in(
        &self,
        connection: &mut sqlx::AnyConnection,
        principal: &Principal,
        programme: &ProgrammeRow,
        id: i64,
        enterprise: i64,
        amount: Fen,
        note: &str,
    ) -> Result<()> {
        let now = self.clock.now();
        let taken = sqlx::query(
            "UPDATE voucher_programmes SET unallocated_fen = unallocated_fen - $1 WHERE id = $2 AND unallocated_fen >= $1",
        )
        .bind(amount.get())
        .bind(programme.id)
        .execute(&mut *connection)
        .await?;
        if taken.rows_affected() != 1 {
            return Err(invalid(
                "amount_fen",
                "超出计划未分配预算".into(),
                "more than the programme's unallocated budget".into(),
            ));
        }
        sqlx::query(
            "UPDATE voucher_quotas SET status = 'granted', granted_fen = $1, available_fen = $1, reason = $2, \
             decided_at = $3, decided_by = $4, row_version = row_version + 1 WHERE id = $5",
        )
        .bind(amount.get())
        .bind(note)
        .bind(now.as_millis())
        .bind(&principal.username)
        .bind(id)
        .execute(&mut *connection)
        .await?;
        post(
            connection,
            now,
            programme.id,
            Some(id),
            None,
            (Account::Budget, Account::Available),
            amount.get(),
            "发放额度",
            &principal.username,
        )
        .await?;
        let mut changes = Changes::new();
        changes
            .field("status", "applied", "granted")
            .created("granted_fen", amount.get());
        audit::record(
            connection,
            &principal.actor(),
            now,
            AuditEntry::new("voucher_quota.granted", "voucher_quota", &id.to_string())
                .subject(enterprise)
                .changes(changes),
        )
        .await?;
        Ok(())
    }

    /// The city's decision on quota application `id`: grant `amount` (at most the cap) or
    /// refuse with a reason (`None`), from row version `expected`. Audited.
    pub async fn decide_quota(
        &self,
        principal: &Principal,
        id: i64,
        amount: Option<Fen>,
        reason: &str,
        expected: i64,
    ) -> Result<Quota> {
        let mut transaction = self.db.begin().await?;
        let (quota, programme_id, enterprise) =
            self.quota_row(&mut transaction, principal, id).await?;
        if !policy::may_run_voucher_programmes(principal) {
            return Err(Error::Forbidden("the city decides voucher quotas"));
        }
        if quota.status != "applied" {
            return Err(refuse(
                "只有待审核的申请可以审核".into(),
                "only an application is decided".into(),
            ));
        }
        if quota.row_version != expected {
            return Err(Error::StaleVersion {
                current: quota.row_version,
            });
        }
        let programme: ProgrammeRow = {
            let mut query = zhizao_db::SqlBuilder::new(SELECT_PROGRAMMES);
            query.push(" WHERE id = ").push_bind(programme_id);
            query.query_as().fetch_one(&mut *transaction).await?
        };
        match amount {
            Some(amount) => {
                if amount.get() <= 0 || amount.get() > programme.cap_per_enterprise_fen {
                    return Err(invalid(
                        "amount_fen",
                        "额度须大于 0 且不超过每家企业上限".into(),
                        "the amount is more than zero and at most the cap per enterprise".into(),
                    ));
                }
                self.grant_in(
                    &mut transaction,
                    principal,
                    &programme,
                    id,
                    enterprise,
                    amount,
                    reason.trim(),
                )
                .await?;
            }
            None => {
                if reason.trim().is_empty() {
                    return Err(invalid(
                        "reason",
                        "不予发放须说明原因".into(),
                        "say why the quota is refused".into(),
                    ));
                }
                sqlx::query(
                    "UPDATE voucher_quotas SET status = 'refused', reason = $1, decided_at = $2, decided_by = $3, \
                     row_version = row_version + 1 WHERE id = $4",
                )
                .bind(reason.trim())
                .bind(self.clock.now().as_millis())
                .bind(&principal.username)
                .bind(id)
                .execute(&mut *transaction)
                .await?;
                let mut changes = Changes::new();
                changes.field("status", "applied", "refused");
                audit::record(
                    &mut transaction,
                    &principal.actor(),
                    self.clock.now(),
                    AuditEntry::new("voucher_quota.refused", "voucher_quota", &id.to_string())
                        .subject(enterprise)
                        .changes(changes)
                        .note(reason.trim()),
                )
                .await?;
            }
        }
        transaction.commit().await?;
        self.quota(principal, id).await
    }

    /// The live voucher on request `number` (whoever sees the request), if any.
    pub async fn voucher_of_request(
        &self,
        principal: &Principal,
        number: &str,
    ) -> Result<Option<VoucherUse>> {
        let request = self.request(principal, number).await?;
        Ok(sqlx::query_as(select_uses!(
            " WHERE u.request_id = $1 AND u.status <> 'released'"
        ))
        .bind(request.id)
        .fetch_optional(self.db.pool())
        .await?)
    }

    /// The enterprise pays `amount` of request `number`'s contract with its quota in programme
    /// `code`: the service must take vouchers and be of an eligible sector and platform, the
    /// contract confirmed and not yet rated, the amount at most the programme's share of the
    /// contract and what the quota has free. Audited.
    pub async fn use_voucher(
        &self,
        principal: &Principal,
        number: &str,
        code: &str,
        amount: Fen,
    ) -> Result<VoucherUse> {
        let (request, platform, client) = self.request_with_sides(principal, number).await?;
        if policy::request_scope(principal) != RequestScope::Client(client) {
            return Err(Error::Forbidden(
                "only the enterprise that made the request pays with its vouchers",
            ));
        }
        if request.kind != RequestKind::Service
            || !matches!(
                request.status,
                RequestStatus::Contracted
                    | RequestStatus::Delivered
                    | RequestStatus::Disputed
                    | RequestStatus::Accepted
            )
        {
            return Err(refuse(
                "只有已确认合同、尚未评价的服务申请可以使用创新券".into(),
                "vouchers pay a confirmed contract of a service request before it is rated".into(),
            ));
        }
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let programme = self.programme_row(&mut transaction, code).await?;
        let ends = crate::request::parse_day(&programme.ends_on)
            .map(crate::request::end_of_day)
            .unwrap_or(now);
        if programme.status != "open" || now > ends {
            return Err(refuse(
                format!("创新券计划“{}”已结束", programme.code),
                format!("voucher programme {} has ended", programme.code),
            ));
        }
        let (takes_vouchers, sector): (i64, Option<String>) = sqlx::query_as(
            "SELECT s.vouchers, s.sector_code FROM service_requests r JOIN service_offerings s ON s.id = r.offering_id \
             WHERE r.id = $1",
        )
        .bind(request.id)
        .fetch_one(&mut *transaction)
        .await?;
        let sectors: Vec<String> = serde_json::from_str(&programme.sectors).unwrap_or_default();
        let platforms: Vec<String> = serde_json::from_str(&programme.platforms).unwrap_or_default();
        if takes_vouchers != 1
            || (!sectors.is_empty() && !sector.is_some_and(|s| sectors.contains(&s)))
            || (!platforms.is_empty() && !platforms.contains(&request.platform_code))
        {
            return Err(refuse(
                format!("该服务不在创新券计划“{}”的适用范围内", programme.code),
                format!(
                    "this service is not eligible under voucher programme {}",
                    programme.code
                ),
            ));
        }
        let contract = request.amount.map_or(0, Fen::get);
        let most = contract * programme.share_bp / 10_000;
        if amount.get() <= 0 || amount.get() > most {
            return Err(invalid(
                "amount_fen",
                format!(
                    "创新券最多抵扣合同金额的 {}%，即 {} 元",
                    programme.share_bp as f64 / 100.0,
                    Fen::new(most).to_yuan_string()
                ),
                format!(
                    "a voucher pays at most {}% of the contract: {} yuan",
                    programme.share_bp as f64 / 100.0,
                    Fen::new(most).to_yuan_string()
                ),
            ));
        }
        let quota: Option<(i64, i64)> = sqlx::query_as(
            "SELECT id, available_fen FROM voucher_quotas WHERE programme_id = $1 AND enterprise_id = $2 AND status = 'granted'",
        )
        .bind(programme.id)
        .bind(client)
        .fetch_optional(&mut *transaction)
        .await?;
        let Some((quota, _)) = quota else {
            return Err(refuse(
                format!("本企业在“{}”中没有已发放的额度", programme.code),
                format!("your enterprise has no granted quota in {}", programme.code),
            ));
        };
        let live: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM voucher_uses WHERE request_id = $1 AND status <> 'released'",
        )
        .bind(request.id)
        .fetch_one(&mut *transaction)
        .await?;
        if live > 0 {
            return Err(refuse(
                "该合同已使用创新券".into(),
                "this contract is already paid in part by a voucher".into(),
            ));
        }
        if !move_quota(
            &mut transaction,
            quota,
            (Account::Available, Account::Reserved),
            amount.get(),
        )
        .await?
        {
            return Err(invalid(
                "amount_fen",
                "超出可用额度".into(),
                "more than the quota has free".into(),
            ));
        }
        let id = allocate_ids(&mut transaction, "voucher_uses", 1).await?;
        sqlx::query(
            "INSERT INTO voucher_uses (id, quota_id, request_id, platform_id, amount_fen, status, reserved_at, reserved_by) \
             VALUES ($1, $2, $3, $4, $5, 'reserved', $6, $7)",
        )
        .bind(id)
        .bind(quota)
        .bind(request.id)
        .bind(platform)
        .bind(amount.get())
        .bind(now.as_millis())
        .bind(&principal.username)
        .execute(&mut *transaction)
        .await?;
        post(
            &mut transaction,
            now,
            programme.id,
            Some(quota),
            Some(id),
            (Account::Available, Account::Reserved),
            amount.get(),
            &format!("抵扣合同 {}", request.number),
            &principal.username,
        )
        .await?;
        let mut changes = Changes::new();
        changes
            .created("programme", &programme.code)
            .created("amount_fen", amount.get());
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "service_request.voucher_used",
                "service_request",
                &request.number,
            )
            .subject(client)
            .changes(changes),
        )
        .await?;
        transaction.commit().await?;
        self.voucher_use(principal, id).await
    }

    /// Voucher use `id` (its enterprise, its platform, the city).
    pub async fn voucher_use(&self, principal: &Principal, id: i64) -> Result<VoucherUse> {
        let found: Option<VoucherUse> = sqlx::query_as(select_uses!(" WHERE u.id = $1"))
            .bind(id)
            .fetch_optional(self.db.pool())
            .await?;
        match found {
            Some(found) if self.request(principal, &found.request).await.is_ok() => Ok(found),
            _ => Err(Error::NotFound {
                what: "voucher use",
                key: id.to_string(),
            }),
        }
    }

    /// Moves voucher use `id` from row version `expected` by `step`: who may, from where, the
    /// quota movement and the use's new status; `detail` is the note or reference kept.
    async fn step_use(
        &self,
        principal: &Principal,
        id: i64,
        expected: i64,
        step: UseStep,
        detail: &str,
        payment_proof: Option<(&str, Vec<u8>)>,
    ) -> Result<VoucherUse> {
        let current = self.voucher_use(principal, id).await?;
        let (request, platform, client) =
            self.request_with_sides(principal, &current.request).await?;
        let (allowed, from, movement, to, action) = step.rule();
        let may = match step {
            UseStep::Release => policy::request_scope(principal) == RequestScope::Client(client),
            UseStep::Claim => policy::may_answer_requests(principal, platform),
            UseStep::Approve | UseStep::Reject | UseStep::Reimburse => {
                policy::may_run_voucher_programmes(principal)
            }
        };
        if !may {
            return Err(Error::Forbidden(step.who()));
        }
        if current.status != from.as_str() {
            return Err(refuse(
                format!(
                    "创新券当前为“{}”，不能{}",
                    status_label(&current.status).zh,
                    allowed.zh
                ),
                format!(
                    "the voucher is {}: it cannot be {}",
                    status_label(&current.status).en.to_lowercase(),
                    allowed.en
                ),
            ));
        }
        if current.row_version != expected {
            return Err(Error::StaleVersion {
                current: current.row_version,
            });
        }
        let detail = detail.trim();
        match step {
            UseStep::Claim => {
                if !matches!(
                    request.status,
                    RequestStatus::Accepted | RequestStatus::Rated
                ) {
                    return Err(refuse(
                        "企业验收交付后方可申请兑付".into(),
                        "redemption is claimed once the enterprise accepted the delivery".into(),
                    ));
                }
                let evidence: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM service_request_files WHERE request_id = $1 AND purpose = 'evidence'",
                )
                .bind(request.id)
                .fetch_one(self.db.pool())
                .await?;
                if evidence == 0 {
                    return Err(invalid(
                        "evidence",
                        "申请兑付须先上传交付证明".into(),
                        "a claim needs the delivery evidence: upload it to the request first"
                            .into(),
                    ));
                }
                if payment_proof.is_none() {
                    return Err(invalid(
                        "file",
                        "请上传企业自付部分的付款凭证".into(),
                        "attach proof of the enterprise's own payment".into(),
                    ));
                }
            }
            UseStep::Reject if detail.is_empty() => {
                return Err(invalid(
                    "note",
                    "退回须说明原因".into(),
                    "say why the claim is returned".into(),
                ));
            }
            UseStep::Reimburse if detail.is_empty() => {
                return Err(invalid(
                    "payment_reference",
                    "请填写拨付凭证号".into(),
                    "give the payment's reference".into(),
                ));
            }
            _ => {}
        }
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let stored = match payment_proof {
            Some((name, bytes)) => Some(
                self.store_file(
                    &mut transaction,
                    principal,
                    &request,
                    client,
                    RequestFilePurpose::Payment,
                    name,
                    bytes,
                )
                .await?,
            ),
            None => None,
        };
        let outcome = async {
            let (quota, programme): (i64, i64) = sqlx::query_as(
                "SELECT q.id, q.programme_id FROM voucher_uses u JOIN voucher_quotas q ON q.id = u.quota_id WHERE u.id = $1",
            )
            .bind(id)
            .fetch_one(&mut *transaction)
            .await?;
            let changed = sqlx::query(
                "UPDATE voucher_uses SET status = $1, row_version = row_version + 1, \
                 note = CASE WHEN $2 = 'note' THEN $3 ELSE note END, \
                 payment_reference = CASE WHEN $2 = 'reference' THEN $3 ELSE payment_reference END, \
                 claimed_at = CASE WHEN $1 = 'claimed' THEN $4 ELSE claimed_at END, \
                 claimed_by = CASE WHEN $1 = 'claimed' THEN $5 ELSE claimed_by END, \
                 reviewed_at = CASE WHEN $2 = 'note' THEN $4 ELSE reviewed_at END, \
                 reviewed_by = CASE WHEN $2 = 'note' THEN $5 ELSE reviewed_by END, \
                 reimbursed_at = CASE WHEN $1 = 'reimbursed' THEN $4 ELSE reimbursed_at END, \
                 reimbursed_by = CASE WHEN $1 = 'reimbursed' THEN $5 ELSE reimbursed_by END \
                 WHERE id = $6 AND row_version = $7",
            )
            .bind(to.as_str())
            .bind(match step {
                UseStep::Approve | UseStep::Reject => "note",
                UseStep::Reimburse => "reference",
                _ => "",
            })
            .bind(detail)
            .bind(now.as_millis())
            .bind(&principal.username)
            .bind(id)
            .bind(expected)
            .execute(&mut *transaction)
            .await?;
            if changed.rows_affected() != 1 {
                return Err(Error::StaleVersion {
                    current: current.row_version,
                });
            }
            if !move_quota(&mut transaction, quota, movement, current.amount_fen).await? {
                return Err(Error::Corrupt(format!(
                    "voucher use {id}: its quota does not hold {} fen as {}",
                    current.amount_fen, movement.0
                )));
            }
            post(
                &mut transaction,
                now,
                programme,
                Some(quota),
                Some(id),
                movement,
                current.amount_fen,
                &format!("{} {}", action.1, current.request),
                &principal.username,
            )
            .await?;
            let mut changes = Changes::new();
            changes.field("voucher", current.status.as_str(), to.as_str());
            audit::record(
                &mut transaction,
                &principal.actor(),
                now,
                AuditEntry::new(action.0, "service_request", &current.request)
                    .subject(client)
                    .changes(changes)
                    .note(detail),
            )
            .await?;
            transaction.commit().await?;
            Ok::<(), Error>(())
        }
        .await;
        if let Err(error) = outcome {
            if let Some((_, path)) = stored {
                let _ = std::fs::remove_file(path);
            }
            return Err(error);
        }
        self.voucher_use(principal, id).await
    }

    /// The enterprise releases a voucher reserved on its contract (before a claim).
    pub async fn release_voucher(
        &self,
        principal: &Principal,
        id: i64,
        expected: i64,
    ) -> Result<VoucherUse> {
        self.step_use(principal, id, expected, UseStep::Release, "", None)
            .await
    }

    /// The platform claims redemption of voucher `id` once the delivery is accepted, with the
    /// delivery evidence already on the request and `payment_proof` (the enterprise's own
    /// payment) attached now.
    pub async fn claim_voucher(
        &self,
        principal: &Principal,
        id: i64,
        expected: i64,
        payment_proof: Option<(&str, Vec<u8>)>,
    ) -> Result<VoucherUse> {
        self.step_use(principal, id, expected, UseStep::Claim, "", payment_proof)
            .await
    }

    /// The city's review of a claim: approved (redeemed), or back to reserved with `note`.
    pub async fn review_voucher(
        &self,
        principal: &Principal,
        id: i64,
        expected: i64,
        approve: bool,
        note: &str,
    ) -> Result<VoucherUse> {
        let step = if approve {
            UseStep::Approve
        } else {
            UseStep::Reject
        };
        self.step_use(principal, id, expected, step, note, None)
            .await
    }

    /// The city records its payment of redeemed voucher `id` to the platform, by `reference`.
    pub async fn reimburse_voucher(
        &self,
        principal: &Principal,
        id: i64,
        expected: i64,
        reference: &str,
    ) -> Result<VoucherUse> {
        self.step_use(principal, id, expected, UseStep::Reimburse, reference, None)
            .await
    }

    /// The uses `principal` sees in programme `code`: an enterprise its own, a platform those
    /// on its contracts, the city all (its review queue: `status` claimed).
    pub async fn voucher_uses(
        &self,
        principal: &Principal,
        code: &str,
        status: Option<UseStatus>,
    ) -> Result<Vec<VoucherUse>> {
        let uses: Vec<VoucherUse> =
            sqlx::query_as(select_uses!(" WHERE p.code = $1 ORDER BY u.id DESC"))
                .bind(code.trim())
                .fetch_all(self.db.pool())
                .await?;
        Ok(uses
            .into_iter()
            .filter(|u| status.is_none_or(|s| u.status == s.as_str()))
            .filter(|u| match policy::request_scope(principal) {
                RequestScope::All => true,
                RequestScope::Client(_) => u.enterprise_code == principal.organization_code,
                RequestScope::Platform(_) => u.platform_code == principal.organization_code,
                RequestScope::Nothing => false,
            })
            .collect())
    }

    /// Closes programme `code` (the city): what no contract reserved expires; reserved and
    /// claimed vouchers are still concluded. Audited.
    pub async fn close_programme(&self, principal: &Principal, code: &str) -> Result<Programme> {
        if !policy::may_run_voucher_programmes(principal) {
            return Err(Error::Forbidden("the city closes voucher programmes"));
        }
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let programme = self.programme_row(&mut transaction, code).await?;
        if programme.status != "open" {
            return Err(refuse(
                "该计划已结束".into(),
                "the programme is already closed".into(),
            ));
        }
        let open: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT id, available_fen FROM voucher_quotas WHERE programme_id = $1 AND available_fen > 0",
        )
        .bind(programme.id)
        .fetch_all(&mut *transaction)
        .await?;
        for (quota, available) in open {
            if move_quota(
                &mut transaction,
                quota,
                (Account::Available, Account::Expired),
                available,
            )
            .await?
            {
                post(
                    &mut transaction,
                    now,
                    programme.id,
                    Some(quota),
                    None,
                    (Account::Available, Account::Expired),
                    available,
                    "计划结束，未用额度过期",
                    &principal.username,
                )
                .await?;
            }
        }
        sqlx::query("UPDATE voucher_programmes SET status = 'closed' WHERE id = $1")
            .bind(programme.id)
            .execute(&mut *transaction)
            .await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                "voucher_programme.closed",
                "voucher_programme",
                &programme.code,
            ),
        )
        .await?;
        transaction.commit().await?;
        self.programme(code).await
    }

    /// Programme `code`'s ledger entries `principal` sees, oldest first: the city all, an
    /// enterprise its quota's, a platform those of the vouchers on its contracts.
    pub async fn ledger(&self, principal: &Principal, code: &str) -> Result<Vec<LedgerEntry>> {
        let entries: Vec<LedgerEntry> = sqlx::query_as(
            "SELECT l.id, l.at, p.code AS programme, e.code AS enterprise_code, pl.code AS platform_code, \
             l.debit, l.credit, l.amount_fen, l.memo, l.actor FROM voucher_ledger l \
             JOIN voucher_programmes p ON p.id = l.programme_id \
             LEFT JOIN voucher_quotas q ON q.id = l.quota_id LEFT JOIN organizations e ON e.id = q.enterprise_id \
             LEFT JOIN voucher_uses u ON u.id = l.use_id LEFT JOIN organizations pl ON pl.id = u.platform_id \
             WHERE p.code = $1 ORDER BY l.id",
        )
        .bind(code.trim())
        .fetch_all(self.db.pool())
        .await?;
        Ok(entries
            .into_iter()
            .filter(|e| match policy::request_scope(principal) {
                RequestScope::All => true,
                RequestScope::Client(_) => {
                    e.enterprise_code.as_deref() == Some(principal.organization_code.as_str())
                }
                RequestScope::Platform(_) => {
                    e.platform_code.as_deref() == Some(principal.organization_code.as_str())
                }
                RequestScope::Nothing => false,
            })
            .collect())
    }

    /// Programme `code`'s ledger summed as `principal` sees it.
    pub async fn ledger_summary(&self, principal: &Principal, code: &str) -> Result<LedgerSummary> {
        let mut summary = LedgerSummary::default();
        for entry in self.ledger(principal, code).await? {
            summary.programme.add(&entry);
            if let Some(enterprise) = &entry.enterprise_code {
                summary
                    .enterprises
                    .entry(enterprise.clone())
                    .or_default()
                    .add(&entry);
            }
            if let Some(platform) = &entry.platform_code {
                summary
                    .platforms
                    .entry(platform.clone())
                    .or_default()
                    .add(&entry);
            }
        }
        Ok(summary)
    }
}

/// A step on a voucher use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UseStep {
    Release,
    Claim,
    Approve,
    Reject,
    Reimburse,
}

impl UseStep {
    /// (what it does, from, the quota movement, to, (audit action, ledger memo))
    fn rule(
        self,
    ) -> (
        Text,
        UseStatus,
        (Account, Account),
        UseStatus,
        (&'static str, &'static str),
    ) {
        use Account as A;
        use UseStatus as S;
        match self {
            UseStep::Release => (
                Text::new("释放", "released"),
                S::Reserved,
                (A::Reserved, A::Available),
                S::Released,
                ("service_request.voucher_released", "释放抵扣"),
            ),
            UseStep::Claim => (
                Text::new("申请兑付", "claimed"),
                S::Reserved,
                (A::Reserved, A::Claimed),
                S::Claimed,
                ("service_request.voucher_claimed", "申请兑付"),
            ),
            UseStep::Approve => (
                Text::new("核准兑付", "approved"),
                S::Claimed,
                (A::Claimed, A::Redeemed),
                S::Redeemed,
                ("service_request.voucher_redeemed", "核准兑付"),
            ),
            UseStep::Reject => (
                Text::new("退回兑付申请", "returned"),
                S::Claimed,
                (A::Claimed, A::Reserved),
                S::Reserved,
                ("service_request.voucher_returned", "退回兑付申请"),
            ),
            UseStep::Reimburse => (
                Text::new("拨付", "reimbursed"),
                S::Redeemed,
                (A::Redeemed, A::Reimbursed),
                S::Reimbursed,
                ("service_request.voucher_reimbursed", "拨付"),
            ),
        }
    }

    fn who(self) -> &'static str {
        match self {
            UseStep::Release => "only the enterprise releases its voucher",
            UseStep::Claim => "only the platform that delivered claims redemption",
            _ => "the city reviews and reimburses voucher claims",
        }
    }
}

fn status_label(status: &str) -> Text {
    status.parse::<UseStatus>().map_or_else(
        |_| Text::owned(status.to_owned(), status.to_owned()),
        |s| s.label(),
    )
}
