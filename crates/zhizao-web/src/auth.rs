//! Who is calling: the session cookie or bearer token resolved once per request, the request's
//! language, the client's address, and the CSRF token.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use zhizao_core::{Classified, ErrorKind, Language};
use zhizao_devices::{DEVICE_TOKEN_PREFIX, DeviceIdentity};
use zhizao_identity::{Channel, Credential, Principal};

use crate::AppState;
use crate::cookies;
use crate::problem::ApiError;

/// The outcome of authentication, stored in the request's extensions.
#[derive(Debug, Clone)]
pub(crate) enum Authentication {
    /// No credentials were presented.
    Anonymous,
    /// Credentials were presented but are not valid (expired, revoked, unknown).
    Invalid,
    /// A signed-in principal.
    Principal(Box<Principal>),
    /// A device, by its access token: it may only write its own telemetry.
    Device(Box<DeviceIdentity>),
}

/// The CSRF token of this browser (from its cookie, or newly issued with this response).
#[derive(Debug, Clone)]
pub(crate) struct CsrfToken(pub(crate) String);

/// The client's address, as far as we may believe.
pub(crate) fn client_ip(
    parts_headers: &HeaderMap,
    connect: Option<&ConnectInfo<SocketAddr>>,
    trust_forwarded: bool,
) -> String {
    if trust_forwarded
        && let Some(forwarded) = parts_headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
        && let Some(first) = forwarded
            .split(',')
            .next()
            .map(str::trim)
            .filter(|s| !s.is_empty())
    {
        return first.chars().take(64).collect();
    }
    connect
        .map(|ConnectInfo(address)| address.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Resolves credentials and language for every request, and issues a CSRF cookie to browsers
/// that have none.
pub(crate) async fn resolve(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let headers = request.headers().clone();
    let ip = client_ip(
        &headers,
        request.extensions().get::<ConnectInfo<SocketAddr>>(),
        state.settings().trust_forwarded_headers,
    );
    let is_api = request.uri().path().starts_with("/api/");
    let bearer = presented_token(&headers, request.uri());
    // Credentials that cannot be checked because the database is down are not invalid: the
    // request is answered 503 with a retry hint below, not 401 or a sign-in page.
    let mut unavailable: Option<(ApiError, String)> = None;
    let mut checked = |result: Result<Authentication, (ErrorKind, ApiError, String)>| match result {
        Ok(authentication) => authentication,
        Err((ErrorKind::Unavailable, problem, detail)) => {
            unavailable = Some((problem, detail));
            Authentication::Anonymous
        }
        Err(_) => Authentication::Invalid,
    };
    fn failed<E: Classified + std::fmt::Display>(error: E) -> (ErrorKind, ApiError, String) {
        let detail = error.to_string();
        (error.kind(), ApiError::from(error), detail)
    }
    let authentication = if let Some(token) = bearer
        .as_deref()
        .filter(|t| t.starts_with(DEVICE_TOKEN_PREFIX))
    {
        checked(match state.devices().authenticate(token).await {
            Ok(Some(device)) => Ok(Authentication::Device(Box::new(device))),
            Ok(None) => Ok(Authentication::Invalid),
            Err(error) => {
                tracing::warn!(%error, "device authentication failed");
                Err(failed(error))
            }
        })
    } else if let Some(token) = bearer {
        checked(
            state
                .identity()
                .authenticate_token(&token, &ip)
                .await
                .map(|principal| Authentication::Principal(Box::new(principal)))
                .map_err(failed),
        )
    } else if let Some(session) = cookies::get(&headers, cookies::SESSION) {
        let channel = if is_api { Channel::Api } else { Channel::Web };
        checked(
            state
                .identity()
                .authenticate_session(session, channel, &ip)
                .await
                .map(|principal| Authentication::Principal(Box::new(principal)))
                .map_err(failed),
        )
    } else {
        Authentication::Anonymous
    };
    let negotiated = || {
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(Language::negotiate)
            .unwrap_or_default()
    };
    // API clients choose with Accept-Language. Pages are in Chinese unless the user chose
    // English: their saved choice when signed in, else the visitor's cookie.
    let language = match &authentication {
        _ if is_api => negotiated(),
        Authentication::Principal(principal) => principal.language,
        _ => cookies::get(&headers, cookies::LANGUAGE)
            .and_then(Language::from_tag)
            .unwrap_or_default(),
    };
    let existing_csrf = cookies::get(&headers, cookies::CSRF)
        .filter(|t| t.len() >= 20)
        .map(str::to_owned);
    let csrf = existing_csrf.clone().unwrap_or_else(cookies::random_token);
    request.extensions_mut().insert(authentication);
    request.extensions_mut().insert(language);
    request.extensions_mut().insert(ClientIp(ip));
    request.extensions_mut().insert(CsrfToken(csrf.clone()));
    if let Some((problem, detail)) = unavailable {
        let path = request.uri().path();
        return if is_api || path == "/write" || path == "/query" {
            problem.into_response()
        } else {
            crate::pages::unavailable_page(&request, detail)
        };
    }
    let mut response = next.run(request).await;
    if existing_csrf.is_none() && !is_api {
        let secure = cookies::is_secure(&headers, state.settings());
        response.headers_mut().append(
            header::SET_COOKIE,
            cookies::set(
                cookies::CSRF,
                &csrf,
                cookies::Lifetime::Session,
                true,
                secure,
            ),
        );
    }
    response
}

/// The client's address.
#[derive(Debug, Clone)]
pub(crate) struct ClientIp(pub(crate) String);

/// The API token a request presents, in any of the ways clients send one: `Authorization:
/// Bearer …` (the REST API), `Authorization: Token …` (InfluxDB 2 clients), HTTP Basic with the
/// token as password, or `?p=…` (InfluxDB 1 clients, on the InfluxDB-compatible paths only).
/// Any other `Authorization` header presents an empty (invalid) token.
fn presented_token(headers: &HeaderMap, uri: &axum::http::Uri) -> Option<String> {
    if let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let value = value.trim();
        let (scheme, credentials) = value.split_once(' ').unwrap_or((value, ""));
        let credentials = credentials.trim();
        return match scheme.to_ascii_lowercase().as_str() {
            "bearer" | "token" => Some(credentials.to_owned()),
            "basic" => {
                use base64::Engine;
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(credentials)
                    .unwrap_or_default();
                let text = String::from_utf8(decoded).unwrap_or_default();
                Some(
                    text.split_once(':')
                        .map(|(_, password)| password.to_owned())
                        .unwrap_or_default(),
                )
            }
            _ => Some(String::new()),
        };
    }
    let path = uri.path();
    if path == "/write" || path == "/query" {
        return uri.query().and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "p")
                .map(|(_, v)| v.into_owned())
        });
    }
    None
}

