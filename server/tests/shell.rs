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

on_both_databases!(pages_are_one_shell_without_personal_data, security_headers_are_set,);
