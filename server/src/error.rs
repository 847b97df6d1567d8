//! API errors: every failure an API client can see is one of these, answered as JSON.

use crate::storage::StorageError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use mimamori_core::api::{ApiErrorBody, ApiErrorEnvelope};
use mimamori_core::domain::ValidationError;
use mimamori_core::error::{ErrorCode, Lang};

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
    /// The database cannot be reached (restarting, failed over, network): a moment's outage, not
    /// a fault in the request, so the client keeps what it sent and tries again later.
    #[error("the database is unavailable; try again shortly")]
    DatabaseUnavailable,
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
    Conflict { code: ErrorCode, detail: String },
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("request body is too large")]
    PayloadTooLarge,
    #[error("request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    #[error("{detail}")]
    BadRequest { code: ErrorCode, detail: String },
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
            ApiError::Busy | ApiError::Timeout | ApiError::DatabaseUnavailable => StatusCode::SERVICE_UNAVAILABLE,
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

    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Unauthenticated => ErrorCode::Unauthenticated,
            ApiError::BadCredentials => ErrorCode::BadCredentials,
            ApiError::DeviceRevoked => ErrorCode::DeviceRevoked,
            ApiError::SessionExpired => ErrorCode::SessionExpired,
            ApiError::PasswordChangeRequired => ErrorCode::PasswordChangeRequired,
            ApiError::Busy => ErrorCode::Busy,
            ApiError::Timeout => ErrorCode::Timeout,
            ApiError::DatabaseUnavailable => ErrorCode::DatabaseUnavailable,
            ApiError::TooManyAttempts => ErrorCode::TooManyAttempts,
            ApiError::NotFound => ErrorCode::NotFound,
            ApiError::PersonNotFound => ErrorCode::PersonNotFound,
            ApiError::Forbidden => ErrorCode::Forbidden,
            ApiError::CrossSite => ErrorCode::CrossSite,
            ApiError::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            ApiError::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            ApiError::UnsupportedMediaType => ErrorCode::UnsupportedMediaType,
            ApiError::Conflict { code, .. } | ApiError::BadRequest { code, .. } => *code,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The JSON body: the code's wire name, the English detail, and the Japanese from the catalogue.
    pub fn body(&self) -> ApiErrorBody {
        let code = self.code();
        ApiErrorBody { code, message: self.to_string(), message_ja: code.text(Lang::Ja).into() }
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
        if e.is_unavailable() {
            tracing::warn!(error = %e, "database unavailable");
            return ApiError::DatabaseUnavailable;
        }
        if e.is_busy() {
            tracing::warn!(error = %e, "database busy");
            return ApiError::Busy;
        }
        ApiError::Internal(Box::new(e))
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        StorageError::Database(e).into()
    }
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        ApiError::BadRequest { code: e.code, detail: e.detail }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType,
            _ => {
                let detail = r.body_text();
                ApiError::BadRequest { code: code_in(&detail).unwrap_or(ErrorCode::InvalidBody), detail }
            }
        }
    }
}

/// A domain type that refuses a value while serde reads it (an id that is not one) says why with
/// its code first, as [`ValidationError`]'s text does ("invalid_id: …"); serde and axum put their
/// own words around it. Reads that code back, so the client gets `invalid_id`, not just "bad body".
pub fn code_in(message: &str) -> Option<ErrorCode> {
    message.split(": ").map(ErrorCode::from_wire).find(|c| *c != ErrorCode::Unknown)
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        let detail = r.body_text();
        // A value the query's type refused by parsing (`?month=11`) keeps its own code.
        ApiError::BadRequest { code: code_in(&detail).unwrap_or(ErrorCode::InvalidQuery), detail }
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
        ApiError::BadRequest { code: ErrorCode::InvalidId, detail: "malformed id".into() }
    }

    /// A change's id is already used by another user's change.
    pub fn id_taken() -> Self {
        ApiError::Conflict { code: ErrorCode::IdConflict, detail: "id already used".into() }
    }

    pub fn small_area_not_found() -> Self {
        ApiError::bad(ErrorCode::SmallAreaNotFound, "no such small area")
    }

    pub fn bad(code: ErrorCode, detail: impl Into<String>) -> Self {
        ApiError::BadRequest { code, detail: detail.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_domain_refusal_inside_serde_words_keeps_its_code() {
        let axum = "Failed to deserialize the JSON body into the target type: ids[0]: invalid_id: not a person id at line 1 column 12";
        assert_eq!(code_in(axum), Some(ErrorCode::InvalidId));
        assert_eq!(code_in("invalid_id: not a person id"), Some(ErrorCode::InvalidId));
        assert_eq!(code_in("missing field `login` at line 1 column 2"), None);
        assert_eq!(code_in("Failed to deserialize the JSON body into the target type: unknown field `x`"), None);
    }
}
