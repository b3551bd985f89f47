//! The HTTP API as the tablet uses it: login, reference data, and the sync transport.
//! Request and response types come from `tachkhis_shared`.

use gloo_timers::callback::Timeout;
use js_sys::Uint8Array;
use serde::{Serialize, de::DeserializeOwned};
use tachkhis_shared::api::{
    ErrorBody, ErrorCode, LoginRequest, LoginResponse, Me, PasswordChange, SetupRequest,
    SetupStatus,
};
use tachkhis_shared::reference::Reference;
use tachkhis_shared::sync::Transport;
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, Request, RequestInit, Response};

use crate::net::json;

/// A request that has not answered after this long is treated as "no network" (rural links
/// can hang rather than fail).
const TIMEOUT_MS: u32 = 45_000;

/// What can go wrong talking to the server, in the terms the screens need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpError {
    /// No answer: no network, server down, or timed out.
    Offline,
    /// 401: the token is unknown or expired (or, at login, the password is wrong): log in again.
    Unauthorized,
    /// 401 `token_revoked`: an administrator disconnected this tablet; logging in again will
    /// not help, the work must leave by file.
    Revoked,
    /// 403: this account may not do that.
    Forbidden,
    /// A 4xx naming one document (`doc_id`, e.g. 400 `bad_sync_message`): the server refuses
    /// that document as it is; sending it again unchanged would meet the same answer.
    BadDoc(Uuid),
    /// Another answer than the one expected.
    Server(u16),
    /// The answer could not be read.
    Unreadable(String),
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpError::Offline => f.write_str("offline"),
            HttpError::Unauthorized => f.write_str("unauthorized"),
            HttpError::Revoked => f.write_str("token revoked"),
            HttpError::Forbidden => f.write_str("forbidden"),
            HttpError::BadDoc(id) => write!(f, "document {id} refused"),
            HttpError::Server(status) => write!(f, "HTTP {status}"),
            HttpError::Unreadable(why) => write!(f, "unreadable answer: {why}"),
        }
    }
}

fn js_err(_: JsValue) -> HttpError {
    HttpError::Unreadable("browser API".into())
}

#[cfg_attr(not(feature = "office"), allow(dead_code))]
pub(crate) enum Body<'a> {
    None,
    Json(String),
    Bytes(&'a [u8]),
    /// A browser object sent as it is (a `File` picked by the user: never copied into wasm).
    Js(JsValue),
}

/// Sends a request and returns the response whatever its status; `Offline` when there is none.
#[cfg_attr(not(feature = "office"), allow(dead_code))]
pub(crate) async fn fetch(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Body<'_>,
) -> Result<Response, HttpError> {
    let window = web_sys::window().ok_or(HttpError::Offline)?;
    let headers = Headers::new().map_err(js_err)?;
    let init = RequestInit::new();
    init.set_method(method);
    match body {
        Body::None => {}
        Body::Json(json) => {
            headers
                .set("Content-Type", "application/json")
                .map_err(js_err)?;
            init.set_body(&JsValue::from_str(&json));
        }
        Body::Bytes(bytes) => {
            headers
                .set("Content-Type", "application/octet-stream")
                .map_err(js_err)?;
            init.set_body(&Uint8Array::from(bytes).into());
        }
        Body::Js(value) => init.set_body(&value),
    }
    if let Some(token) = token {
        headers
            .set("Authorization", &format!("Bearer {token}"))
            .map_err(js_err)?;
    }
    init.set_headers_headers(&headers);
    let controller = AbortController::new().ok();
    if let Some(c) = &controller {
        init.set_signal(Some(&c.signal()));
    }
    let timer = controller.map(|c| Timeout::new(TIMEOUT_MS, move || c.abort()));
    let request = Request::new_with_str_and_init(path, &init).map_err(js_err)?;
    let result = JsFuture::from(window.fetch_with_request(&request)).await;
    drop(timer);
    result
        .map_err(|_| HttpError::Offline)?
        .dyn_into()
        .map_err(js_err)
}

