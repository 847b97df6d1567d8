//! Calls to `/api/v1`, with failures sorted into what the user has to do about them.
//!
//! JSON goes through the browser's own `JSON.parse`/`JSON.stringify` and serde-wasm-bindgen
//! (already needed for IndexedDB), so the bundle carries no second JSON implementation.

use crate::api::admin::EnrollRequest;
use crate::api::{
    ApiErrorBody, ApiErrorEnvelope, FetchPersonsRequest, FetchPersonsResponse, PullResponse, PushRequest, PushResponse,
    SignInRequest, SignInResponse, API_PREFIX, CSRF_HEADER,
};
use gloo_net::http::{Request, RequestBuilder, Response};
use rust_i18n::t;
use serde::de::DeserializeOwned;
use serde::Serialize;
use web_sys::RequestCredentials;

#[derive(Debug, Clone)]
pub enum ApiFailure {
    /// No connection (or the server is unreachable): try again later, nothing is wrong.
    Offline,
    /// The session ended: the user must sign in again (unsent records are kept for them).
    Unauthenticated,
    /// This device was signed out elsewhere or revoked (a lost phone): wipe what it holds.
    Revoked,
    /// The server refused the request and said why.
    Refused(ApiErrorBody),
    /// The server failed, or answered something this version cannot read; retry later.
    Server(u16),
}

impl ApiFailure {
    /// What the user is told, in their language (see `ui::i18n`).
    pub fn message(&self) -> String {
        match self {
            ApiFailure::Offline => t!("api.offline").into_owned(),
            ApiFailure::Unauthenticated => t!("api.unauthenticated").into_owned(),
            ApiFailure::Revoked => t!("api.revoked").into_owned(),
            ApiFailure::Refused(body) => crate::ui::i18n::error_text(&body.code, &body.message_ja),
            ApiFailure::Server(_) => t!("api.server").into_owned(),
        }
    }
}

fn to_json<T: Serialize>(value: &T) -> Option<String> {
    let js = value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).ok()?;
    js_sys::JSON::stringify(&js).ok()?.as_string()
}

async fn from_json<T: DeserializeOwned>(res: Response) -> Option<T> {
    let text = res.text().await.ok()?;
    let js = js_sys::JSON::parse(&text).ok()?;
    serde_wasm_bindgen::from_value(js).ok()
}

async fn read<T: DeserializeOwned>(res: Result<Response, gloo_net::Error>) -> Result<T, ApiFailure> {
    let res = checked(res).await?;
    let status = res.status();
    from_json::<T>(res).await.ok_or(ApiFailure::Server(status))
}

/// A successful response, or the failure it stands for.
async fn checked(res: Result<Response, gloo_net::Error>) -> Result<Response, ApiFailure> {
    let res = res.map_err(|_| ApiFailure::Offline)?;
    let status = res.status();
    if res.ok() {
        return Ok(res);
    }
    let body = from_json::<ApiErrorEnvelope>(res).await.map(|e| e.error);
    match (status, body) {
        (401, Some(b)) if b.code == "bad_credentials" => Err(ApiFailure::Refused(b)),
        (401, Some(b)) if b.code == "device_revoked" => Err(ApiFailure::Revoked),
        (401, _) => Err(ApiFailure::Unauthenticated),
        (s, Some(b)) if s < 500 => Err(ApiFailure::Refused(b)),
        (s, _) => Err(ApiFailure::Server(s)),
    }
}

/// Every call carries the CSRF header: a page on another site cannot set it without a CORS
/// preflight, which this server never grants.
fn request(builder: RequestBuilder) -> RequestBuilder {
    builder.credentials(RequestCredentials::SameOrigin).header(CSRF_HEADER, "1")
}

async fn send_json<B: Serialize, T: DeserializeOwned>(builder: RequestBuilder, body: &B) -> Result<T, ApiFailure> {
    let json = to_json(body).ok_or(ApiFailure::Server(0))?;
    let req =
        request(builder).header("content-type", "application/json").body(json).map_err(|_| ApiFailure::Offline)?;
    read(req.send().await).await
}

/// `POST {API_PREFIX}{path}` with a JSON body.
pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiFailure> {
    send_json(Request::post(&format!("{API_PREFIX}{path}")), body).await
}

/// `PUT {API_PREFIX}{path}` with a JSON body.
pub async fn put<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiFailure> {
    send_json(Request::put(&format!("{API_PREFIX}{path}")), body).await
}

/// `GET {API_PREFIX}{path}`.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiFailure> {
    read(request(Request::get(&format!("{API_PREFIX}{path}"))).send().await).await
}

/// `DELETE {API_PREFIX}{path}`; any success status (204) is `Ok`.
pub async fn delete(path: &str) -> Result<(), ApiFailure> {
    checked(request(Request::delete(&format!("{API_PREFIX}{path}"))).send().await).await.map(|_| ())
}

pub async fn sign_in(login: &str, password: &str) -> Result<SignInResponse, ApiFailure> {
    post("/session", &SignInRequest { login: login.to_owned(), password: password.to_owned() }).await
}

/// Enrols this device with a one-time invite code; the answer also sets the session cookie.
pub async fn enroll(code: &str) -> Result<SignInResponse, ApiFailure> {
    post("/enroll", &EnrollRequest { code: code.to_owned() }).await
}

pub async fn sign_out() -> Result<(), ApiFailure> {
    let res =
        request(Request::delete(&format!("{API_PREFIX}/session"))).send().await.map_err(|_| ApiFailure::Offline)?;
    match res.status() {
        204 | 401 => Ok(()),
        s => Err(ApiFailure::Server(s)),
    }
}

pub async fn push(body: &PushRequest) -> Result<PushResponse, ApiFailure> {
    post("/sync/push", body).await
}

pub async fn pull(cursor: i64) -> Result<PullResponse, ApiFailure> {
    read(request(Request::get(&format!("{API_PREFIX}/sync/pull?cursor={cursor}"))).send().await).await
}

pub async fn fetch_persons(body: &FetchPersonsRequest) -> Result<FetchPersonsResponse, ApiFailure> {
    post("/sync/persons", body).await
}

/// Changes the signed-in user's own password (answered 204 with no body).
pub async fn change_password(current: &str, new: &str) -> Result<(), ApiFailure> {
    let body = crate::api::admin::ChangePasswordRequest { current: current.to_owned(), new: new.to_owned() };
    let json = to_json(&body).ok_or(ApiFailure::Server(0))?;
    let req = request(Request::put(&format!("{API_PREFIX}/me/password")))
        .header("content-type", "application/json")
        .body(json)
        .map_err(|_| ApiFailure::Offline)?;
    checked(req.send().await).await.map(|_| ())
}

/// Who the server thinks this device is signed in as (`None` when it is not).
pub async fn me() -> Result<Option<crate::domain::User>, ApiFailure> {
    match get::<crate::domain::User>("/me").await {
        Ok(user) => Ok(Some(user)),
        Err(ApiFailure::Unauthenticated | ApiFailure::Revoked) => Ok(None),
        Err(e) => Err(e),
    }
}
