//! Users: people who sign in, each belonging to one organisation with one role.

use serde::Serialize;
use sqlx::AnyConnection;
use zhizao_core::{FieldError, Language, OrgKind, Page, PageRequest, Role, Text, Timestamp};
use zhizao_db::{SqlBuilder, allocate_ids, fetch_page, like_contains, unique_violation};

use crate::audit::{self, AuditEntry, Changes};
use crate::organizations::fetch_by_code;
use crate::password::{PasswordHashing, validate_new_password};
use crate::{Actor, Error, Identity, Principal, Result, policy};

/// A user as shown to administrators and to themselves (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct UserView {
    /// Internal id.
    pub id: i64,
    /// Login name (lower case).
    pub username: String,
    /// Name shown on pages.
    pub display_name: String,
    /// What the user may do.
    #[sqlx(try_from = "String")]
    pub role: Role,
    /// The organisation's id.
    pub organization_id: i64,
    /// The organisation's code.
    pub organization_code: String,
    /// The organisation's name.
    pub organization_name: String,
    /// The organisation's kind.
    #[sqlx(try_from = "String")]
    pub organization_kind: OrgKind,
    /// Interface language tag.
    pub language: String,
    /// E-mail address.
    pub email: String,
    /// Telephone number.
    pub phone: String,
    /// A disabled user cannot sign in or use tokens.
    #[sqlx(try_from = "zhizao_db::Flag")]
    pub disabled: bool,
    /// Administers the organisation's users.
    #[sqlx(try_from = "zhizao_db::Flag")]
    pub org_admin: bool,
    /// Locked after failed sign-ins until this instant, if locked.
    #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
    pub locked_until: Option<Timestamp>,
    /// Last successful sign-in.
    #[sqlx(try_from = "zhizao_db::OptionalTimestampColumn")]
    pub last_login_at: Option<Timestamp>,
    /// Created.
    #[sqlx(try_from = "zhizao_db::TimestampColumn")]
    pub created_at: Timestamp,
    /// Optimistic-locking version.
    pub version: i64,
}

/// A new user, as submitted.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    /// The code of the organisation the user belongs to.
    pub organization_code: String,
    /// Login name: 3–64 of `a-z 0-9 . _ -`, case-insensitive.
    pub username: String,
    /// Name shown on pages; the login name when empty.
    pub display_name: String,
    /// Role name; must fit the organisation's kind.
    pub role: String,
    /// Initial password.
    pub password: String,
    /// E-mail address.
    pub email: String,
    /// Telephone.
    pub phone: String,
    /// Administers the organisation's users.
    pub org_admin: bool,
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    /// New display name.
    pub display_name: Option<String>,
    /// New role (a permission change).
    pub role: Option<String>,
    /// New e-mail.
    pub email: Option<String>,
    /// New telephone.
    pub phone: Option<String>,
    /// Disable or enable.
    pub disabled: Option<bool>,
    /// Clear a lockout after failed sign-ins.
    pub unlock: bool,
    /// Make or unmake the organisation's administrator.
    pub org_admin: Option<bool>,
}

const USER_COLUMNS: &str = "SELECT u.id, u.username, u.display_name, u.role, o.id AS organization_id, o.code AS organization_code, \
     o.name AS organization_name, o.kind AS organization_kind, u.language, u.email, u.phone, u.disabled, u.org_admin, \
     u.locked_until, u.last_login_at, u.created_at, u.version FROM users u JOIN organizations o ON o.id = u.organization_id";

/// Normalises and checks a login name.
pub fn parse_username(username: &str) -> std::result::Result<String, Text> {
    let username = username.trim().to_ascii_lowercase();
    let valid = (3..=64).contains(&username.len())
        && username.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    if valid {
        Ok(username)
    } else {
        Err(Text::new(
            "用户名须为 3–64 个小写字母、数字或“. _ -”",
            "the user name must have 3 to 64 lower-case letters, digits, '.', '_' or '-'",
        ))
    }
}

fn check_text(field: &'static str, value: &str, max: usize, errors: &mut Vec<FieldError>) {
    if value.chars().count() > max {
        errors.push(FieldError::new(
            field,
            Text::owned(
                format!("不能超过 {max} 个字符"),
                format!("must have at most {max} characters"),
            ),
        ));
    }
}

