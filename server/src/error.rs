//! API errors: every failure an API client can see is one of these, answered as JSON.

use crate::storage::StorageError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use mimamori_core::api::{ApiErrorBody, ApiErrorEnvelope};
use mimamori_core::domain::ValidationError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("not signed in, or the session has ended")]
    Unauthenticated,
    #[error("this device has been signed out or revoked")]
    DeviceRevoked,
    #[error("the session has ended (unused for too long, or past its last day); sign in again")]
    SessionExpired,
    #[error("the password was reset by an admin; change it first")]
    PasswordChangeRequired,
    #[error("the server is busy; try again shortly")]
    Busy,
    #[error("the request took too long")]
    Timeout,
    #[error("login or password is wrong")]
    BadCredentials,
    #[error("too many failed sign-ins; try again later")]
    TooManyAttempts,
    #[error("not found")]
    NotFound,
    /// A change names a person the writer cannot reach (out of scope, inactive, or no such id):
    /// all answered alike, so a change cannot be used to learn who exists.
    #[error("no such person")]
    PersonNotFound,
    #[error("this role may not use this endpoint")]
    Forbidden,
    #[error("missing CSRF header or cross-site origin")]
    CrossSite,
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String, message_ja: &'static str },
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("request body is too large")]
    PayloadTooLarge,
    #[error("request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    #[error("{detail}")]
    BadRequest { code: &'static str, detail: String, message_ja: &'static str },
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated
            | ApiError::BadCredentials
            | ApiError::DeviceRevoked
            | ApiError::SessionExpired => StatusCode::UNAUTHORIZED,
            ApiError::PasswordChangeRequired => StatusCode::FORBIDDEN,
            ApiError::Busy | ApiError::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            ApiError::NotFound | ApiError::PersonNotFound => StatusCode::NOT_FOUND,
            ApiError::Forbidden | ApiError::CrossSite => StatusCode::FORBIDDEN,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn body(&self) -> ApiErrorBody {
        let (code, message_ja) = match self {
            ApiError::Unauthenticated => ("unauthenticated", "もう一度サインインしてください。"),
            ApiError::BadCredentials => ("bad_credentials", "IDまたはパスワードが違います。"),
            ApiError::DeviceRevoked => (
                "device_revoked",
                "この端末は利用できなくなりました。端末内の記録を消去しました。必要なら社協の担当者にご連絡ください。",
            ),
            ApiError::SessionExpired => (
                "session_expired",
                "しばらく使われていなかったため、サインインが切れました。もう一度サインインしてください。未送信の記録は端末に残っています。",
            ),
            ApiError::PasswordChangeRequired => {
                ("password_change_required", "管理者がパスワードを再設定しました。新しいパスワードに変更してください。")
            }
            ApiError::Busy => ("busy", "混み合っています。少し待ってからもう一度お試しください。"),
            ApiError::Timeout => ("timeout", "時間がかかりすぎたため中断しました。もう一度お試しください。"),
            ApiError::TooManyAttempts => {
                ("too_many_attempts", "サインインに続けて失敗したため、15分ほど待ってからもう一度お試しください。")
            }
            ApiError::NotFound => ("not_found", "見つかりません。"),
            ApiError::PersonNotFound => {
                ("person_not_found", "この方の記録は保存できません（担当から外れた可能性があります）。")
            }
            ApiError::Forbidden => ("forbidden", "この操作を行う権限がありません。"),
            ApiError::CrossSite => ("cross_site", "この操作はアプリの画面から行ってください。"),
            ApiError::Conflict { code, message_ja, .. } => (*code, *message_ja),
            ApiError::MethodNotAllowed => ("method_not_allowed", "この操作はできません。"),
            ApiError::PayloadTooLarge => ("payload_too_large", "データが大きすぎます。分けて送ってください。"),
            ApiError::UnsupportedMediaType => ("unsupported_media_type", "送信形式が正しくありません。"),
            ApiError::BadRequest { code, message_ja, .. } => (*code, *message_ja),
            ApiError::Internal(_) => {
                ("internal", "サーバーで問題が起きました。しばらくしてからもう一度お試しください。")
            }
        };
        ApiErrorBody { code: code.into(), message: self.to_string(), message_ja: message_ja.into() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(e) = &self {
            tracing::error!(error = %e, "internal error");
        }
        (self.status(), Json(ApiErrorEnvelope { error: self.body() })).into_response()
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        ApiError::Internal(Box::new(e))
    }
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        ApiError::BadRequest { code: e.code, detail: e.detail, message_ja: e.message_ja }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType,
            _ => ApiError::BadRequest {
                code: "invalid_body",
                detail: r.body_text(),
                message_ja: "送信内容が正しくありません。アプリを更新してもう一度お試しください。",
            },
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::BadRequest {
            code: "invalid_query",
            detail: r.body_text(),
            message_ja: "送信内容が正しくありません。",
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        ApiError::invalid_id()
    }
}

impl ApiError {
    /// A malformed id in a URL: a clear 400, distinct from an id that matches nothing (404).
    pub fn invalid_id() -> Self {
        ApiError::BadRequest {
            code: "invalid_id",
            detail: "malformed id".into(),
            message_ja: "番号の形式が正しくありません。",
        }
    }

    /// A change's id is already used by another user's change.
    pub fn id_taken() -> Self {
        ApiError::Conflict {
            code: "id_conflict",
            detail: "id already used".into(),
            message_ja: "記録の番号が重複しています。",
        }
    }

    pub fn small_area_not_found() -> Self {
        ApiError::bad("small_area_not_found", "no such small area", "小地域を選んでください。")
    }

    pub fn bad(code: &'static str, detail: impl Into<String>, message_ja: &'static str) -> Self {
        ApiError::BadRequest { code, detail: detail.into(), message_ja }
    }
}
