//! The HTML shell: the same for every route, and free of personal data; the first page's sign-in
//! form, which works before the app has loaded.

mod common;
use common::*;

async fn pages_are_one_shell_without_personal_data(app: TestApp) {
    let sato = app.signed_in("sato").await;
    let persons = app.scope_persons(&sato).await;
    let url = format!("/persons/{}", persons[0]["id"].as_str().unwrap());

    // Even a signed-in device gets no personal data in HTML.
    let deep = sato.get(app.url(&url)).send().await.unwrap();
    assert_eq!(deep.status(), 200);
    assert!(deep.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
    let deep = deep.text().await.unwrap();
    let root = sato.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(deep.contains("<html lang=\"ja\""));
    assert!(deep.contains("みまもり"));
    for p in &persons {
        for field in ["name", "kana", "address", "phone"] {
            let v = p[field].as_str().unwrap();
            assert!(!deep.contains(v), "{field} {v} leaked into HTML");
        }
    }
    assert_eq!(without_nonce(&deep), without_nonce(&root), "every route renders the same shell");
}

/// The per-response nonce is the only part allowed to differ.
fn without_nonce(html: &str) -> String {
    let Some(start) = html.find("nonce=\"").map(|i| i + 7) else { return html.to_owned() };
    let end = start + html[start..].find('"').unwrap();
    html.replace(&html[start..end], "NONCE")
}

async fn security_headers_are_set(app: TestApp) {
    let res = app.device().get(app.url("/")).send().await.unwrap();
    let h = res.headers().clone();
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(h.get("x-frame-options").unwrap(), "DENY");
    let csp = h.get("content-security-policy").unwrap().to_str().unwrap().to_owned();
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    // Inline scripts run only with this response's nonce, and the shell carries exactly that one.
    let nonce = csp.split("'nonce-").nth(1).and_then(|r| r.split('\'').next()).expect("a nonce in the CSP").to_owned();
    let html = res.text().await.unwrap();
    assert!(html.contains("<script"));
    assert_eq!(html.matches("<script").count(), html.matches(&format!("nonce=\"{nonce}\"")).count());
    // Responses that are not pages get a policy that allows nothing at all.
    let api = app.device().get(app.url("/api/v1/health")).send().await.unwrap();
    assert!(api.headers().get("content-security-policy").unwrap().to_str().unwrap().starts_with("default-src 'none'"));
    assert!(h.get("strict-transport-security").is_none(), "no HSTS over plain HTTP");
}

/// The build's files go out brotli-compressed at the quality `scripts/size.sh` measures (the
/// copies the server writes beside them at start), not at the compression layer's quicker one.
/// Static files: the database plays no part, so this runs once.
#[tokio::test]
async fn build_files_go_out_at_the_measured_size() {
    let body: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8 ^ (i / 1009) as u8).collect();
    let app = TestApp::spawn_with(Backend::Sqlite, |config, dir| {
        let pkg = dir.join("site/pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        std::fs::write(pkg.join("mimamori.abc.wasm"), &body).unwrap();
        config.site_root = dir.join("site");
        // A release build: hashed names, so the copies are made and sent.
        std::fs::write(dir.join("hash.txt"), "js: abc\nwasm: abc\ncss: abc\n").unwrap();
        config.hash_file = dir.join("hash.txt");
    })
    .await;
    let get = |encoding: &'static str| {
        reqwest::Client::new().get(app.url("/pkg/mimamori.abc.wasm")).header("accept-encoding", encoding).send()
    };
    let mut tries = 0;
    let sent = loop {
        let res = get("gzip, deflate, br").await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers().get("content-encoding").unwrap(), "br");
        let sent = res.bytes().await.unwrap();
        let mut best = Vec::new();
        let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 24, ..Default::default() };
        brotli::BrotliCompress(&mut &body[..], &mut best, &params).unwrap();
        if sent.len() == best.len() {
            break sent;
        }
        // The copy is written in the background at start; until then the layer compresses.
        tries += 1;
        assert!(tries < 300, "no copy at the measured size after 30 s: {} bytes, not {}", sent.len(), best.len());
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let mut decoded = Vec::new();
    brotli::BrotliDecompress(&mut &sent[..], &mut decoded).unwrap();
    assert_eq!(decoded, body);
    // A browser without brotli still gets the file.
    let plain = get("identity").await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.bytes().await.unwrap(), body);
}

