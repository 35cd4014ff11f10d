//! What a page handler receives from a form, checked against cross-site request forgery by
//! construction: every extractor here compares the form's `csrf_token` with the browser's
//! cookie before the handler runs, and refuses the request with the CSRF page when they differ.
//! A handler that takes one of them never sees a forged form's content (an upload whose body
//! cannot be read at all reaches it only as the reader's error, to show), and no handler checks
//! by hand.

use axum::extract::multipart::MultipartError;
use axum::extract::{FromRequest, Multipart, RawForm, Request};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::{PageContext, PageError};
use crate::cookies;

/// The name of the hidden field every form carries.
const CSRF_FIELD: &str = "csrf_token";

/// A submitted form's fields as `T` (a `csrf_token` field need not be declared: it is checked
/// and otherwise ignored). A body that does not fit `T` is answered with the error page.
pub(crate) struct PageForm<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for PageForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        let context = PageContext::from_parts(&parts);
        let request = Request::from_parts(parts, body);
        let RawForm(body) = RawForm::from_request(request, state)
            .await
            .map_err(|rejection| PageError::bad_request(rejection.body_text()).render(&context))?;
        let submitted = form_urlencoded::parse(&body)
            .find(|(name, _)| name == CSRF_FIELD)
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default();
        verify_csrf(&context, &submitted).map_err(|error| error.render(&context))?;
        serde_urlencoded::from_bytes(&body)
            .map(PageForm)
            .map_err(|error| {
                PageError::bad_request(format!("Failed to deserialize form body: {error}"))
                    .render(&context)
            })
    }
}

/// A form that carries nothing but its CSRF token: a button that takes one step
/// (`_: PageForm<Submit>`).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Submit {}

/// A form's fields in the order sent, for forms whose names are repeated or numbered (rows of
/// line items, of recognitions, of a profile's fields): `PageForm<FormFields>`.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub(crate) struct FormFields(Vec<(String, String)>);

impl FormFields {
    /// The first value sent under `name`, or `""` when there is none.
    pub(crate) fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value.as_str())
    }

    /// The first value sent under `name`, if any was.
    pub(crate) fn find(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Every value sent under `name` (a multiple choice), in order.
    pub(crate) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.0
            .iter()
            .filter(move |(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Sets `name` to `value` (a form's defaults), replacing what was there.
    pub(crate) fn set(&mut self, name: &str, value: &str) {
        self.0.retain(|(key, _)| key != name);
        self.0.push((name.to_owned(), value.to_owned()));
    }

    /// Whether the form sent `name` at all (a disabled input is not sent).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(key, _)| key == name)
    }

    /// Every field in the order sent, the CSRF token left out.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .filter(|(key, _)| key != CSRF_FIELD)
            .map(|(key, value)| (key.as_str(), value.as_str()))
    }

    /// Fields given by the page (a form filled in ahead), or as a test would submit them.
    pub(crate) fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        FormFields(
            pairs
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                .collect(),
        )
    }
}

/// A file the browser sent with a multipart form.
#[derive(Debug, Clone)]
pub(crate) struct UploadedFile {
    /// The name the user's file had (never used as a path).
    pub(crate) file_name: String,
    /// Its content.
    pub(crate) bytes: Vec<u8>,
}

/// A multipart form (a file upload) read whole: its text fields and its files.
#[derive(Debug, Default)]
pub(crate) struct Upload {
    fields: Vec<(String, String)>,
    files: Vec<(String, UploadedFile)>,
}

impl Upload {
    /// The text sent under `name`, or `""`.
    pub(crate) fn text(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value.as_str())
    }

    /// Whether a field `name` was sent (a ticked checkbox).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.fields.iter().any(|(key, _)| key == name)
    }

    /// The file sent under `name`, if one was (an empty file input sends none).
    pub(crate) fn file(&self, name: &str) -> Option<&UploadedFile> {
        self.files
            .iter()
            .find(|(key, file)| {
                key == name && !(file.file_name.is_empty() && file.bytes.is_empty())
            })
            .map(|(_, file)| file)
    }
}

/// Why an upload could not be read: its status (413 when larger than the route accepts, 400
/// otherwise) and the reader's words.
#[derive(Debug, Clone)]
pub(crate) struct UploadError {
    pub(crate) status: StatusCode,
    pub(crate) reason: String,
}

/// A multipart form, read whole and CSRF-checked: `Ok` only for a complete upload whose token
/// matches (a mismatch is refused with the CSRF page before the handler runs); `Err` when the
/// body could not be read (most often: larger than the route accepts), carrying nothing of the
/// form, which the handler shows on its own page with the error's status and must not act on.
pub(crate) struct PageUpload(pub(crate) Result<Upload, UploadError>);

impl<S: Send + Sync> FromRequest<S> for PageUpload {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = request.into_parts();
        let context = PageContext::from_parts(&parts);
        let request = Request::from_parts(parts, body);
        let mut multipart = match Multipart::from_request(request, state).await {
            Ok(multipart) => multipart,
            Err(rejection) => {
                return Ok(PageUpload(Err(UploadError {
                    status: rejection.status(),
                    reason: rejection.body_text(),
                })));
            }
        };
        let unreadable = |error: MultipartError| {
            Ok(PageUpload(Err(UploadError {
                status: error.status(),
                reason: error.body_text(),
            })))
        };
        let mut upload = Upload::default();
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(error) => return unreadable(error),
            };
            let name = field.name().unwrap_or_default().to_owned();
            match field.file_name().map(str::to_owned) {
                Some(file_name) => match field.bytes().await {
                    Ok(bytes) => upload.files.push((
                        name,
                        UploadedFile {
                            file_name,
                            bytes: bytes.to_vec(),
                        },
                    )),
                    Err(error) => return unreadable(error),
                },
                None => match field.text().await {
                    Ok(text) => upload.fields.push((name, text)),
                    Err(error) => return unreadable(error),
                },
            }
        }
        verify_csrf(&context, upload.text(CSRF_FIELD)).map_err(|error| error.render(&context))?;
        Ok(PageUpload(Ok(upload)))
    }
}

/// The `purpose` and `file` of an attachment upload, or the reader's words for why there is none:
/// larger than the route's `max_bytes`, or no file chosen.
pub(crate) fn purpose_and_file(
    upload: &Result<Upload, UploadError>,
    t: crate::i18n::Tr,
    max_bytes: usize,
) -> Result<(String, UploadedFile), String> {
    match upload {
        Ok(upload) => upload
            .file("file")
            .map(|file| (upload.text("purpose").to_owned(), file.clone()))
            .ok_or_else(|| t.choose_file_to_upload().to_owned()),
        Err(error) if error.status == StatusCode::PAYLOAD_TOO_LARGE => {
            Err(t.file_too_large(max_bytes / 1024 / 1024))
        }
        Err(_) => Err(t.choose_file_to_upload().to_owned()),
    }
}

/// Checks a submitted CSRF token against the browser's cookie.
fn verify_csrf(context: &PageContext, submitted: &str) -> Result<(), PageError> {
    if !context.csrf.is_empty() && cookies::constant_time_eq(&context.csrf, submitted) {
        Ok(())
    } else {
        Err(PageError::CsrfFailed)
    }
}
