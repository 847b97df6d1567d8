//! Configuration from environment variables, with defaults that run the demo locally.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Config {
    /// `MIMAMORI_ADDR`: where to listen. Default `127.0.0.1:3000`.
    pub addr: SocketAddr,
    /// `MIMAMORI_DATABASE_URL`: default `sqlite://data/mimamori.db`.
    pub database_url: String,
    /// `MIMAMORI_SITE_ROOT`: the built site (wasm, js, css, public files). Default `target/site`.
    pub site_root: PathBuf,
    /// `MIMAMORI_HASH_FILE`: cargo-leptos's hash.txt. Default: `hash.txt` beside the server binary.
    pub hash_file: PathBuf,
    /// `MIMAMORI_DEMO=1`: load the demo municipality into an empty database.
    pub demo: bool,
    /// `MIMAMORI_DEMO_HISTORY=1` (with the demo): also two months of 見守り checks, so the home list
    /// has overdue, due and recently checked people to show. Tests leave it off to count records.
    pub demo_history: bool,
    /// `MIMAMORI_SECURE_COOKIES=1`: mark cookies Secure (set it whenever served over HTTPS).
    pub secure_cookies: bool,
    /// `MIMAMORI_PUBLIC_URL`: the address phones use (put in invite QR codes), e.g.
    /// `https://mimamori.example.jp`. Default: the host the coordinator's browser used.
    pub public_url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let flag = |k: &str| var(k).is_some_and(|v| matches!(v.as_str(), "1" | "true" | "yes"));
        let addr = var("MIMAMORI_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|e| ConfigError(format!("MIMAMORI_ADDR: {e}")))?;
        let hash_file = var("MIMAMORI_HASH_FILE").map(PathBuf::from).unwrap_or_else(|| {
            std::env::current_exe()
                .ok()
                .and_then(|p| p.parent().map(|d| d.join("hash.txt")))
                .unwrap_or_else(|| PathBuf::from("hash.txt"))
        });
        Ok(Self {
            addr,
            database_url: var("MIMAMORI_DATABASE_URL").unwrap_or_else(|| "sqlite://data/mimamori.db".into()),
            site_root: var("MIMAMORI_SITE_ROOT").unwrap_or_else(|| "target/site".into()).into(),
            hash_file,
            demo: flag("MIMAMORI_DEMO"),
            demo_history: flag("MIMAMORI_DEMO_HISTORY"),
            secure_cookies: flag("MIMAMORI_SECURE_COOKIES"),
            public_url: var("MIMAMORI_PUBLIC_URL"),
        })
    }
}