/// Creates a user without a permission check (command line, demo loader); pages and the API go
/// through [`Identity::create_user`].
pub async fn create_user_in(
    connection: &mut AnyConnection,
    hashing: &PasswordHashing,
    actor: &Actor,
    now: Timestamp,
    new: &NewUser,
) -> Result<UserView> {
    insert_user(connection, Password::Plain(hashing), actor, now, new).await
}

/// Creates a user whose password was chosen and hashed earlier (an approved sign-up), without a
/// permission check; `new.password` is ignored.
pub async fn create_user_with_hash_in(
    connection: &mut AnyConnection,
    password_hash: &str,
    actor: &Actor,
    now: Timestamp,
    new: &NewUser,
) -> Result<UserView> {
    insert_user(connection, Password::Hashed(password_hash), actor, now, new).await
}

/// A new user's password: typed now, or hashed before.
enum Password<'a> {
    Plain(&'a PasswordHashing),
    Hashed(&'a str),
}

/// Checks a password someone chose for the account `username` against the rules (length,
/// variety, not the user name), for a form that keeps it to hash later.
pub fn check_new_password(password: &str, username: &str) -> Result<()> {
    validate_new_password(password, username)
}

async fn insert_user(
    connection: &mut AnyConnection,
    password: Password<'_>,
    actor: &Actor,
    now: Timestamp,
    new: &NewUser,
) -> Result<UserView> {
    let mut errors = Vec::new();
    let username = parse_username(&new.username)
        .map_err(|m| errors.push(FieldError::new("username", m)))
        .ok();
    let role = new
        .role
        .parse::<Role>()
        .map_err(|e| errors.push(FieldError::new("role", e.text())))
        .ok();
    let organization = fetch_by_code(connection, new.organization_code.trim()).await?;
    match (&organization, role) {
        (None, _) => errors.push(FieldError::new(
            "organization_code",
            Text::owned(
                format!("机构“{}”不存在", new.organization_code),
                format!("organisation {:?} does not exist", new.organization_code),
            ),
        )),
        (Some(organization), Some(role)) if organization.kind != role.org_kind() => {
            errors.push(FieldError::new(
                "role",
                Text::owned(
                    format!(
                        "角色“{}”不属于{}类机构",
                        role.label().zh,
                        organization.kind.label().zh
                    ),
                    format!(
                        "role {role} does not belong to a {} organisation",
                        organization.kind
                    ),
                ),
            ))
        }
        _ => {}
    }
    if let Some(username) = &username
        && matches!(password, Password::Plain(_))
        && let Err(Error::Invalid(password_errors)) = validate_new_password(&new.password, username)
    {
        errors.extend(password_errors);
    }
    check_text("display_name", &new.display_name, 100, &mut errors);
    check_text("email", &new.email, 200, &mut errors);
    check_text("phone", &new.phone, 50, &mut errors);
    let (Some(username), Some(role), Some(organization), true) =
        (username, role, organization, errors.is_empty())
    else {
        return Err(Error::Invalid(errors));
    };
    let display_name = if new.display_name.trim().is_empty() {
        username.clone()
    } else {
        new.display_name.trim().to_owned()
    };
    let password_hash = match password {
        Password::Plain(hashing) => hashing.hash(new.password.clone()).await?,
        Password::Hashed(hash) => hash.to_owned(),
    };
    let id = allocate_ids(connection, "users", 1).await?;
    let inserted = sqlx::query(
        "INSERT INTO users (id, organization_id, username, display_name, role, password_hash, language, email, phone, \
         disabled, failed_login_count, password_changed_at, created_at, updated_at, version, org_admin) \
         VALUES ($1, $2, $3, $4, $5, $6, 'zh-CN', $7, $8, 0, 0, $9, $9, $9, 1, $10)",
    )
    .bind(id)
    .bind(organization.id)
    .bind(&username)
    .bind(&display_name)
    .bind(role.as_str())
    .bind(password_hash)
    .bind(new.email.trim())
    .bind(new.phone.trim())
    .bind(now.as_millis())
    .bind(zhizao_db::Flag(new.org_admin))
    .execute(&mut *connection)
    .await;
    if let Err(error) = inserted {
        if unique_violation(&error).as_deref() == Some("users_username_key") {
            return Err(Error::Duplicate {
                field: "username",
                value: username,
            });
        }
        return Err(error.into());
    }
    let mut changes = Changes::new();
    changes
        .created("organization", &organization.code)
        .created("role", role.as_str())
        .created("display_name", &display_name)
        .created("org_admin", new.org_admin);
    audit::record(
        connection,
        actor,
        now,
        AuditEntry::new("user.created", "user", &username)
            .subject(organization.id)
            .changes(changes),
    )
    .await?;
    fetch_user(connection, &username)
        .await?
        .ok_or_else(|| Error::NotFound {
            what: "user",
            key: username,
        })
}

async fn fetch_user(connection: &mut AnyConnection, username: &str) -> Result<Option<UserView>> {
    let mut select = SqlBuilder::new(USER_COLUMNS);
    select
        .push(" WHERE u.username = ")
        .push_bind(username.trim().to_ascii_lowercase());
    Ok(select
        .query_as::<UserView>()
        .fetch_optional(&mut *connection)
        .await?)
}

/// Which users to list.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Only users of this organisation.
    pub organization_code: Option<String>,
    /// Only this role.
    pub role: Option<Role>,
    /// Login or display name containing this text.
    pub search: Option<String>,
}

