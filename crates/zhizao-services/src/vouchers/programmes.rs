//! Programmes and quotas: the city opens a programme with its budget and closes it (what is
//! free expires); enterprises apply for quotas within the cap, or the city grants them.

use zhizao_core::Fen;
use zhizao_db::allocate_ids;
use zhizao_identity::Principal;
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::policy::{self, RequestScope};

use super::{
    Account, Programme, ProgrammeInput, ProgrammeRow, Quota, SELECT_PROGRAMMES, invalid,
    move_quota, post, refuse,
};
use crate::{Error, Problems, PublicServices, Result};

impl PublicServices {
    pub(super) async fn programme_row(
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
            AuditEntry::new("voucher_quota.applied", "voucher_quota", id.to_string())
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
            AuditEntry::new("voucher_quota.granted", "voucher_quota", id.to_string())
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
                    AuditEntry::new("voucher_quota.refused", "voucher_quota", id.to_string())
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
}