/// Sends a request and returns the response for a 2xx status, the mapped error otherwise.
async fn send(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Body<'_>,
) -> Result<Response, HttpError> {
    checked(fetch(method, path, token, body).await?).await
}

/// The response for a 2xx status, the mapped error otherwise.
async fn checked(response: Response) -> Result<Response, HttpError> {
    match response.status() {
        200..=299 => Ok(response),
        401 => {
            let text = read_text(&response).await.unwrap_or_default();
            Err(unauthorized(&text))
        }
        403 => Err(HttpError::Forbidden),
        // Too slow or too many requests: passing, whatever they name.
        status @ (408 | 429) => Err(HttpError::Server(status)),
        status @ 400..=499 => {
            let text = read_text(&response).await.unwrap_or_default();
            match json::from_str::<ErrorBody>(&text) {
                Ok(ErrorBody {
                    doc_id: Some(id), ..
                }) => Err(HttpError::BadDoc(id)),
                _ => Err(HttpError::Server(status)),
            }
        }
        status => Err(HttpError::Server(status)),
    }
}

/// The server says why it refused a token (`{"error": "token_revoked" | "token_expired", …}`);
/// an older server says nothing, which reads as "log in again".
fn unauthorized(body: &str) -> HttpError {
    match json::from_str::<ErrorBody>(body) {
        Ok(ErrorBody {
            error: ErrorCode::TokenRevoked,
            ..
        }) => HttpError::Revoked,
        _ => HttpError::Unauthorized,
    }
}

pub(crate) async fn read_text(response: &Response) -> Result<String, HttpError> {
    let text = JsFuture::from(response.text().map_err(js_err)?)
        .await
        .map_err(|_| HttpError::Offline)?;
    text.as_string()
        .ok_or_else(|| HttpError::Unreadable("not text".into()))
}

async fn read_json<T: DeserializeOwned>(response: &Response) -> Result<T, HttpError> {
    let text = read_text(response).await?;
    json::from_str(&text).map_err(HttpError::Unreadable)
}

async fn read_bytes(response: &Response) -> Result<Vec<u8>, HttpError> {
    let buffer = JsFuture::from(response.array_buffer().map_err(js_err)?)
        .await
        .map_err(|_| HttpError::Offline)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

fn to_json<T: Serialize>(value: &T) -> Result<String, HttpError> {
    json::to_string(value).map_err(HttpError::Unreadable)
}

/// Why a login failed: what any request can meet, or too many failed logins (429).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginError {
    Http(HttpError),
    /// The server makes this account or this address wait after repeated failures.
    TooManyAttempts {
        retry_after_secs: u32,
    },
}

impl From<HttpError> for LoginError {
    fn from(e: HttpError) -> Self {
        LoginError::Http(e)
    }
}

pub async fn login(username: &str, password: &str) -> Result<LoginResponse, LoginError> {
    let body = to_json(&LoginRequest {
        username: username.to_string(),
        password: password.to_string(),
    })?;
    let response = fetch("POST", "/api/auth/login", None, Body::Json(body)).await?;
    if response.status() == 429 {
        let retry_after_secs = response
            .headers()
            .get("Retry-After")
            .ok()
            .flatten()
            .and_then(|v| v.trim().parse::<u32>().ok())
            .unwrap_or(60);
        return Err(LoginError::TooManyAttempts { retry_after_secs });
    }
    let response = checked(response).await?;
    Ok(read_json(&response).await?)
}

/// Whether the server waits for its first run's set-up.
pub async fn setup_status() -> Result<SetupStatus, HttpError> {
    let response = send("GET", "/api/setup", None, Body::None).await?;
    read_json(&response).await
}

/// Why a set-up or a password change was refused: the server's error code (`bad_setup_code`,
/// `bad_password`…), or what any request can meet.
pub enum SetupError {
    Refused(ErrorCode),
    Http(HttpError),
}

pub async fn setup(request: &SetupRequest) -> Result<(), SetupError> {
    post_refusable("/api/setup", None, request).await
}

