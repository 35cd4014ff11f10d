//! Enterprises joining on their own: a company asks for an account with its unified social
//! credit code, the city or its town checks the request against what they know, and approving
//! it links the registry record with that code (or registers the company from the request) and
//! creates the account as the enterprise's administrator, who then manages its other users. The
//! applicant hears the outcome through the notification outbox.

use serde::Serialize;
use zhizao_core::{CreditCode, FieldError, Text, Timestamp, closed_vocabulary};
use zhizao_db::{SqlBuilder, allocate_ids};
use zhizao_identity::audit::{self, AuditEntry, Changes};
use zhizao_identity::notifications::{NotificationChannel, enqueue};
use zhizao_identity::policy::{self, EnterpriseScope};
use zhizao_identity::{
    Actor, Channel, NewUser, PasswordHashing, Principal, check_new_password,
    create_user_with_hash_in, parse_username,
};

use crate::enterprises::insert_enterprise;
use crate::model::EnterpriseInput;
use crate::scope::town_in_scope;
use crate::validate::{References, validate_new};
use crate::{Error, Registry, Result};

/// Requests one address may send in an hour (a form anyone can reach).
const REQUESTS_PER_ADDRESS_HOUR: i64 = 5;

closed_vocabulary! {
    /// Where a sign-up stands.
    SignupStatus, "sign-up status" {
        /// Waiting for the city or the town.
        Pending => "pending", "待审核", "Pending";
        /// The account works.
        Approved => "approved", "已通过", "Approved";
        /// Refused, with the reason.
        Rejected => "rejected", "未通过", "Rejected";
    }
}

/// What a company sends to join.
#[derive(Debug, Clone, Default)]
pub struct SignupInput {
    /// Unified social credit code.
    pub credit_code: String,
    /// Registered name.
    pub enterprise_name: String,
    /// Legal representative.
    pub legal_representative: String,
    /// Township code.
    pub town_code: String,
    /// Industry class code.
    pub industry_code: String,
    /// The person asking.
    pub contact_name: String,
    /// Their mobile number (the outcome is sent there without an e-mail address).
    pub phone: String,
    /// Their e-mail address.
    pub email: String,
    /// The login they want.
    pub username: String,
    /// The password they chose (kept only as its hash).
    pub password: String,
}

/// A sign-up as the city or town reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SignupRequest {
    /// Row id.
    pub id: i64,
    /// Unified social credit code.
    pub credit_code: String,
    /// Name as given.
    pub enterprise_name: String,
    /// Legal representative as given.
    pub legal_representative: String,
    /// Township code.
    pub town_code: String,
    /// The town's name.
    pub town_name_zh: String,
    /// Industry class code.
    pub industry_code: String,
    /// The person asking.
    pub contact_name: String,
    /// Mobile number.
    pub phone: String,
    /// E-mail address.
    pub email: String,
    /// The login asked for.
    pub username: String,
    /// Where it stands.
    #[sqlx(try_from = "String")]
    pub status: SignupStatus,
    /// Why it was refused.
    pub reason: String,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When.
    #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
    pub decided_at: Option<Timestamp>,
    /// When it was sent.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub created_at: Timestamp,
    /// The registry's name for the company with this code, when it is registered.
    pub registered_name: Option<String>,
    /// Optimistic-locking version.
    pub version: i64,
}

const SIGNUP_COLUMNS: &str = "SELECT s.id, s.credit_code, s.enterprise_name, s.legal_representative, s.town_code, \
     COALESCE(t.name_zh, s.town_code) AS town_name_zh, s.industry_code, s.contact_name, s.phone, s.email, s.username, \
     s.status, s.reason, s.decided_by, s.decided_at, s.created_at, e.name AS registered_name, s.version \
     FROM signup_requests s LEFT JOIN towns t ON t.code = s.town_code LEFT JOIN enterprises e ON e.credit_code = s.credit_code";

fn required(field: &str) -> FieldError {
    FieldError::new(field, Text::new("必填", "is required"))
}

