//! Calls to `/api/v1`, with failures sorted into what the user has to do about them
//! ([`ClientError`]: offline, signed out, revoked, refused with a code, or a server fault).
//!
//! JSON goes through the browser's own `JSON.parse`/`JSON.stringify` and serde-wasm-bindgen
//! (already needed for IndexedDB), so the bundle carries no second JSON implementation.

use crate::api::admin::EnrollRequest;
use crate::api::{
    ApiErrorEnvelope, FetchPersonsRequest, FetchPersonsResponse, PullResponse, PushRequest, PushResponse,
    SignInRequest, SignInResponse, API_PREFIX, CSRF_HEADER,
};
use crate::error::ClientError;
use gloo_net::http::{Request, RequestBuilder, Response};
use mimamori_core::error::ErrorCode;
use serde::de::DeserializeOwned;
use serde::Serialize;
use web_sys::RequestCredentials;

fn to_json<T: Serialize>(value: &T) -> Option<String> {
    let js = value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).ok()?;
    js_sys::JSON::stringify(&js).ok()?.as_string()
}

async fn from_json<T: DeserializeOwned>(res: Response) -> Option<T> {
    let text = res.text().await.ok()?;
    let js = js_sys::JSON::parse(&text).ok()?;
    serde_wasm_bindgen::from_value(js).ok()
}

async fn read<T: DeserializeOwned>(res: Result<Response, gloo_net::Error>) -> Result<T, ClientError> {
    let res = checked(res).await?;
    let status = res.status();
    from_json::<T>(res).await.ok_or(ClientError::Server(status))
}

/// A successful response, or the failure it stands for.
async fn checked(res: Result<Response, gloo_net::Error>) -> Result<Response, ClientError> {
    let res = res.map_err(|_| ClientError::Offline)?;
    let status = res.status();
    if res.ok() {
        return Ok(res);
    }
    let body = from_json::<ApiErrorEnvelope>(res).await.map(|e| e.error);
    match (status, body) {
        (401, Some(b)) if b.code == ErrorCode::BadCredentials => {
            Err(ClientError::Refused { code: b.code, message_ja: b.message_ja })
        }
        (401, Some(b)) if b.code == ErrorCode::DeviceRevoked => Err(ClientError::Revoked),
        (401, _) => Err(ClientError::SignedOut),
        (s, Some(b)) if s < 500 => Err(ClientError::Refused { code: b.code, message_ja: b.message_ja }),
        (s, _) => Err(ClientError::Server(s)),
    }
}

/// Every call carries the CSRF header: a page on another site cannot set it without a CORS
/// preflight, which this server never grants.
fn request(builder: RequestBuilder) -> RequestBuilder {
    builder.credentials(RequestCredentials::SameOrigin).header(CSRF_HEADER, "1")
}

async fn send_json<B: Serialize, T: DeserializeOwned>(builder: RequestBuilder, body: &B) -> Result<T, ClientError> {
    let json = to_json(body).ok_or(ClientError::Server(0))?;
    let req =
        request(builder).header("content-type", "application/json").body(json).map_err(|_| ClientError::Offline)?;
    read(req.send().await).await
}

/// `POST {API_PREFIX}{path}` with a JSON body.
pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ClientError> {
    send_json(Request::post(&format!("{API_PREFIX}{path}")), body).await
}

/// `PUT {API_PREFIX}{path}` with a JSON body.
pub async fn put<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ClientError> {
    send_json(Request::put(&format!("{API_PREFIX}{path}")), body).await
}

/// `GET {API_PREFIX}{path}`.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ClientError> {
    read(request(Request::get(&format!("{API_PREFIX}{path}"))).send().await).await
}

/// `POST {API_PREFIX}{path}` with no body; any success status (204) is `Ok`.
pub async fn post_empty(path: &str) -> Result<(), ClientError> {
    checked(request(Request::post(&format!("{API_PREFIX}{path}"))).send().await).await.map(|_| ())
}

/// `DELETE {API_PREFIX}{path}`; any success status (204) is `Ok`.
pub async fn delete(path: &str) -> Result<(), ClientError> {
    checked(request(Request::delete(&format!("{API_PREFIX}{path}"))).send().await).await.map(|_| ())
}

pub async fn sign_in(login: &str, password: &str) -> Result<SignInResponse, ClientError> {
    post("/session", &SignInRequest { login: login.to_owned(), password: password.to_owned() }).await
}

/// Enrols this device with a one-time invite code; the answer also sets the session cookie.
pub async fn enroll(code: &str) -> Result<SignInResponse, ClientError> {
    post("/enroll", &EnrollRequest { code: code.to_owned() }).await
}

pub async fn sign_out() -> Result<(), ClientError> {
    let res =
        request(Request::delete(&format!("{API_PREFIX}/session"))).send().await.map_err(|_| ClientError::Offline)?;
    match res.status() {
        204 | 401 => Ok(()),
        s => Err(ClientError::Server(s)),
    }
}

pub async fn push(body: &PushRequest) -> Result<PushResponse, ClientError> {
    post("/sync/push", body).await
}

pub async fn pull(cursor: i64, mark: Option<i64>) -> Result<PullResponse, ClientError> {
    let mark = mark.map(|m| format!("&mark={m}")).unwrap_or_default();
    read(request(Request::get(&format!("{API_PREFIX}/sync/pull?cursor={cursor}{mark}"))).send().await).await
}

pub async fn fetch_persons(body: &FetchPersonsRequest) -> Result<FetchPersonsResponse, ClientError> {
    post("/sync/persons", body).await
}

/// Changes the signed-in user's own password (answered 204 with no body).
pub async fn change_password(current: &str, new: &str) -> Result<(), ClientError> {
    let body = crate::api::admin::ChangePasswordRequest { current: current.to_owned(), new: new.to_owned() };
    let json = to_json(&body).ok_or(ClientError::Server(0))?;
    let req = request(Request::put(&format!("{API_PREFIX}/me/password")))
        .header("content-type", "application/json")
        .body(json)
        .map_err(|_| ClientError::Offline)?;
    checked(req.send().await).await.map(|_| ())
}

/// A new recovery key for this device (see `vault`): wrapped over the data key, then dropped.
pub async fn recovery_key() -> Result<crate::api::RecoveryKey, ClientError> {
    read(request(Request::post(&format!("{API_PREFIX}/me/recovery-key"))).send().await).await
}

/// After a fresh sign-in: the recovery key of this phone's earlier device (`device`), once.
pub async fn recover(device: &str) -> Result<crate::api::RecoveryKey, ClientError> {
    read(request(Request::post(&format!("{API_PREFIX}/devices/{device}/recover"))).send().await).await
}

/// Tells the server's security log which records this device moved aside (counts only).
pub async fn records_aside(report: &crate::api::RecordsAside) -> Result<(), ClientError> {
    let json = to_json(report).ok_or(ClientError::Server(0))?;
    let req = request(Request::post(&format!("{API_PREFIX}/me/records-aside")))
        .header("content-type", "application/json")
        .body(json)
        .map_err(|_| ClientError::Offline)?;
    checked(req.send().await).await.map(|_| ())
}

/// Who the server thinks this device is signed in as (`None` when it is not).
pub async fn me() -> Result<Option<crate::domain::User>, ClientError> {
    match get::<crate::domain::User>("/me").await {
        Ok(user) => Ok(Some(user)),
        Err(ClientError::SignedOut | ClientError::Revoked) => Ok(None),
        Err(e) => Err(e),
    }
}
