//! The signed-in user's own account: language, password, API tokens, sessions.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use zhizao_core::Classified;
use zhizao_identity::Principal;

use super::admin::{SessionRow, session_rows};
use super::{
    Layout, OrPage, PageContext, PageError, PageForm, SignedIn, render, role_label, safe_next,
};
use crate::AppState;
use crate::pages::Submit;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(account))
        .route("/account/password", post(change_password))
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
        .route("/account/sessions/{id}/revoke", post(revoke_session))
}

struct TokenRow {
    id: i64,
    name: String,
    prefix: String,
    created: String,
    last_used: String,
    status: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    username: String,
    display_name: String,
    organization: String,
    role_label: String,
    tokens: Vec<TokenRow>,
    sessions: Vec<SessionRow>,
    new_secret: Option<String>,
    password_error: String,
}

async fn account_page(
    state: &AppState,
    context: &PageContext,
    principal: &Principal,
    new_secret: Option<String>,
    password_error: String,
) -> Result<Response, Response> {
    let t = context.t();
    let tokens = state
        .identity()
        .list_tokens(principal, &principal.username)
        .await
        .or_page(context)?;
    let sessions = state
        .identity()
        .list_sessions(principal, &principal.username)
        .await
        .or_page(context)?;
    let tokens = tokens
        .into_iter()
        .map(|token| TokenRow {
            id: token.id,
            name: token.name,
            prefix: token.token_prefix,
            created: token.created_at.to_shanghai_string(),
            last_used: token
                .last_used_at
                .map(|m| m.to_shanghai_string())
                .unwrap_or_else(|| t.never().to_owned()),
            status: if token.revoked_at.is_some() {
                t.revoked()
            } else {
                t.active()
            }
            .to_owned(),
            active: token.revoked_at.is_none(),
        })
        .collect();
    let status = if password_error.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = AccountPage {
        layout: context.layout("account"),
        username: principal.username.clone(),
        display_name: principal.display_name.clone(),
        organization: principal.organization_name.clone(),
        role_label: role_label(principal.role, t),
        tokens,
        sessions: session_rows(sessions),
        new_secret,
        password_error,
    };
    Ok((status, render(&page)).into_response())
}

async fn account(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
) -> Result<Response, Response> {
    account_page(&state, &context, &principal, None, String::new()).await
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageForm(form): PageForm<PasswordForm>,
) -> Result<Response, Response> {
    match state
        .identity()
        .change_password(
            &principal,
            &principal.username,
            Some(&form.current_password),
            &form.new_password,
        )
        .await
    {
        Ok(()) => Ok(Redirect::to("/account?notice=password").into_response()),
        Err(error) if !error.field_errors().is_empty() => {
            let t = context.t();
            let message = error
                .field_errors()
                .iter()
                .map(|e| t.text(&e.message).to_owned())
                .collect::<Vec<_>>()
                .join("；");
            account_page(&state, &context, &principal, None, message).await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    name: String,
}

async fn create_token(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    PageForm(form): PageForm<TokenForm>,
) -> Result<Response, Response> {
    match state
        .identity()
        .create_token(&principal, &form.name, None)
        .await
    {
        // Shown once, on this response; never stored or shown again.
        Ok(token) => {
            account_page(
                &state,
                &context,
                &principal,
                Some(token.secret),
                String::new(),
            )
            .await
        }
        Err(error) if !error.field_errors().is_empty() => {
            let t = context.t();
            let message = error
                .field_errors()
                .iter()
                .map(|e| t.text(&e.message).to_owned())
                .collect::<Vec<_>>()
                .join("；");
            account_page(&state, &context, &principal, None, message).await
        }
        Err(error) => Err(PageError::from(error).render(&context)),
    }
}

#[derive(Deserialize)]
struct RevokeForm {
    next: Option<String>,
}

async fn revoke_token(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    _: PageForm<Submit>,
) -> Result<Response, Response> {
    state
        .identity()
        .revoke_token(&principal, id)
        .await
        .or_page(&context)?;
    Ok(Redirect::to("/account?notice=saved").into_response())
}

async fn revoke_session(
    State(state): State<AppState>,
    SignedIn(context, principal): SignedIn,
    Path(id): Path<i64>,
    PageForm(form): PageForm<RevokeForm>,
) -> Result<Response, Response> {
    state
        .identity()
        .revoke_session(&principal, id)
        .await
        .or_page(&context)?;
    let next = safe_next(form.next.as_deref());
    Ok(Redirect::to(&format!(
        "{next}{}notice=saved",
        if next.contains('?') { "&" } else { "?" }
    ))
    .into_response())
}
