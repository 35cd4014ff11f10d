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

use crate::{Error, Problems, Result};

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

/// Writes one double entry: `amount` from the first account of the pair to the second, inside
/// the caller's transaction, without a permission check or a balance (the demo data, imports:
/// the caller keeps the balance columns with it).
#[allow(clippy::too_many_arguments)]
pub async fn post(
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

mod programmes;
mod uses;
