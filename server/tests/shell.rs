//! The HTML shell: the same for every route, and free of personal data.

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

on_both_databases!(pages_are_one_shell_without_personal_data, security_headers_are_set,);
