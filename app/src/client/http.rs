//! Calls to `/api/v1`, with failures sorted into what the user has to do about them.

use crate::api::{
    ApiErrorBody, ApiErrorEnvelope, PullResponse, PushRequest, PushResponse, SignInRequest, SignInResponse, API_PREFIX,
};
use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;
use web_sys::RequestCredentials;

#[derive(Debug, Clone)]
pub enum ApiFailure {
    /// No connection (or the server is unreachable): try again later, nothing is wrong.
    Offline,
    /// The session ended or the device was revoked: the user must sign in again.
    Unauthenticated,
    /// The server refused the request and said why.
    Refused(ApiErrorBody),
    /// The server failed; retry later.
    Server(u16),
}

impl ApiFailure {
    pub fn message_ja(&self) -> String {
        match self {
            ApiFailure::Offline => "オフラインです。電波のある場所で自動的に送信します。".into(),
            ApiFailure::Unauthenticated => "サインインの有効期限が切れました。もう一度サインインしてください。".into(),
            ApiFailure::Refused(body) => body.message_ja.clone(),
            ApiFailure::Server(_) => "サーバーに接続できません。しばらくしてから自動でやり直します。".into(),
        }
    }
}

async fn read<T: DeserializeOwned>(res: Result<Response, gloo_net::Error>) -> Result<T, ApiFailure> {
    let res = res.map_err(|_| ApiFailure::Offline)?;
    let status = res.status();
    if res.ok() {
        return res.json::<T>().await.map_err(|_| ApiFailure::Server(status));
    }
    if status == 401 {
        if let Ok(env) = res.json::<ApiErrorEnvelope>().await {
            if env.error.code == "bad_credentials" {
                return Err(ApiFailure::Refused(env.error));
            }
        }
        return Err(ApiFailure::Unauthenticated);
    }
    match res.json::<ApiErrorEnvelope>().await {
        Ok(env) if status < 500 => Err(ApiFailure::Refused(env.error)),
        _ => Err(ApiFailure::Server(status)),
    }
}

fn url(path: &str) -> String {
    format!("{API_PREFIX}{path}")
}

pub async fn sign_in(login: &str, password: &str) -> Result<SignInResponse, ApiFailure> {
    let body = SignInRequest { login: login.to_owned(), password: password.to_owned() };
    let req = Request::post(&url("/session"))
        .credentials(RequestCredentials::SameOrigin)
        .json(&body)
        .map_err(|_| ApiFailure::Offline)?;
    read(req.send().await).await
}

pub async fn sign_out() -> Result<(), ApiFailure> {
    let res = Request::delete(&url("/session"))
        .credentials(RequestCredentials::SameOrigin)
        .send()
        .await
        .map_err(|_| ApiFailure::Offline)?;
    match res.status() {
        204 | 401 => Ok(()),
        s => Err(ApiFailure::Server(s)),
    }
}

pub async fn push(body: &PushRequest) -> Result<PushResponse, ApiFailure> {
    let req = Request::post(&url("/sync/push"))
        .credentials(RequestCredentials::SameOrigin)
        .json(body)
        .map_err(|_| ApiFailure::Offline)?;
    read(req.send().await).await
}

pub async fn pull(cursor: i64) -> Result<PullResponse, ApiFailure> {
    let res = Request::get(&url(&format!("/sync/pull?cursor={cursor}")))
        .credentials(RequestCredentials::SameOrigin)
        .send()
        .await;
    read(res).await
}