/// The service worker keeps the map's tiles from the configured tile server, and may fetch from
/// it (and from nowhere else but this site); its cap comes from the setting. No database part.
#[tokio::test]
async fn the_service_worker_keeps_tiles_from_the_configured_server_only() {
    let app = TestApp::spawn_with(Backend::Sqlite, |config, dir| {
        std::fs::create_dir_all(dir.join("site")).unwrap();
        std::fs::write(dir.join("site/sw.js"), "// the worker").unwrap();
        config.site_root = dir.join("site");
        config.map_tiles =
            mimamori_server::config::MapTiles::parse("https://tiles.example.jp/pale/{z}/{x}/{y}.png", "自前", 18, 80)
                .unwrap();
    })
    .await;
    let res = reqwest::get(app.url("/sw.js")).await.unwrap();
    assert_eq!(res.status(), 200);
    let csp = res.headers().get("content-security-policy").unwrap().to_str().unwrap().to_owned();
    assert_eq!(csp, "default-src 'self'; connect-src 'self' https://tiles.example.jp");
    let body = res.text().await.unwrap();
    assert!(body.contains("const TILE_ORIGIN = \"https://tiles.example.jp\";"), "{body}");
    assert!(body.contains(&format!("const TILE_CACHE_BYTES = {};", 80 * 1024 * 1024)), "{body}");
    assert!(body.ends_with("// the worker"));
}

/// A browser posting the first page's form: its own cookies, no CSRF header (a form cannot send
/// one), and redirects not followed, so the answer can be read.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Small JSON answers go as they are (brotli's set-up costs more server time than it saves on the
/// wire), JSON over 4 KB and pages over 1 KB brotli'd; each decodes to the same answer.
async fn small_json_answers_go_as_they_are_and_large_ones_compressed(app: TestApp) {
    // A 民生委員's pull carries her requests and cases whole: over 1 KB with nothing new.
    let suzuki = app.signed_in("suzuki").await;
    let cursor = app.pull(&suzuki, 0).await["cursor"].as_i64().unwrap();
    let tanaka = app.signed_in("tanaka").await;
    let fetch = |c: &reqwest::Client, path: String| c.get(app.url(&path)).header("accept-encoding", "br").send();
    // A pull with nothing new: as it is.
    let res = fetch(&suzuki, format!("/api/v1/sync/pull?cursor={cursor}")).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("content-encoding").is_none());
    let plain = res.bytes().await.unwrap();
    assert!((1024..4096).contains(&plain.len()), "{} bytes", plain.len());
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&plain).unwrap()["cursor"], cursor);
    // The office's list of persons: compressed, and the same list once decoded.
    let res = fetch(&tanaka, "/api/v1/persons".into()).await.unwrap();
    assert_eq!(res.headers().get("content-encoding").map(|e| e.to_str().unwrap()), Some("br"));
    let mut list = Vec::new();
    brotli::BrotliDecompress(&mut &res.bytes().await.unwrap()[..], &mut list).unwrap();
    assert!(list.len() > 4096, "{} bytes", list.len());
    let persons: serde_json::Value = serde_json::from_slice(&list).unwrap();
    assert!(!persons.as_array().unwrap().is_empty());
    // A page: over 1 KB, compressed.
    let res = fetch(&app.device(), "/login".into()).await.unwrap();
    assert_eq!(res.headers().get("content-encoding").map(|e| e.to_str().unwrap()), Some("br"));
}

async fn post_form(
    app: &TestApp,
    c: &reqwest::Client,
    origin: Option<&str>,
    login: &str,
    password: &str,
) -> reqwest::Response {
    let mut req = c.post(app.url("/login")).form(&[("login", login), ("password", password)]);
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    req.send().await.unwrap()
}

