//! Two years of innovation vouchers: the city's 2025 programme (closed at the year's end, what
//! was not used expired) and its 2026 programme (open). Most enterprises that contracted a
//! voucher-eligible service in a year held a quota, paid half of their contracts with it until
//! it ran out, and their platforms claimed once the delivery was accepted; the city approved
//! the claims and paid them, those of the last weeks still waiting. The demo enterprise holds
//! a 2026 quota it has not used yet. Every movement is a ledger entry, and the balance columns
//! are the ledger's sums.

use std::collections::BTreeMap;

use zhizao_core::Timestamp;
use zhizao_db::allocate_ids;
use zhizao_services::Account;
use zhizao_services::vouchers::post;

use crate::Error;
use crate::random::SplitMix64;

const DAY: i64 = 86_400_000;
/// 2,000,000 yuan a year.
const BUDGET_FEN: i64 = 200_000_000;
/// 50,000 yuan per enterprise.
const CAP_FEN: i64 = 5_000_000;

/// A quota's balances as the movements leave them.
#[derive(Default, Clone, Copy)]
struct Quota {
    id: i64,
    granted: i64,
    available: i64,
    reserved: i64,
    claimed: i64,
    redeemed: i64,
    reimbursed: i64,
    expired: i64,
}

impl Quota {
    fn balance(&mut self, account: Account) -> &mut i64 {
        match account {
            Account::Available => &mut self.available,
            Account::Reserved => &mut self.reserved,
            Account::Claimed => &mut self.claimed,
            Account::Redeemed => &mut self.redeemed,
            Account::Reimbursed => &mut self.reimbursed,
            Account::Expired => &mut self.expired,
            Account::Appropriation | Account::Budget => &mut self.granted,
        }
    }
}

/// Writes a movement of `amount` on `quota` (and its use) at `at` to the ledger and its
/// balances.
#[allow(clippy::too_many_arguments)]
async fn movement(
    connection: &mut sqlx::AnyConnection,
    at: i64,
    programme: i64,
    quota: &mut Quota,
    voucher_use: Option<i64>,
    (from, to): (Account, Account),
    amount: i64,
    memo: &str,
) -> Result<(), Error> {
    post(
        connection,
        Timestamp::from_millis(at),
        programme,
        Some(quota.id),
        voucher_use,
        (from, to),
        amount,
        memo,
        "demo",
    )
    .await?;
    if from != Account::Budget {
        *quota.balance(from) -= amount;
    }
    *quota.balance(to) += amount;
    if from == Account::Budget {
        quota.granted += amount;
    }
    Ok(())
}

