//! HTTP routes of `/api/v1`. Every handler that touches personal data takes [`Authenticated`].
//!
//! [`Authenticated`]: crate::auth::Authenticated

mod session;
mod sync;

use crate::error::ApiError;
use crate::startup::AppState;
use axum::routing::{get, post};
use axum::Router;

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/session", post(session::sign_in).delete(session::sign_out))
        .route("/me", get(session::me))
        .route("/sync/push", post(sync::push))
        .route("/sync/pull", get(sync::pull))
        .route("/health", get(|| async { "ok" }))
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
}
