//! The design office's API (consolidation, programme, reports): typed JSON calls with the
//! bearer token, file uploads and authenticated downloads. Bodies are `tachkhis_shared` types.
//!
//! Every failure becomes an [`ApiError`], which names a catalogue text: the screens never show
//! a status code or the server's English sentence.

use serde::Serialize;
use serde::de::DeserializeOwned;
use tachkhis_shared::api::programme::{ImportError, ImportErrorBody};
use tachkhis_shared::api::{ErrorBody, ErrorCode};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::Response;

use crate::net::api::{self, Body, HttpError};
use crate::net::json;

/// What went wrong, in the terms the office screens need.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    Offline,
    /// The login expired or was revoked: log in again.
    Unauthorized,
    Forbidden,
    /// An answer with the server's stable error code (`not_found`, `conflict`, …).
    Refused {
        status: u16,
        code: ErrorCode,
    },
    /// An import file with bad rows: every row's line and reason.
    BadImport(Vec<ImportError>),
    /// The answer could not be read.
    Unreadable,
    /// A refusal the screen that asked knows the reason of (a 409 for something still in
    /// use): the catalogue key of its sentence.
    Explained(&'static str),
}

impl ApiError {
    /// The catalogue key of the sentence shown for this error.
    pub fn key(&self) -> &'static str {
        match self {
            ApiError::Offline => "office.error.offline",
            ApiError::Unauthorized => "office.error.unauthorized",
            ApiError::Forbidden => "office.error.forbidden",
            ApiError::BadImport(_) => "office.error.bad_import",
            ApiError::Unreadable => "office.error.generic",
            ApiError::Explained(key) => key,
            ApiError::Refused { status, code } => match (code, status) {
                (ErrorCode::NotFound, _) | (_, 404) => "office.error.not_found",
                // People: each refusal in words of its own.
                (ErrorCode::LastAdmin, _) => "office.error.last_admin",
                (ErrorCode::OwnAccount, _) => "office.error.own_account",
                (ErrorCode::UsernameTaken, _) => "office.error.username_taken",
                (ErrorCode::BadUsername, _) => "office.error.bad_username",
                (ErrorCode::BadPassword, _) => "office.error.bad_password",
                // The procedure (issue 14, proc).
                (ErrorCode::InvalidProcedure | ErrorCode::InvalidVote, _) => "office.proc.invalid",
                (ErrorCode::DraftExists, _) => "office.proc.draft_exists",
                (ErrorCode::VersionState, _) => "office.proc.version_state",
                (ErrorCode::AttachmentType, _) => "office.proc.attachment_type",
                // The council's bodies and opinions (issue 14).
                (ErrorCode::VersionFrozen, _) => "office.opinions.frozen",
                (ErrorCode::InvalidOpinion, _) => "office.opinions.invalid",
                (ErrorCode::InvalidCouncilBody, _) => "office.bodies.invalid",
                (ErrorCode::DuplicateName, _) => "office.bodies.duplicate",
                // Undo refused because later actions changed the same proposals or needs.
                (ErrorCode::Conflict, _) | (_, 409) => "office.error.conflict",
                (ErrorCode::PayloadTooLarge, _) | (_, 413) => "office.error.too_large",
                (ErrorCode::BadImport, _) => "office.error.bad_import",
                (ErrorCode::InvalidStructure, _) => "office.structure.invalid",
                (ErrorCode::InvalidPartner, _) => "office.partners.invalid",
                (ErrorCode::InvalidIndicator, _) => "office.indicators.invalid",
                // The follow-up's execution records (issue 15, exec).
                (ErrorCode::InvalidExecution, _) => "office.execution.invalid",
                (_, 400 | 422) => "office.error.invalid",
                _ => "office.error.generic",
            },
        }
    }
}

/// A 409 as the sentence `key`; any other error as it is.
pub fn conflict_says(key: &'static str) -> impl Fn(ApiError) -> ApiError {
    move |e| match e {
        ApiError::Refused { status: 409, .. } => ApiError::Explained(key),
        e => e,
    }
}

fn from_http(e: HttpError) -> ApiError {
    match e {
        HttpError::Offline => ApiError::Offline,
        HttpError::Unauthorized => ApiError::Unauthorized,
        HttpError::Forbidden => ApiError::Forbidden,
        _ => ApiError::Unreadable,
    }
}

/// The response of a 2xx status; the error body read into an [`ApiError`] otherwise.
async fn call(method: &str, token: &str, path: &str, body: Body<'_>) -> Result<Response, ApiError> {
    let response = api::fetch(method, path, Some(token), body)
        .await
        .map_err(from_http)?;
    let status = response.status();
    match status {
        200..=299 => Ok(response),
        401 => Err(ApiError::Unauthorized),
        403 => Err(ApiError::Forbidden),
        _ => {
            let text = api::read_text(&response).await.unwrap_or_default();
            if let Ok(body) = json::from_str::<ImportErrorBody>(&text) {
                return Err(ApiError::BadImport(body.errors));
            }
            let code = json::from_str::<ErrorBody>(&text)
                .map(|b| b.error)
                .unwrap_or(ErrorCode::Unknown(String::new()));
            Err(ApiError::Refused { status, code })
        }
    }
}

async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    let text = api::read_text(&response).await.map_err(from_http)?;
    json::from_str(&text).map_err(|_| ApiError::Unreadable)
}

pub async fn get<T: DeserializeOwned>(token: &str, path: &str) -> Result<T, ApiError> {
    read(call("GET", token, path, Body::None).await?).await
}

