//! Extractors whose rejections are JSON [`ApiError`]s rather than axum's plain text.

use crate::error::ApiError;
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::request::Parts;

/// `Json<T>` that rejects with an [`ApiError`].
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// `Query<T>` that rejects with an [`ApiError`].
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// `Path<T>` that rejects with an [`ApiError`]: a value that does not parse (a `PersonId` that is
/// not one) is `invalid_id`, a clear 400 distinct from an id that matches nothing.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// The `{id}` of a path, refused with `invalid_id` unless it is a short run of safe characters.
pub struct IdPath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(id) = axum::extract::Path::<String>::from_request_parts(parts, state).await?;
        if mimamori_core::domain::text::is_safe_id(&id) {
            Ok(IdPath(id))
        } else {
            Err(ApiError::invalid_id())
        }
    }
}