impl Identity {
    /// Creates a user: city administrators anywhere, an organisation's administrator in their
    /// own organisation with a role they may give.
    pub async fn create_user(&self, principal: &Principal, new: &NewUser) -> Result<UserView> {
        let own = new.organization_code.trim() == principal.organization_code;
        let assignable = new
            .role
            .parse::<Role>()
            .is_ok_and(|role| policy::assignable_roles(principal).contains(&role));
        let org_admin = own && policy::manages_users_of(principal).is_some();
        if !policy::may_administer(principal) && !org_admin {
            return Err(Error::Forbidden(
                "only city administrators and the organisation's administrators create users",
            ));
        }
        if !policy::may_administer(principal) && !assignable {
            return Err(Error::invalid(
                "role",
                Text::new(
                    "只能创建本机构同类角色的用户",
                    "you may create users of your organisation's own role only",
                ),
            ));
        }
        let mut transaction = self.db.begin().await?;
        let user = create_user_in(
            &mut transaction,
            &self.hashing,
            &principal.actor(),
            self.clock.now(),
            new,
        )
        .await?;
        transaction.commit().await?;
        Ok(user)
    }

    /// Lists users: all for city administrators, an organisation's own for its administrators,
    /// only themselves for everyone else.
    pub async fn list_users(
        &self,
        principal: &Principal,
        filter: &UserFilter,
        page: PageRequest,
    ) -> Result<Page<UserView>> {
        let mut conditions = SqlBuilder::new(" WHERE 1 = 1");
        if !policy::may_administer(principal) {
            match policy::manages_users_of(principal) {
                Some(organization) => conditions
                    .push(" AND u.organization_id = ")
                    .push_bind(organization),
                None => conditions.push(" AND u.id = ").push_bind(principal.user_id),
            };
        }
        if let Some(code) = &filter.organization_code {
            conditions.push(" AND o.code = ").push_bind(code.as_str());
        }
        if let Some(role) = filter.role {
            conditions.push(" AND u.role = ").push_bind(role.as_str());
        }
        if let Some(search) = filter
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let pattern = like_contains(search);
            conditions
                .push(" AND (u.username LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\' OR u.display_name LIKE ")
                .push_bind(pattern)
                .push(" ESCAPE '\\')");
        }
        Ok(fetch_page(
            self.db.pool(),
            USER_COLUMNS,
            "SELECT COUNT(*) FROM users u JOIN organizations o ON o.id = u.organization_id",
            &conditions,
            " ORDER BY o.code, u.username",
            page,
        )
        .await?)
    }

    /// One user: any for city administrators, their organisation's for its administrators, only
    /// themselves for everyone else.
    pub async fn user(&self, principal: &Principal, username: &str) -> Result<UserView> {
        let mut connection = self.db.pool().acquire().await?;
        match fetch_user(&mut connection, username).await? {
            Some(user)
                if policy::may_manage_user(principal, user.organization_id)
                    || user.id == principal.user_id =>
            {
                Ok(user)
            }
            _ => Err(Error::NotFound {
                what: "user",
                key: username.to_owned(),
            }),
        }
    }

    /// Changes a user. Administrators may change everything; users may change their own display
    /// name, e-mail and telephone only.
    pub async fn update_user(
        &self,
        principal: &Principal,
        username: &str,
        update: &UserUpdate,
        expected_version: Option<i64>,
    ) -> Result<UserView> {
        let mut transaction = self.db.begin().await?;
        let current = match fetch_user(&mut transaction, username).await? {
            Some(user)
                if policy::may_manage_user(principal, user.organization_id)
                    || user.id == principal.user_id =>
            {
                user
            }
            _ => {
                return Err(Error::NotFound {
                    what: "user",
                    key: username.to_owned(),
                });
            }
        };
        let manages = policy::may_manage_user(principal, current.organization_id);
        if !manages
            && (update.role.is_some()
                || update.disabled.is_some()
                || update.unlock
                || update.org_admin.is_some())
        {
            return Err(Error::Forbidden(
                "only administrators may change roles, administrators or disable users",
            ));
        }
        if let Some(expected) = expected_version
            && expected != current.version
        {
            return Err(Error::StaleVersion {
                what: "user",
                current: current.version,
            });
        }
        let mut errors = Vec::new();
        let role = match &update.role {
            Some(role) => match role.parse::<Role>() {
                Ok(role)
                    if role != current.role
                        && !policy::may_administer(principal)
                        && !policy::assignable_roles(principal).contains(&role) =>
                {
                    errors.push(FieldError::new(
                        "role",
                        Text::new(
                            "只能授予本机构同类角色",
                            "you may give your organisation's own role only",
                        ),
                    ));
                    current.role
                }
                Ok(role) if role.org_kind() == current.organization_kind => role,
                Ok(role) => {
                    errors.push(FieldError::new(
                        "role",
                        Text::owned(
                            format!("角色“{}”与该用户所属机构类型不符", role.label().zh),
                            format!(
                                "role {role} does not fit the user's {} organisation",
                                current.organization_kind
                            ),
                        ),
                    ));
                    current.role
                }
                Err(error) => {
                    errors.push(FieldError::new("role", error.text()));
                    current.role
                }
            },
            None => current.role,
        };
        if update.disabled == Some(true) && current.id == principal.user_id {
            errors.push(FieldError::new(
                "disabled",
                Text::new("不能停用自己的账号", "you cannot disable your own account"),
            ));
        }
        if role != current.role && current.id == principal.user_id {
            errors.push(FieldError::new(
                "role",
                Text::new("不能修改自己的角色", "you cannot change your own role"),
            ));
        }
        let display_name = update
            .display_name
            .as_deref()
            .map(str::trim)
            .unwrap_or(&current.display_name)
            .to_owned();
        let email = update
            .email
            .as_deref()
            .map(str::trim)
            .unwrap_or(&current.email)
            .to_owned();
        let phone = update
            .phone
            .as_deref()
            .map(str::trim)
            .unwrap_or(&current.phone)
            .to_owned();
        if display_name.is_empty() {
            errors.push(FieldError::new(
                "display_name",
                Text::new("姓名不能为空", "the name must not be empty"),
            ));
        }
        check_text("display_name", &display_name, 100, &mut errors);
        check_text("email", &email, 200, &mut errors);
        check_text("phone", &phone, 50, &mut errors);
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        let disabled = update.disabled.unwrap_or(current.disabled);
        let org_admin = update.org_admin.unwrap_or(current.org_admin);
        if !org_admin && current.org_admin && current.id == principal.user_id {
            return Err(Error::invalid(
                "org_admin",
                Text::new(
                    "不能取消自己的管理员身份",
                    "you cannot stop being an administrator yourself",
                ),
            ));
        }
        let locked_until = if update.unlock {
            None
        } else {
            current.locked_until
        };
        let mut changes = Changes::new();
        changes
            .field("display_name", &current.display_name, &display_name)
            .field("email", &current.email, &email)
            .field("phone", &current.phone, &phone)
            .field("role", current.role, role)
            .field("disabled", current.disabled, disabled)
            .field("org_admin", current.org_admin, org_admin)
            .field("locked_until", current.locked_until, locked_until);
        if changes.is_empty() {
            return Ok(current);
        }
        let now = self.clock.now();
        sqlx::query(
            "UPDATE users SET display_name = $1, email = $2, phone = $3, role = $4, disabled = $5, locked_until = $6, \
             failed_login_count = CASE WHEN $6 IS NULL THEN 0 ELSE failed_login_count END, \
             updated_at = $7, version = version + 1, org_admin = $9 WHERE id = $8",
        )
        .bind(&display_name)
        .bind(&email)
        .bind(&phone)
        .bind(role.as_str())
        .bind(zhizao_db::Flag(disabled))
        .bind(locked_until.map(Timestamp::as_millis))
        .bind(now.as_millis())
        .bind(current.id)
        .bind(zhizao_db::Flag(org_admin))
        .execute(&mut *transaction)
        .await?;
        if disabled && !current.disabled {
            revoke_all_credentials(&mut transaction, current.id, now).await?;
        }
        let action = if role != current.role {
            "user.role_changed"
        } else if disabled != current.disabled {
            if disabled {
                "user.disabled"
            } else {
                "user.enabled"
            }
        } else {
            "user.updated"
        };
        let organization_id: i64 =
            sqlx::query_scalar("SELECT organization_id FROM users WHERE id = $1")
                .bind(current.id)
                .fetch_one(&mut *transaction)
                .await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(action, "user", &current.username)
                .subject(organization_id)
                .changes(changes),
        )
        .await?;
        let updated = fetch_user(&mut transaction, &current.username)
            .await?
            .ok_or_else(|| Error::NotFound {
                what: "user",
                key: username.to_owned(),
            })?;
        transaction.commit().await?;
        Ok(updated)
    }

    /// Sets a new password. Users changing their own must give the current one; administrators
    /// resetting someone else's need not. Every other session and token of that user ends.
    pub async fn change_password(
        &self,
        principal: &Principal,
        username: &str,
        current_password: Option<&str>,
        new_password: &str,
    ) -> Result<()> {
        let target = self.user(principal, username).await?;
        let own = target.id == principal.user_id;
        if !own && !policy::may_manage_user(principal, target.organization_id) {
            return Err(Error::NotFound {
                what: "user",
                key: username.to_owned(),
            });
        }
        if own {
            let stored: String =
                sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
                    .bind(target.id)
                    .fetch_one(self.db.pool())
                    .await?;
            let given = current_password.unwrap_or_default().to_owned();
            if !self.hashing.verify(given, stored).await? {
                return Err(Error::invalid(
                    "current_password",
                    Text::new("当前密码不正确", "the current password is wrong"),
                ));
            }
        }
        validate_new_password(new_password, &target.username)?;
        let hash = self.hashing.hash(new_password.to_owned()).await?;
        let now = self.clock.now();
        let mut transaction = self.db.begin().await?;
        sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2, updated_at = $2, version = version + 1 WHERE id = $3")
            .bind(hash)
            .bind(now.as_millis())
            .bind(target.id)
            .execute(&mut *transaction)
            .await?;
        // Other sessions end; the caller's own session survives a self-service change.
        let keep_session = match principal.credential {
            crate::principal::Credential::Session(id) if own => id,
            _ => -1,
        };
        sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND id <> $3")
            .bind(now.as_millis())
            .bind(target.id)
            .bind(keep_session)
            .execute(&mut *transaction)
            .await?;
        audit::record(
            &mut transaction,
            &principal.actor(),
            now,
            AuditEntry::new(
                if own {
                    "user.password_changed"
                } else {
                    "user.password_reset"
                },
                "user",
                &target.username,
            ),
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Remembers the principal's interface language.
    pub async fn set_language(&self, principal: &Principal, language: Language) -> Result<()> {
        sqlx::query("UPDATE users SET language = $1 WHERE id = $2")
            .bind(language.tag())
            .bind(principal.user_id)
            .execute(self.db.pool())
            .await?;
        Ok(())
    }
}

/// Ends every session and revokes every token of a user (when the user is disabled).
pub(crate) async fn revoke_all_credentials(
    connection: &mut AnyConnection,
    user_id: i64,
    now: Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(now.as_millis())
        .bind(user_id)
        .execute(&mut *connection)
        .await?;
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(now.as_millis())
        .bind(user_id)
        .execute(&mut *connection)
        .await?;
    Ok(())
}