/// `POST /api/auth/password`: one's own password (a one-time password's replacement). Refused
/// with the server's code: `wrong_password`, `bad_password`.
pub async fn change_password(token: &str, current: &str, new: &str) -> Result<(), SetupError> {
    let body = PasswordChange {
        current_password: current.to_string(),
        new_password: new.to_string(),
    };
    post_refusable("/api/auth/password", Some(token), &body).await
}

/// A POST whose refusal the screen explains by the server's error code.
async fn post_refusable<T: Serialize>(
    path: &str,
    token: Option<&str>,
    request: &T,
) -> Result<(), SetupError> {
    let body = to_json(request).map_err(SetupError::Http)?;
    let response = fetch("POST", path, token, Body::Json(body))
        .await
        .map_err(SetupError::Http)?;
    if (200..300).contains(&response.status()) {
        return Ok(());
    }
    let text = read_text(&response).await.map_err(SetupError::Http)?;
    match json::from_str::<ErrorBody>(&text) {
        Ok(body) => Err(SetupError::Refused(body.error)),
        Err(_) => Err(SetupError::Http(HttpError::Server(response.status()))),
    }
}

/// `GET /api/me`: the caller's role and poles as the administrator left them.
pub async fn me(token: &str) -> Result<Me, HttpError> {
    let response = send("GET", "/api/me", Some(token), Body::None).await?;
    read_json(&response).await
}

pub async fn reference(token: &str) -> Result<Reference, HttpError> {
    Ok(reference_and_clock(token).await?.0)
}

/// The reference data, and how far the server's clock is from this tablet's
/// ([`clock_offset`]).
pub async fn reference_and_clock(token: &str) -> Result<(Reference, Option<f64>), HttpError> {
    let response = send("GET", "/api/reference", Some(token), Body::None).await?;
    let offset = clock_offset(&response);
    Ok((read_json(&response).await?, offset))
}

/// The server's time minus this tablet's, in ms, from the answer's `Date` header (hyper
/// writes it on every answer; same-origin, so the page may read it). The header counts whole
/// seconds, so its middle (+500 ms) is taken; the answer's time on the way adds its latency,
/// seconds at worst, against a tolerance of minutes. `None` without a readable header (a
/// proxy that drops it): nothing is said about the clock then.
pub fn clock_offset(response: &Response) -> Option<f64> {
    let date = response.headers().get("Date").ok().flatten()?;
    let server = js_sys::Date::parse(&date);
    server
        .is_finite()
        .then(|| server + 500.0 - js_sys::Date::now())
}

/// `POST /api/sync` with the bearer token: postcard bytes both ways.
pub struct HttpTransport {
    pub token: String,
    /// The server's clock against this tablet's, from the last answer ([`clock_offset`]).
    pub clock_offset: Option<f64>,
}

impl Transport for HttpTransport {
    type Error = HttpError;

    async fn exchange(&mut self, body: Vec<u8>) -> Result<Vec<u8>, HttpError> {
        let response = send("POST", "/api/sync", Some(&self.token), Body::Bytes(&body)).await?;
        self.clock_offset = clock_offset(&response).or(self.clock_offset);
        read_bytes(&response).await
    }
}

/// Where each photo stands on the server (`POST /api/photos/status`).
pub async fn photo_status(
    token: &str,
    hashes: &[String],
) -> Result<Vec<tachkhis_shared::api::photos::PhotoStatus>, HttpError> {
    let body = to_json(&tachkhis_shared::api::photos::PhotoStatusRequest {
        hashes: hashes.to_vec(),
    })?;
    let response = send("POST", "/api/photos/status", Some(token), Body::Json(body)).await?;
    read_json(&response).await
}

/// One chunk of a photo (`PUT /api/photos/{hash}`); a 409 means the server stands elsewhere
/// (ask the status again).
pub async fn put_photo_chunk(
    token: &str,
    hash: &str,
    offset: usize,
    total: usize,
    chunk: &[u8],
) -> Result<tachkhis_shared::api::photos::PhotoStatus, HttpError> {
    let path = format!("/api/photos/{hash}?offset={offset}&total={total}");
    let response = send("PUT", &path, Some(token), Body::Bytes(chunk)).await?;
    read_json(&response).await
}
