//! The HTML pages: the shell every URL gets, and the sign-in form that works before the app has
//! loaded.
//!
//! The shell is a boot screen and the scripts that load the app. It holds no personal data and no
//! per-route content, so the service worker can serve it for any URL offline (it caches the
//! form-free copy at [`SHELL_PATH`]); the browser mounts the screens over it. The server compiles
//! none of the screens (they live in the `app` crate, which only the browser bundle builds): this
//! is plain markup.
//!
//! Why a form here: on a first visit over a slow link the app is ~370 KB of wasm, seconds of
//! download before its own sign-in form appears. A browser with no session that opens `/` or
//! `/login` gets a plain HTML form instead of the boot screen; it is usable as soon as this page
//! and the stylesheet have arrived, and posts to [`SIGN_IN_FORM_PATH`] whether or not the wasm has
//! come. When the app does start first, it mounts over the form and keeps what was typed
//! (`app::ui::sign_in`). A browser with a session cookie, and the service worker's copy, never get
//! the form, so a signed-in phone never flashes it.

use crate::auth::{same_site, SESSION_COOKIE};
use crate::error::ApiError;
use crate::routes::session::authenticate;
use crate::startup::AppState;
use axum::body::Body;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use leptos::config::LeptosOptions;
use leptos::prelude::*;
use mimamori_core::api::{SIGNED_IN_BY_FORM, SIGN_IN_FORM_PATH};
use mimamori_core::error::{ErrorCode, Lang};
use serde::Deserialize;

/// The copy of the shell the service worker keeps and answers every navigation with: never a form.
pub const SHELL_PATH: &str = "/shell";

/// The sign-in form as the page shows it: what was typed in the ID field, and why the last try
/// failed. The password is never written back into the page.
#[derive(Debug, Clone, Default)]
pub struct SignInForm {
    pub login: String,
    pub error: Option<ErrorCode>,
}

pub fn shell(options: LeptosOptions, css_href: String, form: Option<SignInForm>) -> impl IntoView {
    let body = match form {
        None => view! {
            // The same words the app's own boot screen shows until the device store is read.
            <div class="boot" aria-busy="true">
                <p class="boot-name">"みまもり"</p>
                <p>"読み込み中…"</p>
                <noscript>"このアプリを使うには JavaScript を有効にしてください。"</noscript>
            </div>
        }
        .into_any(),
        Some(form) => sign_in_page(form).into_any(),
    };
    view! {
        <!DOCTYPE html>
        <html lang="ja">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover"/>
                <meta name="theme-color" content="#1f5f4a"/>
                <meta name="description" content="見守り・御用聞きの記録アプリ"/>
                <title>"みまもり"</title>
                <link rel="manifest" href="/manifest.webmanifest"/>
                <link rel="icon" type="image/png" sizes="192x192" href="/icons/icon-192.png"/>
                <link rel="apple-touch-icon" href="/icons/icon-192.png"/>
                <link rel="stylesheet" href=css_href/>
                <HydrationScripts options/>
            </head>
            <body>{body}</body>
        </html>
    }
}

/// The app's sign-in screen, in plain markup: the same header, labels, ids and classes as
/// `app::ui::sign_in::SignInPage` (the end-to-end tests find both by the same labels), so the app
/// mounting over it changes nothing the user sees.
fn sign_in_page(form: SignInForm) -> impl IntoView {
    let error = form.error.map(|code| {
        view! { <p class="field-error" role="alert" data-testid="sign-in-error">{code.text(Lang::Ja)}</p> }
    });
    // `first-page`: the app finds, reads and removes it by this id when it takes over.
    view! {
        <div id="first-page">
        <header class="app-header">
            <a class="brand" href="/">"みまもり"</a>
        </header>
        <main id="main">
            <section class="page sign-in">
                <h1>"サインイン"</h1>
                <form method="post" action=SIGN_IN_FORM_PATH data-testid="sign-in-form-html">
                    <label for="login">"ID"</label>
                    <input id="login" name="login" type="text" autocomplete="username" autocapitalize="none"
                        inputmode="email" required value=form.login/>
                    <label for="password">"パスワード"</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required/>
                    {error}
                    <button class="button primary" type="submit">"サインイン"</button>
                </form>
                <noscript>
                    <p class="notice">"サインインの後は JavaScript が必要です。ブラウザの設定で有効にしてください。"</p>
                </noscript>
            </section>
        </main>
        </div>
    }
}

/// Every page is the shell. `/` and `/login` carry the sign-in form for a browser that has no
/// session yet; everything else (and the service worker's copy) is the boot screen alone.
pub async fn page(State(state): State<AppState>, jar: CookieJar, req: Request<Body>) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return ApiError::NotFound.into_response();
    }
    let path = req.uri().path();
    let signed_out = jar.get(SESSION_COOKIE).is_none();
    let form = (signed_out && (path == "/" || path == SIGN_IN_FORM_PATH)).then(SignInForm::default);
    render(&state, req.uri().clone(), form, StatusCode::OK).await
}

/// What the form posts.
#[derive(Debug, Deserialize)]
pub struct SignInFields {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
}