/// POST, PUT, PATCH or DELETE with a JSON body (or none), reading a JSON answer.
pub async fn send<B: Serialize, T: DeserializeOwned>(
    method: &str,
    token: &str,
    path: &str,
    body: Option<&B>,
) -> Result<T, ApiError> {
    let body = match body {
        Some(b) => Body::Json(json::to_string(b).map_err(|_| ApiError::Unreadable)?),
        None => Body::None,
    };
    read(call(method, token, path, body).await?).await
}

/// A request whose answer has no body worth reading (204).
pub async fn send_no_answer<B: Serialize>(
    method: &str,
    token: &str,
    path: &str,
    body: &B,
) -> Result<(), ApiError> {
    let body = json::to_string(body).map_err(|_| ApiError::Unreadable)?;
    call(method, token, path, Body::Json(body)).await.map(drop)
}

/// A request with no body whose answer is not read (DELETE of a project).
pub async fn call_no_body(method: &str, token: &str, path: &str) -> Result<(), ApiError> {
    call(method, token, path, Body::None).await.map(drop)
}

/// Sends a file the user picked, as the raw body (CSV or XLSX), reading a JSON answer.
pub async fn upload<T: DeserializeOwned>(
    token: &str,
    path: &str,
    file: JsValue,
) -> Result<T, ApiError> {
    read(call("POST", token, path, Body::Js(file)).await?).await
}

/// Fetches `path` with the token (a plain link would not carry it) and saves the answer as
/// `filename` through a Blob and an object URL.
pub async fn download(token: &str, path: &str, filename: &str) -> Result<(), ApiError> {
    let response = call("GET", token, path, Body::None).await?;
    save(response, filename).await
}

/// As [`download`], under the name the server gives (`Content-Disposition`), else `fallback`.
pub async fn download_as_named(token: &str, path: &str, fallback: &str) -> Result<(), ApiError> {
    let response = call("GET", token, path, Body::None).await?;
    let served = response
        .headers()
        .get("content-disposition")
        .ok()
        .flatten()
        .and_then(|v| {
            let name = v
                .split("filename=\"")
                .nth(1)?
                .split('"')
                .next()?
                .to_string();
            (!name.is_empty()).then_some(name)
        });
    save(response, served.as_deref().unwrap_or(fallback)).await
}

async fn save(response: Response, filename: &str) -> Result<(), ApiError> {
    let blob = JsFuture::from(response.blob().map_err(|_| ApiError::Unreadable)?)
        .await
        .map_err(|_| ApiError::Offline)?
        .dyn_into::<web_sys::Blob>()
        .map_err(|_| ApiError::Unreadable)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| ApiError::Unreadable)?;
    let saved = (|| {
        let document = web_sys::window()?.document()?;
        let a = document
            .create_element("a")
            .ok()?
            .dyn_into::<web_sys::HtmlAnchorElement>()
            .ok()?;
        a.set_href(&url);
        a.set_download(filename);
        document.body()?.append_child(&a).ok()?;
        a.click();
        a.remove();
        Some(())
    })();
    // The click has handed the blob to the browser's download; the URL is no longer needed.
    let _ = web_sys::Url::revoke_object_url(&url);
    saved.ok_or(ApiError::Unreadable)
}

/// `key=value&…` of the non-empty pairs, values URI-encoded.
pub fn query(pairs: &[(&str, Option<String>)]) -> String {
    let mut out = String::new();
    for (k, v) in pairs {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            out.push(if out.is_empty() { '?' } else { '&' });
            out.push_str(k);
            out.push('=');
            out.push_str(&String::from(js_sys::encode_uri_component(v)));
        }
    }
    out
}

/// Opens the printable HTML page at `path` (the PAC document), fetched with the token, in
/// `tab`: a tab the click opened at once (a tab opened after the fetch is a popup the
/// browser may block). The page becomes a Blob URL; such a page cannot resolve a path like
/// `/api/pac/document.css` (a blob URL is no base), so its stylesheet link is made absolute
/// here. It keeps the app's CSP, which allows that same-origin stylesheet.
pub async fn open_page(token: &str, path: &str, tab: &web_sys::Window) -> Result<(), ApiError> {
    let response = call("GET", token, path, Body::None).await?;
    let html = api::read_text(&response).await.map_err(from_http)?;
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .ok_or(ApiError::Unreadable)?;
    let html = html.replacen(
        "<link rel=\"stylesheet\" href=\"/api/",
        &format!("<link rel=\"stylesheet\" href=\"{origin}/api/"),
        1,
    );
    // The public page's preview (issue 16, public): its stylesheet is `/p/style.css`.
    let html = html.replacen(
        "<link rel=\"stylesheet\" href=\"/p/",
        &format!("<link rel=\"stylesheet\" href=\"{origin}/p/"),
        1,
    );
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/html;charset=utf-8");
    let parts = js_sys::Array::of1(&JsValue::from_str(&html));
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|_| ApiError::Unreadable)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| ApiError::Unreadable)?;
    tab.location()
        .set_href(&url)
        .map_err(|_| ApiError::Unreadable)?;
    // The tab has the URL; it is kept a minute so that a slow start still finds the page.
    gloo_timers::callback::Timeout::new(60_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

/// Fetches an image with the token (an `<img src>` would not carry it) and gives an object URL
/// for it; the caller revokes it.
pub async fn image_url(token: &str, path: &str) -> Result<String, ApiError> {
    let response = call("GET", token, path, Body::None).await?;
    let blob = JsFuture::from(response.blob().map_err(|_| ApiError::Unreadable)?)
        .await
        .map_err(|_| ApiError::Offline)?
        .dyn_into::<web_sys::Blob>()
        .map_err(|_| ApiError::Unreadable)?;
    web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| ApiError::Unreadable)
}