/// The request's problems, each named by its field; the enterprise's fields are checked as a
/// registration would check them.
fn problems(input: &SignupInput, references: &References, today: &str) -> Vec<FieldError> {
    let enterprise = EnterpriseInput {
        credit_code: Some(input.credit_code.clone()),
        name: Some(input.enterprise_name.clone()),
        legal_representative: Some(input.legal_representative.clone()),
        town: Some(input.town_code.clone()),
        industry_code: Some(input.industry_code.clone()),
        above_designated_size: Some(false),
        ..EnterpriseInput::default()
    };
    let mut errors: Vec<FieldError> = validate_new(&enterprise, references, today)
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(|mut e| {
            if e.field == "name" {
                e.field = "enterprise_name".into();
            }
            e
        })
        .collect();
    let contact = input.contact_name.trim();
    if contact.is_empty() {
        errors.push(required("contact_name"));
    } else if contact.chars().count() > 50 {
        errors.push(FieldError::new(
            "contact_name",
            Text::new("最长 50 字", "at most 50 characters"),
        ));
    }
    let digits = input.phone.chars().filter(char::is_ascii_digit).count();
    if !(7..=15).contains(&digits)
        || input
            .phone
            .chars()
            .any(|c| !(c.is_ascii_digit() || matches!(c, '+' | '-' | ' ')))
    {
        errors.push(FieldError::new(
            "phone",
            Text::new("请填写有效的手机号", "give a valid mobile number"),
        ));
    }
    let email = input.email.trim();
    if !email.is_empty() && (!email.contains('@') || email.chars().count() > 200) {
        errors.push(FieldError::new(
            "email",
            Text::new("电子邮箱格式不正确", "this is not an e-mail address"),
        ));
    }
    match parse_username(&input.username) {
        Ok(username) => {
            if let Err(zhizao_identity::Error::Invalid(password)) =
                check_new_password(&input.password, &username)
            {
                errors.extend(password);
            }
        }
        Err(message) => errors.push(FieldError::new("username", message)),
    }
    errors
}

