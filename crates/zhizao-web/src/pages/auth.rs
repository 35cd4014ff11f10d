//! Signing in and out, and switching language.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use zhizao_core::Language;

use super::{Layout, PageContext, PageForm, render, safe_next};
use crate::AppState;
use crate::cookies::{self, Lifetime};
use crate::pages::Submit;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/language", post(switch_language))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    next: String,
    username: String,
    error: String,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_form(context: PageContext, Query(query): Query<NextQuery>) -> Response {
    if context.principal.is_some() {
        return Redirect::to(&safe_next(query.next.as_deref())).into_response();
    }
    render(&LoginPage {
        layout: context.layout("login"),
        next: safe_next(query.next.as_deref()),
        username: String::new(),
        error: String::new(),
    })
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    context: PageContext,
    headers: axum::http::HeaderMap,
    PageForm(form): PageForm<LoginForm>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    match state
        .identity()
        .login(
            &form.username,
            &form.password,
            &context.ip,
            &context.user_agent,
        )
        .await
    {
        Ok(outcome) => {
            let secure = cookies::is_secure(&headers, state.settings());
            let session = cookies::set(
                cookies::SESSION,
                outcome.token.expose(),
                Lifetime::Session,
                true,
                secure,
            );
            let language = cookies::set(
                cookies::LANGUAGE,
                outcome.principal.language.tag(),
                Lifetime::Seconds(365 * 86_400),
                false,
                secure,
            );
            (
                AppendHeaders([
                    (header::SET_COOKIE, session),
                    (header::SET_COOKIE, language),
                ]),
                Redirect::to(&next),
            )
                .into_response()
        }
        Err(error) => {
            let t = context.t();
            let message = match error {
                zhizao_identity::Error::Throttled { .. } => t.sign_in_throttled(),
                zhizao_identity::Error::InvalidCredentials => t.sign_in_failed(),
                other => {
                    tracing::error!(error = %other, "sign-in failed");
                    t.error_text()
                }
            };
            let page = LoginPage {
                layout: context.layout("login"),
                next,
                username: form.username,
                error: message.to_owned(),
            };
            (axum::http::StatusCode::UNAUTHORIZED, render(&page)).into_response()
        }
    }
}

async fn logout(
    State(state): State<AppState>,
    context: PageContext,
    headers: axum::http::HeaderMap,
    _: PageForm<Submit>,
) -> Response {
    if let Some(principal) = &context.principal
        && let Err(error) = state.identity().logout(principal).await
    {
        tracing::warn!(%error, "sign-out failed");
    }
    let secure = cookies::is_secure(&headers, state.settings());
    (
        [(
            header::SET_COOKIE,
            cookies::set(cookies::SESSION, "", Lifetime::Expired, true, secure),
        )],
        Redirect::to("/login"),
    )
        .into_response()
}

#[derive(Deserialize)]
struct LanguageForm {
    language: String,
    next: Option<String>,
}

/// Switches the interface language: remembered in a cookie, and for signed-in users in their
/// account so that it follows them to other browsers.
async fn switch_language(
    State(state): State<AppState>,
    context: PageContext,
    headers: axum::http::HeaderMap,
    PageForm(form): PageForm<LanguageForm>,
) -> Response {
    let language = Language::from_tag(&form.language).unwrap_or_default();
    if let Some(principal) = &context.principal
        && let Err(error) = state.identity().set_language(principal, language).await
    {
        tracing::warn!(%error, "saving the language failed");
    }
    let secure = cookies::is_secure(&headers, state.settings());
    let cookie = cookies::set(
        cookies::LANGUAGE,
        language.tag(),
        Lifetime::Seconds(365 * 86_400),
        false,
        secure,
    );
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to(&safe_next(form.next.as_deref())),
    )
        .into_response()
}
