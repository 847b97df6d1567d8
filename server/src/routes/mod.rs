//! HTTP routes of `/api/v1`, from one table. Every handler that touches personal data takes
//! [`Authenticated`]; the authorization-matrix test walks [`endpoints`], so a route cannot be
//! added without its row of expectations.
//!
//! [`Authenticated`]: crate::auth::Authenticated

mod activity;
mod cases;
mod conflicts;
mod devices;
mod disaster;
pub mod manage;
mod map;
mod meetings;
mod persons;
mod reports;
mod requests;
pub(crate) mod session;
mod sync;

use crate::error::ApiError;
use crate::startup::AppState;
use axum::http::Method;
use axum::routing::{delete, get, post, put, MethodRouter};
use axum::Router;

/// Every API route: method, path (axum syntax) and handler.
fn table() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    vec![
        (Method::GET, "/health", get(|| async { "ok" })),
        (Method::POST, "/session", post(session::sign_in)),
        (Method::DELETE, "/session", delete(session::sign_out)),
        (Method::POST, "/enroll", post(session::enroll)),
        (Method::GET, "/me", get(session::me)),
        (Method::PUT, "/me/password", put(session::change_password)),
        (Method::POST, "/me/recovery-key", post(session::recovery_key)),
        (Method::POST, "/me/records-aside", post(session::records_aside)),
        (Method::POST, "/sync/push", post(sync::push)),
        (Method::GET, "/sync/pull", get(sync::pull)),
        (Method::POST, "/sync/persons", post(sync::fetch_persons)),
        (Method::GET, "/persons", get(persons::list)),
        (Method::POST, "/persons", post(persons::create)),
        (Method::GET, "/persons/{id}", get(persons::detail)),
        (Method::PUT, "/persons/{id}", put(persons::update)),
        (Method::POST, "/persons/{id}/consents", post(persons::record_consent)),
        (Method::POST, "/persons/{id}/consents/withdraw", post(persons::withdraw_consent)),
        (Method::GET, "/persons/{id}/audit", get(persons::audit_log)),
        (Method::GET, "/map", get(map::view)),
        (Method::GET, "/map/persons/{id}", get(map::panel)),
        (Method::GET, "/map/tiles", get(map::tiles)),
        (Method::GET, "/areas", get(manage::areas)),
        (Method::POST, "/areas", post(manage::create_small_area)),
        (Method::GET, "/organizations", get(manage::organizations)),
        (Method::POST, "/organizations", post(manage::create_organization)),
        (Method::GET, "/users", get(manage::users)),
        (Method::POST, "/users", post(manage::create_user)),
        (Method::PUT, "/users/{id}/assignments", put(manage::set_assignments)),
        (Method::PUT, "/users/{id}/areas", put(manage::set_areas)),
        (Method::POST, "/users/{id}/invites", post(manage::create_invite)),
        (Method::POST, "/users/{id}/disable", post(manage::disable_user)),
        (Method::POST, "/users/{id}/enable", post(manage::enable_user)),
        (Method::POST, "/users/{id}/password", post(manage::reset_password)),
        (Method::GET, "/security-events", get(manage::security_events)),
        (Method::GET, "/devices", get(devices::list)),
        (Method::DELETE, "/devices/{id}", delete(devices::revoke)),
        (Method::POST, "/devices/{id}/recover", post(session::recover)),
        (Method::GET, "/requests", get(requests::list)),
        (Method::PUT, "/requests/{id}", put(requests::route)),
        (Method::GET, "/activity-reports", get(activity::list)),
        (Method::GET, "/activity-reports/export", get(activity::export)),
        (Method::GET, "/conflicts", get(conflicts::list)),
        (Method::POST, "/conflicts/{id}/resolve", post(conflicts::resolve)),
        (Method::GET, "/cases", get(cases::list)),
        (Method::GET, "/cases/export", get(cases::export)),
        (Method::GET, "/meetings", get(meetings::list)),
        (Method::POST, "/meetings", post(meetings::create)),
        (Method::GET, "/meetings/{id}", get(meetings::agenda)),
        (Method::PUT, "/meetings/{id}", put(meetings::change)),
        (Method::POST, "/meetings/{id}/printed", post(meetings::printed)),
        (Method::POST, "/meetings/{id}/decisions", post(meetings::decide)),
        (Method::GET, "/reports", get(reports::view)),
        (Method::GET, "/reports/export", get(reports::export)),
        (Method::GET, "/cases/{id}", get(cases::detail)),
        (Method::PUT, "/cases/{id}", put(cases::update)),
        (Method::POST, "/cases/{id}/acknowledge", post(cases::acknowledge)),
        (Method::GET, "/events", get(disaster::list)),
        (Method::POST, "/events", post(disaster::start)),
        (Method::GET, "/events/{id}", get(disaster::board)),
        (Method::GET, "/events/{id}/export", get(disaster::export)),
        (Method::POST, "/events/{id}/areas", post(disaster::add_areas)),
        (Method::POST, "/events/{id}/checkers", post(disaster::hand_over)),
        (Method::POST, "/events/{id}/close", post(disaster::close)),
    ]
}

/// The (method, path) of every API route, for tests and documentation.
pub fn endpoints() -> Vec<(Method, &'static str)> {
    table().into_iter().map(|(m, p, _)| (m, p)).collect()
}

pub fn api(state: &AppState) -> Router<AppState> {
    table()
        .into_iter()
        .fold(Router::new(), |router, (_, path, handler)| router.route(path, handler))
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::auth::csrf_guard))
}
