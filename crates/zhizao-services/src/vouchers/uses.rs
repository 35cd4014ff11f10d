//! Vouchers on contracts: an enterprise reserves part of a contract, the platform claims after
//! the delivery is accepted, the city reviews and reimburses; and the ledger each side reads.

use zhizao_core::{Fen, Text};
use zhizao_db::allocate_ids;
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy::{self, RequestScope};

use super::{
    Account, LedgerEntry, LedgerSummary, UseStatus, VoucherUse, invalid, move_quota, post, refuse,
};
use crate::request::{RequestKind, RequestStatus};
use crate::request_files::RequestFilePurpose;
use crate::{Error, PublicServices, Result};

impl PublicServices {
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