impl Registry {
    /// Receives a company's request to join (anyone, from the sign-up page); the password is
    /// kept only as its hash. A code or a login already waiting, or a login already in use, is
    /// refused; so is a sixth request from one address within the hour.
    pub async fn request_signup(
        &self,
        hashing: &PasswordHashing,
        input: &SignupInput,
        ip: &str,
    ) -> Result<SignupRequest> {
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        let recent: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM signup_requests WHERE ip = $1 AND created_at > $2",
        )
        .bind(ip)
        .bind(now.as_millis() - 3_600_000)
        .fetch_one(&mut *transaction)
        .await?;
        if recent >= REQUESTS_PER_ADDRESS_HOUR {
            return Err(Error::Identity(zhizao_identity::Error::Throttled {
                retry_after_seconds: 3600,
            }));
        }
        let references = References::load(&mut transaction).await?;
        let mut errors = problems(input, &references, &self.today());
        let username = parse_username(&input.username).unwrap_or_default();
        let credit_code = CreditCode::parse(&input.credit_code)
            .map(|c| c.to_string())
            .unwrap_or_default();
        if !username.is_empty() {
            let taken: i64 = sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM users WHERE username = $1) + \
                 (SELECT COUNT(*) FROM signup_requests WHERE username = $1 AND status = 'pending')",
            )
            .bind(&username)
            .fetch_one(&mut *transaction)
            .await?;
            if taken > 0 {
                errors.push(FieldError::new(
                    "username",
                    Text::owned(
                        format!("用户名“{username}”已被使用"),
                        format!("the user name {username:?} is taken"),
                    ),
                ));
            }
        }
        if !credit_code.is_empty() {
            let waiting: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM signup_requests WHERE credit_code = $1 AND status = 'pending'",
            )
            .bind(&credit_code)
            .fetch_one(&mut *transaction)
            .await?;
            if waiting > 0 {
                errors.push(FieldError::new(
                    "credit_code",
                    Text::new(
                        "该企业已有待审核的注册申请，请等待审核结果",
                        "this company's request is already waiting to be checked",
                    ),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let password_hash = hashing
            .hash(input.password.clone())
            .await
            .map_err(Error::Identity)?;
        // A registered company is verified by the town it is registered in, whatever the
        // request says.
        let registered_town: Option<String> =
            sqlx::query_scalar("SELECT town_code FROM enterprises WHERE credit_code = $1")
                .bind(&credit_code)
                .fetch_optional(&mut *transaction)
                .await?;
        let town_code = match registered_town {
            Some(town) => town,
            None => references
                .resolve_town(input.town_code.trim())
                .map(|town| town.code.clone())
                .unwrap_or_else(|_| input.town_code.trim().to_owned()),
        };
        let id = allocate_ids(&mut transaction, "signup_requests", 1).await?;
        sqlx::query(
            "INSERT INTO signup_requests (id, credit_code, enterprise_name, town_code, industry_code, legal_representative, \
             contact_name, phone, email, username, password_hash, status, reason, created_at, ip, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', '', $12, $13, 1)",
        )
        .bind(id)
        .bind(&credit_code)
        .bind(input.enterprise_name.trim())
        .bind(&town_code)
        .bind(input.industry_code.trim())
        .bind(input.legal_representative.trim())
        .bind(input.contact_name.trim())
        .bind(input.phone.trim())
        .bind(input.email.trim())
        .bind(&username)
        .bind(password_hash)
        .bind(now.as_millis())
        .bind(ip)
        .execute(&mut *transaction)
        .await?;
        audit::record(
            &mut transaction,
            &Actor::anonymous(&username, Channel::Web, ip),
            now,
            AuditEntry::new("signup.requested", "signup", &credit_code)
                .note(input.enterprise_name.trim()),
        )
        .await?;
        let request = signup_by_id(&mut transaction, id).await?;
        transaction.commit().await?;
        Ok(request)
    }

    /// Sign-ups `principal` verifies (the city all, a town its own), pending first, newest
    /// first within.
    pub async fn signups(
        &self,
        principal: &Principal,
        status: Option<SignupStatus>,
    ) -> Result<Vec<SignupRequest>> {
        let scope = policy::signup_scope(principal);
        let mut select = SqlBuilder::new(SIGNUP_COLUMNS);
        select.push(" WHERE 1 = 1");
        match &scope {
            EnterpriseScope::All => {}
            EnterpriseScope::Town(town) => {
                select.push(" AND s.town_code = ").push_bind(town.clone());
            }
            _ => return Ok(Vec::new()),
        }
        if let Some(status) = status {
            select.push(" AND s.status = ").push_bind(status.as_str());
        }
        select.push(" ORDER BY CASE WHEN s.status = 'pending' THEN 0 ELSE 1 END, s.created_at DESC LIMIT 500");
        Ok(select.query_as().fetch_all(self.db.pool()).await?)
    }

    /// One sign-up `principal` verifies; any other is not found.
    pub async fn signup(&self, principal: &Principal, id: i64) -> Result<SignupRequest> {
        let mut connection = self.db.pool().acquire().await?;
        let references = References::load(&mut connection).await?;
        visible_signup(&mut connection, &references, principal, id).await
    }

    /// Approves a sign-up (linking or registering the enterprise, creating the account as its
    /// administrator) or refuses it with a reason; the applicant is told either way.
    pub async fn decide_signup(
        &self,
        principal: &Principal,
        id: i64,
        approve: bool,
        reason: &str,
        expected_version: i64,
    ) -> Result<SignupRequest> {
        let mut transaction = self.db.begin().await?;
        let references = References::load(&mut transaction).await?;
        let request = visible_signup(&mut transaction, &references, principal, id).await?;
        if request.status != SignupStatus::Pending || request.version != expected_version {
            return Err(Error::SignupDecided {
                id,
                current: request.version,
            });
        }
        let reason = reason.trim();
        if !approve && reason.is_empty() {
            return Err(Error::invalid(
                "reason",
                Text::new("不予通过时须写明理由", "say why the request is refused"),
            ));
        }
        let now = self.clock.now();
        let actor = principal.actor();
        if approve {
            let existing: Option<(i64, String)> =
                sqlx::query_as("SELECT id, name FROM enterprises WHERE credit_code = $1")
                    .bind(&request.credit_code)
                    .fetch_optional(&mut *transaction)
                    .await?;
            let organization_code = match existing {
                Some(_) => request.credit_code.clone(),
                None => {
                    let input = EnterpriseInput {
                        credit_code: Some(request.credit_code.clone()),
                        name: Some(request.enterprise_name.clone()),
                        legal_representative: Some(request.legal_representative.clone()),
                        town: Some(request.town_code.clone()),
                        industry_code: Some(request.industry_code.clone()),
                        above_designated_size: Some(false),
                        contact_name: Some(request.contact_name.clone()),
                        contact_phone: Some(request.phone.clone()),
                        contact_email: Some(request.email.clone()),
                        ..EnterpriseInput::default()
                    };
                    let record =
                        validate_new(&input, &references, &self.today()).map_err(Error::Invalid)?;
                    insert_enterprise(
                        &mut transaction,
                        &actor,
                        now,
                        &record,
                        "enterprise.created",
                        "from a sign-up",
                    )
                    .await?;
                    request.credit_code.clone()
                }
            };
            let password_hash: String =
                sqlx::query_scalar("SELECT password_hash FROM signup_requests WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *transaction)
                    .await?;
            create_user_with_hash_in(
                &mut transaction,
                &password_hash,
                &actor,
                now,
                &NewUser {
                    organization_code,
                    username: request.username.clone(),
                    display_name: request.contact_name.clone(),
                    role: policy::signed_up_role().as_str().to_owned(),
                    password: String::new(),
                    email: request.email.clone(),
                    phone: request.phone.clone(),
                    org_admin: true,
                },
            )
            .await?;
        }
        let status = if approve {
            SignupStatus::Approved
        } else {
            SignupStatus::Rejected
        };
        sqlx::query(
            "UPDATE signup_requests SET status = $1, reason = $2, decided_by = $3, decided_at = $4, password_hash = '', \
             version = version + 1 WHERE id = $5 AND version = $6",
        )
        .bind(status.as_str())
        .bind(reason)
        .bind(&principal.username)
        .bind(now.as_millis())
        .bind(id)
        .bind(expected_version)
        .execute(&mut *transaction)
        .await?;
        let (channel, recipient) = if request.email.contains('@') {
            (NotificationChannel::Email, request.email.clone())
        } else {
            (NotificationChannel::Sms, request.phone.clone())
        };
        let body = if approve {
            format!(
                "{}，您好：\n{}的智造平台账号“{}”已审核通过，现在可以登录；您是本企业的管理员，可以为同事开设账号。\n\
                 The Zhizao account {:?} of {} is approved; you can sign in now and open accounts for your colleagues.",
                request.contact_name,
                request.enterprise_name,
                request.username,
                request.username,
                request.enterprise_name
            )
        } else {
            format!(
                "{}，您好：\n{}的智造平台注册申请未通过，理由：{reason}\n如有疑问请联系所在镇街。\n\
                 The Zhizao sign-up of {} was not approved: {reason}",
                request.contact_name, request.enterprise_name, request.enterprise_name
            )
        };
        enqueue(
            &mut transaction,
            channel,
            &recipient,
            "智造平台：注册审核结果 / Zhizao: your sign-up",
            &body,
            now,
        )
        .await
        .map_err(Error::Identity)?;
        let mut changes = Changes::new();
        changes.field("status", request.status.as_str(), status.as_str());
        audit::record(
            &mut transaction,
            &actor,
            now,
            AuditEntry::new(
                if approve {
                    "signup.approved"
                } else {
                    "signup.rejected"
                },
                "signup",
                &request.credit_code,
            )
            .changes(changes)
            .note(reason),
        )
        .await?;
        let decided = signup_by_id(&mut transaction, id).await?;
        transaction.commit().await?;
        Ok(decided)
    }
}

/// The sign-up `id` when `principal` verifies it; not found otherwise.
async fn visible_signup(
    connection: &mut sqlx::AnyConnection,
    references: &References,
    principal: &Principal,
    id: i64,
) -> Result<SignupRequest> {
    let scope = policy::signup_scope(principal);
    let request = signup_by_id(connection, id).await?;
    let visible = matches!(scope, EnterpriseScope::All | EnterpriseScope::Town(_))
        && town_in_scope(&scope, &request.town_code, |code| {
            references.successor_of(code)
        });
    if visible {
        Ok(request)
    } else {
        Err(Error::NotFound(format!("sign-up {id}")))
    }
}

async fn signup_by_id(connection: &mut sqlx::AnyConnection, id: i64) -> Result<SignupRequest> {
    let mut select = SqlBuilder::new(SIGNUP_COLUMNS);
    select.push(" WHERE s.id = ").push_bind(id);
    select
        .query_as()
        .fetch_optional(&mut *connection)
        .await?
        .ok_or_else(|| Error::NotFound(format!("sign-up {id}")))
}