/// Writes the programmes of the demo's last two years up to `now`, with `maker`'s unused
/// 2026 quota; returns how many vouchers paid part of a contract.
pub(crate) async fn load(
    connection: &mut sqlx::AnyConnection,
    random: &mut SplitMix64,
    now: Timestamp,
    maker: Option<i64>,
) -> Result<usize, Error> {
    let now = now.as_millis();
    let this_year = crate::now_year(Timestamp::from_millis(now));
    let mut uses = 0;
    for year in [this_year - 1, this_year] {
        let start = crate::projects::date(year, 1, 15).as_millis();
        let closed = year < this_year;
        let programme = allocate_ids(&mut *connection, "voucher_programmes", 1).await?;
        let code = format!("CV{year}");
        sqlx::query(
            "INSERT INTO voucher_programmes (id, code, year, title, budget_fen, share_bp, cap_per_enterprise_fen, \
             sectors, platforms, ends_on, status, unallocated_fen, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, 5000, $6, '[]', '[]', $7, $8, $5, $9, 'demo')",
        )
        .bind(programme)
        .bind(&code)
        .bind(year)
        .bind(format!("{year} 年中山市科技创新券"))
        .bind(BUDGET_FEN)
        .bind(CAP_FEN)
        .bind(format!("{year}-12-31"))
        .bind(if closed { "closed" } else { "open" })
        .bind(start - 10 * DAY)
        .execute(&mut *connection)
        .await?;
        post(
            connection,
            Timestamp::from_millis(start - 10 * DAY),
            programme,
            None,
            None,
            (Account::Appropriation, Account::Budget),
            BUDGET_FEN,
            "预算下达",
            "demo",
        )
        .await?;
        // The year's contracts of voucher-eligible services, in the order they were confirmed.
        let contracts: Vec<(i64, i64, i64, i64, i64, Option<i64>)> = sqlx::query_as(
            "SELECT r.id, r.client_id, r.platform_id, r.amount_fen, r.confirmed_at, r.accepted_at \
             FROM service_requests r JOIN service_offerings s ON s.id = r.offering_id \
             WHERE r.kind = 'service' AND s.vouchers = 1 AND r.amount_fen > 0 \
             AND r.confirmed_at >= $1 AND r.confirmed_at < $2 ORDER BY r.confirmed_at, r.id",
        )
        .bind(start)
        .bind(crate::projects::date(year + 1, 1, 1).as_millis())
        .fetch_all(&mut *connection)
        .await?;
        let mut quotas: BTreeMap<i64, Quota> = BTreeMap::new();
        let mut unallocated = BUDGET_FEN;
        // The demo enterprise first, so the budget does not run out before it.
        let mut holders: Vec<i64> = maker.filter(|_| !closed).into_iter().collect();
        holders.extend(contracts.iter().map(|c| c.1));
        for client in holders {
            if quotas.contains_key(&client) || (Some(client) != maker && random.unit() < 0.3) {
                continue;
            }
            let amount = random.between(2, 5) * 1_000_000;
            if amount > unallocated {
                break;
            }
            unallocated -= amount;
            let id = allocate_ids(&mut *connection, "voucher_quotas", 1).await?;
            sqlx::query(
                "INSERT INTO voucher_quotas (id, programme_id, enterprise_id, status, requested_fen, purpose, applied_at, \
                 applied_by, decided_at, decided_by) VALUES ($1, $2, $3, 'granted', $4, '购买公共技术服务', $5, 'demo', $6, 'demo')",
            )
            .bind(id)
            .bind(programme)
            .bind(client)
            .bind(amount)
            .bind(start - 5 * DAY)
            .bind(start)
            .execute(&mut *connection)
            .await?;
            let mut quota = Quota {
                id,
                ..Quota::default()
            };
            movement(
                connection,
                start,
                programme,
                &mut quota,
                None,
                (Account::Budget, Account::Available),
                amount,
                "发放额度",
            )
            .await?;
            quotas.insert(client, quota);
        }
        for (request, client, platform, contract, confirmed, accepted) in contracts {
            let Some(quota) = quotas.get_mut(&client) else {
                continue;
            };
            let amount = (contract / 2).min(quota.available);
            let reserved_at = confirmed + DAY;
            if amount <= 0 || reserved_at > now {
                continue;
            }
            let id = allocate_ids(&mut *connection, "voucher_uses", 1).await?;
            let claimed_at = accepted.map(|at| at + 3 * DAY).filter(|at| *at <= now);
            let approved_at = claimed_at.map(|at| at + 10 * DAY).filter(|at| *at <= now);
            let paid_at = approved_at.map(|at| at + 15 * DAY).filter(|at| *at <= now);
            let status = if paid_at.is_some() {
                "reimbursed"
            } else if approved_at.is_some() {
                "redeemed"
            } else if claimed_at.is_some() {
                "claimed"
            } else {
                "reserved"
            };
            sqlx::query(
                "INSERT INTO voucher_uses (id, quota_id, request_id, platform_id, amount_fen, status, reserved_at, \
                 reserved_by, claimed_at, claimed_by, reviewed_at, reviewed_by, reimbursed_at, reimbursed_by, \
                 payment_reference) VALUES ($1, $2, $3, $4, $5, $6, $7, 'demo', $8, $9, $10, $11, $12, $13, $14)",
            )
            .bind(id)
            .bind(quota.id)
            .bind(request)
            .bind(platform)
            .bind(amount)
            .bind(status)
            .bind(reserved_at)
            .bind(claimed_at)
            .bind(claimed_at.map(|_| "demo"))
            .bind(approved_at)
            .bind(approved_at.map(|_| "demo"))
            .bind(paid_at)
            .bind(paid_at.map(|_| "demo"))
            .bind(paid_at.map_or(String::new(), |at| format!("ZSKJ{}", at / DAY)))
            .execute(&mut *connection)
            .await?;
            let steps = [
                (
                    Some(reserved_at),
                    (Account::Available, Account::Reserved),
                    "抵扣合同",
                ),
                (
                    claimed_at,
                    (Account::Reserved, Account::Claimed),
                    "申请兑付",
                ),
                (
                    approved_at,
                    (Account::Claimed, Account::Redeemed),
                    "核准兑付",
                ),
                (paid_at, (Account::Redeemed, Account::Reimbursed), "拨付"),
            ];
            for (at, accounts, memo) in steps {
                if let Some(at) = at {
                    movement(
                        connection,
                        at,
                        programme,
                        quota,
                        Some(id),
                        accounts,
                        amount,
                        memo,
                    )
                    .await?;
                }
            }
            uses += 1;
        }
        if closed {
            let at = crate::projects::date(year + 1, 1, 5).as_millis();
            for quota in quotas.values_mut() {
                let free = quota.available;
                if free > 0 {
                    movement(
                        connection,
                        at,
                        programme,
                        quota,
                        None,
                        (Account::Available, Account::Expired),
                        free,
                        "计划结束，未用额度过期",
                    )
                    .await?;
                }
            }
        }
        for quota in quotas.values() {
            sqlx::query(
                "UPDATE voucher_quotas SET granted_fen = $1, available_fen = $2, reserved_fen = $3, claimed_fen = $4, \
                 redeemed_fen = $5, reimbursed_fen = $6, expired_fen = $7 WHERE id = $8",
            )
            .bind(quota.granted)
            .bind(quota.available)
            .bind(quota.reserved)
            .bind(quota.claimed)
            .bind(quota.redeemed)
            .bind(quota.reimbursed)
            .bind(quota.expired)
            .bind(quota.id)
            .execute(&mut *connection)
            .await?;
        }
        sqlx::query("UPDATE voucher_programmes SET unallocated_fen = $1 WHERE id = $2")
            .bind(unallocated)
            .bind(programme)
            .execute(&mut *connection)
            .await?;
    }
    Ok(uses)
}