async fn html(c: &reqwest::Client, url: String) -> String {
    let res = c.get(url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

const FORM: &str = "<form method=\"post\" action=\"/login\"";

async fn the_first_page_signs_in_before_the_app_has_loaded(app: TestApp) {
    let c = browser();
    // Without a session, the first page and /login carry a working form; nothing else does, and
    // never the copy the service worker keeps (it answers every navigation of a signed-in phone).
    for path in ["/", "/login"] {
        let page = c.get(app.url(path)).send().await.unwrap();
        assert_eq!(page.headers().get("vary").unwrap(), "Cookie", "{path}");
        let page = page.text().await.unwrap();
        assert!(page.contains(FORM), "{path}: {page}");
        assert!(
            page.contains("<label for=\"login\">ID</label>")
                && page.contains("<label for=\"password\">パスワード</label>")
        );
        assert!(page.contains("autocomplete=\"current-password\""));
    }
    for path in ["/shell", "/persons", "/enroll", "/admin"] {
        assert!(!html(&c, app.url(path)).await.contains("<form"), "{path} has a form");
    }

    let res = post_form(&app, &c, Some(&app.url("")), "sato", mimamori_server::demo::DEMO_PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers().get("location").unwrap(), "/?signed-in");
    let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(cookie.starts_with("mimamori_session=") && cookie.contains("HttpOnly"), "{cookie}");

    // The session is a real one: the app finds its user, and the sign-in is in the security log.
    let me: serde_json::Value = c.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["login"], "sato");
    let s = app.storage().await;
    let logged = "SELECT COUNT(*) FROM security_log WHERE action = 'sign_in' AND subject_id = ?";
    assert_eq!(app.count(&s, logged, &["u-sato"]).await, 1);

    // Signed in, the first page is the boot screen: the app, not a second form.
    let root = html(&c, app.url("/")).await;
    assert!(!root.contains("<form"));
    assert_eq!(without_nonce(&root), without_nonce(&html(&c, app.url("/shell")).await));
}

async fn the_form_refuses_in_japanese_and_keeps_the_id(app: TestApp) {
    let c = browser();
    let own = app.url("");
    let refused = |res: reqwest::Response, status: u16, words: &'static str| async move {
        assert_eq!(res.status(), status);
        assert!(res.headers().get("set-cookie").is_none(), "no session on a refusal");
        assert!(res.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
        let page = res.text().await.unwrap();
        assert!(page.contains(FORM), "the form again");
        assert!(page.contains(words), "{words} missing from {page}");
        page
    };
    let page = refused(
        post_form(&app, &c, Some(&own), "sato", "wrong-password-7").await,
        401,
        "IDまたはパスワードが違います。",
    )
    .await;
    assert!(page.contains("value=\"sato\""), "the ID is kept");
    assert!(!page.contains("wrong-password-7"), "a password is never written back");
    refused(post_form(&app, &c, Some(&own), "sato", "").await, 400, "IDとパスワードを入力してください").await;
    let not_a_form = c.post(app.url("/login")).header("origin", &own).json(&serde_json::json!({"login": "sato"}));
    refused(not_a_form.send().await.unwrap(), 400, "IDとパスワードを入力してください").await;

    // Login CSRF: another site's form, or a post that says nothing of where it comes from, is
    // refused before the password is looked at.
    let demo = mimamori_server::demo::DEMO_PASSWORD;
    refused(
        post_form(&app, &c, Some("http://evil.example"), "sato", demo).await,
        403,
        "この操作はアプリの画面から行ってください。",
    )
    .await;
    refused(post_form(&app, &c, None, "sato", demo).await, 403, "この操作はアプリの画面から行ってください。").await;
    let same = c
        .post(app.url("/login"))
        .header("sec-fetch-site", "same-origin")
        .form(&[("login", "sato"), ("password", demo)]);
    assert_eq!(same.send().await.unwrap().status(), 303, "a browser that sends Sec-Fetch-Site instead of Origin");

    // The lockout counts form guesses like the app's: after five wrong tries even the right password waits.
    for _ in 0..4 {
        refused(
            post_form(&app, &browser(), Some(&own), "tanaka", "nope-nope").await,
            401,
            "IDまたはパスワードが違います。",
        )
        .await;
    }
    let mut status = 0;
    for _ in 0..3 {
        status = post_form(&app, &browser(), Some(&own), "tanaka", "nope-nope").await.status().as_u16();
    }
    assert_eq!(status, 429);
    refused(post_form(&app, &browser(), Some(&own), "tanaka", demo).await, 429, "15分ほど待って").await;
}

async fn a_reset_password_is_changed_first_after_a_form_sign_in(app: TestApp) {
    let s = app.storage().await;
    app.exec(&s, "UPDATE users SET must_change_password = 1 WHERE login = 'sato'", &[]).await;
    let res = post_form(&app, &browser(), Some(&app.url("")), "sato", mimamori_server::demo::DEMO_PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers().get("location").unwrap(), "/password?signed-in");
}

on_both_databases!(
    pages_are_one_shell_without_personal_data,
    security_headers_are_set,
    the_first_page_signs_in_before_the_app_has_loaded,
    the_form_refuses_in_japanese_and_keeps_the_id,
    a_reset_password_is_changed_first_after_a_form_sign_in,
    small_json_answers_go_as_they_are_and_large_ones_compressed,
);