/// The signed-in caller of an API route; anonymous or invalid credentials are a 401.
/// Writes authenticated by the session cookie must repeat the CSRF token in `X-CSRF-Token`.
#[derive(Debug, Clone)]
pub(crate) struct Caller(pub(crate) Principal);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Authentication>() {
            Some(Authentication::Principal(principal)) => {
                let unsafe_method =
                    !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
                if unsafe_method && matches!(principal.credential, Credential::Session(_)) {
                    let expected = cookies::get(&parts.headers, cookies::CSRF).unwrap_or("");
                    let given = parts
                        .headers
                        .get("x-csrf-token")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    if expected.is_empty() || !cookies::constant_time_eq(expected, given) {
                        return Err(ApiError::forbidden(
                            "a write authenticated by a session cookie must send the CSRF token in X-CSRF-Token",
                        ));
                    }
                }
                Ok(Caller((**principal).clone()))
            }
            Some(Authentication::Invalid) => Err(ApiError::unauthenticated(
                "the token or session is invalid, expired or revoked",
            )),
            Some(Authentication::Device(_)) => Err(ApiError::forbidden(
                "a device token only writes its device's telemetry (/write, /api/v2/write, /api/v1/{token}/…)",
            )),
            _ => Err(ApiError::unauthenticated(
                "send Authorization: Bearer TOKEN (create tokens on the account page or with `zhizao token create`)",
            )),
        }
    }
}