/// `POST /login` from the HTML form: the same sign-in as `POST /api/v1/session` (lockout,
/// security log, a new device), then on to the app with the session cookie set. A refusal is the
/// form again, with the reason in Japanese and the ID kept, and the status an API client would
/// get. A cross-site post (login CSRF) is refused before anything is checked.
pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    fields: Result<Form<SignInFields>, FormRejection>,
) -> Response {
    let uri = Uri::from_static(SIGN_IN_FORM_PATH);
    if !same_origin(&state, &headers) {
        let form = SignInForm { login: String::new(), error: Some(ErrorCode::CrossSite) };
        return render(&state, uri, Some(form), StatusCode::FORBIDDEN).await;
    }
    let Ok(Form(fields)) = fields else {
        let form = SignInForm { login: String::new(), error: Some(ErrorCode::MissingCredentials) };
        return render(&state, uri, Some(form), StatusCode::BAD_REQUEST).await;
    };
    match authenticate(&state, &headers, &fields.login, fields.password).await {
        Ok((cookie, res)) => {
            // A password an admin reset is changed before anything else, as after the app's own form.
            let to = if res.must_change_password { "/password" } else { "/" };
            (jar.add(cookie), Redirect::to(&format!("{to}?{SIGNED_IN_BY_FORM}"))).into_response()
        }
        Err(e) => {
            if let ApiError::Internal(inner) = &e {
                tracing::error!(error = %inner, "internal error in the sign-in form");
            }
            let form = SignInForm { login: fields.login.chars().take(64).collect(), error: Some(e.code()) };
            render(&state, uri, Some(form), e.status()).await
        }
    }
}

/// A form post must say where it comes from: browsers send `Origin` with every POST; one that
/// sends none must at least say, in `Sec-Fetch-Site`, that the page was this site's.
fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match headers.get(header::ORIGIN) {
        Some(origin) => origin.to_str().is_ok_and(|o| same_site(o, host, &state.config)),
        None => headers.get("sec-fetch-site").is_some_and(|v| v == "same-origin"),
    }
}

/// Renders the shell with its nonce-bearing content security policy.
async fn render(state: &AppState, uri: Uri, form: Option<SignInForm>, status: StatusCode) -> Response {
    let options = state.leptos.clone();
    let css = state.assets.css_href.clone();
    let handler = leptos_axum::render_app_to_stream(move || shell(options.clone(), css.clone(), form.clone()));
    let mut req = Request::new(Body::empty());
    *req.uri_mut() = uri;
    let (mut parts, body) = handler(req).await.into_response().into_parts();
    // The shell is a few KB: read it whole to learn the nonce leptos put on its inline scripts.
    let html = match axum::body::to_bytes(body, 1024 * 1024).await {
        Ok(b) => b,
        Err(e) => return ApiError::Internal(Box::new(e)).into_response(),
    };
    let nonce = script_nonce(&html);
    if nonce.is_none() {
        tracing::error!("shell has no script nonce; its inline scripts will be blocked");
    }
    let csp = content_security_policy(nonce.as_deref(), state.config.map_tiles.origin());
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        parts.headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    parts.status = status;
    parts.headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // `/` is the form without a session cookie and the boot screen with one.
    parts.headers.insert(header::VARY, HeaderValue::from_static("Cookie"));
    Response::from_parts(parts, Body::from(html))
}

/// The nonce on the shell's inline scripts.
fn script_nonce(html: &[u8]) -> Option<String> {
    let html = std::str::from_utf8(html).ok()?;
    let start = html.find("nonce=\"")? + 7;
    let len = html[start..].find('"')?;
    let nonce = &html[start..start + len];
    nonce.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_').then(|| nonce.to_owned())
}

/// No inline script runs without this response's nonce; wasm may compile; nothing is framed;
/// forms post only to this site; images come from this site and the map's tile server, nowhere
/// else, and the page fetches from those two only (the tile server: 「この地域の地図を保存」). The service worker caches the shell with this header, so offline the nonce still matches.
fn content_security_policy(nonce: Option<&str>, tiles: &str) -> String {
    let scripts = match nonce {
        Some(n) => format!("'self' 'wasm-unsafe-eval' 'nonce-{n}'"),
        None => "'self' 'wasm-unsafe-eval'".to_owned(),
    };
    format!(
        "default-src 'self'; script-src {scripts}; style-src 'self'; img-src 'self' data: {tiles}; \
         connect-src 'self' {tiles}; manifest-src 'self'; worker-src 'self'; object-src 'none'; \
         base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nonce_is_read_from_the_shell_and_only_a_safe_one() {
        assert_eq!(script_nonce(b"<script nonce=\"aB9_-x\">").as_deref(), Some("aB9_-x"));
        assert_eq!(script_nonce(b"<script nonce=\"a' unsafe-inline\">"), None);
        assert_eq!(script_nonce(b"<script>"), None);
    }

    #[test]
    fn the_policy_never_allows_inline_script_without_the_nonce() {
        let csp = content_security_policy(Some("abc"), "https://tiles.example.jp");
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval' 'nonce-abc';"));
        assert!(!csp.contains("unsafe-inline"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(csp.contains("form-action 'self'"));
        assert!(csp.contains("img-src 'self' data: https://tiles.example.jp;"), "the tile server and nothing else");
        assert!(csp.contains("connect-src 'self' https://tiles.example.jp;"), "saving an area's tiles");
    }
}
