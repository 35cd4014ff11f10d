//! The authenticated caller of an operation.

use serde::Serialize;
use zhizao_core::{Language, OrgKind, Role};

/// How a request reached the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A page in a browser, with a session cookie.
    Web,
    /// The REST API, with a bearer token (or a session cookie from the platform's own pages).
    Api,
    /// The `zhizao` command line on the server.
    Cli,
    /// The platform itself (demo loader, background jobs).
    System,
}

impl Channel {
    /// The name stored in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Api => "api",
            Channel::Cli => "cli",
            Channel::System => "system",
        }
    }
}

/// How the principal proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Credential {
    /// A session cookie; the session's id.
    Session(i64),
    /// An API token; the token's id.
    Token(i64),
}

/// A signed-in user acting through some channel: who they are, which organisation (tenant) they
/// act for, and where the request came from.
#[derive(Debug, Clone, Serialize)]
pub struct Principal {
    /// The user's id.
    pub user_id: i64,
    /// The user's login name.
    pub username: String,
    /// The name shown on pages.
    pub display_name: String,
    /// What the user may do.
    pub role: Role,
    /// The user's organisation's id.
    pub organization_id: i64,
    /// The user's organisation's code.
    pub organization_code: String,
    /// The user's organisation's kind.
    pub organization_kind: OrgKind,
    /// The user's organisation's name.
    pub organization_name: String,
    /// For a town office: its township code.
    pub town_code: Option<String>,
    /// The user administers their organisation's users.
    pub org_admin: bool,
    /// The user's interface language.
    pub language: Language,
    /// The session or token used.
    pub credential: Credential,
    /// The channel of this request.
    pub channel: Channel,
    /// The client's address.
    pub ip: String,
}

impl Principal {
    /// The audit-log identity of this principal.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user_id),
            username: self.username.clone(),
            organization_id: Some(self.organization_id),
            channel: self.channel,
            ip: self.ip.clone(),
        }
    }
}

/// Who to record in the audit log as having done something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user, if a user acted.
    pub user_id: Option<i64>,
    /// The user name, or a name for the system component that acted (e.g. `cli`, `demo`).
    pub username: String,
    /// The user's organisation.
    pub organization_id: Option<i64>,
    /// How the action arrived.
    pub channel: Channel,
    /// The client's address, if any.
    pub ip: String,
}

impl Actor {
    /// The platform itself, e.g. the demo loader.
    pub fn system(component: &str) -> Self {
        Actor {
            user_id: None,
            username: component.to_owned(),
            organization_id: None,
            channel: Channel::System,
            ip: String::new(),
        }
    }

    /// An operator at the server's command line.
    pub fn command_line() -> Self {
        let operator = std::env::var("USER").unwrap_or_else(|_| "operator".to_owned());
        Actor {
            user_id: None,
            username: format!("cli:{operator}"),
            organization_id: None,
            channel: Channel::Cli,
            ip: String::new(),
        }
    }

    /// Someone not yet signed in, e.g. a failed sign-in attempt for `username`.
    pub fn anonymous(username: &str, channel: Channel, ip: &str) -> Self {
        Actor {
            user_id: None,
            username: username.to_owned(),
            organization_id: None,
            channel,
            ip: ip.to_owned(),
        }
    }
}
