//! The built front end: hashed file names from cargo-leptos, and the service worker made from
//! `public/sw.js` with this build's version and precache list written in.

use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

pub const OUTPUT_NAME: &str = "mimamori";

/// What the phone map needs besides the wasm (each precached when it is in the site).
const MAP_FILES: &[&str] = &[
    "/vendor/leaflet-1.9.4/leaflet.js",
    "/vendor/leaflet-1.9.4/leaflet.css",
    "/vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js",
    "/vendor/leaflet.markercluster-1.5.3/MarkerCluster.css",
    "/map.css",
    "/map.js",
];

#[derive(Debug, Clone)]
pub struct Assets {
    /// Whether cargo-leptos hashed the file names (release builds).
    pub hashed: bool,
    pub css_href: String,
    /// Everything the app needs to start with no network.
    pub precache: Vec<String>,
    /// Changes whenever any precached file or the service worker changes.
    pub version: String,
    /// The service worker script, ready to serve; `None` if the site has not been built.
    pub service_worker: Option<String>,
}

impl Assets {
    pub fn load(site_root: &Path, hash_file: &Path) -> Self {
        let hashes = std::fs::read_to_string(hash_file).ok();
        let lookup = |kind: &str| {
            hashes.as_deref().and_then(|h| {
                h.lines()
                    .filter_map(|l| l.split_once(':'))
                    .find(|(k, _)| k.trim() == kind)
                    .map(|(_, v)| v.trim().to_owned())
            })
        };
        let (js, wasm, css) = match (lookup("js"), lookup("wasm"), lookup("css")) {
            (Some(j), Some(w), Some(c)) => (
                format!("/pkg/{OUTPUT_NAME}.{j}.js"),
                format!("/pkg/{OUTPUT_NAME}.{w}.wasm"),
                format!("/pkg/{OUTPUT_NAME}.{c}.css"),
            ),
            _ => (
                format!("/pkg/{OUTPUT_NAME}.js"),
                format!("/pkg/{OUTPUT_NAME}_bg.wasm"),
                format!("/pkg/{OUTPUT_NAME}.css"),
            ),
        };
        let hashed = hashes.is_some() && lookup("js").is_some();
        let mut precache = vec![
            crate::shell::SHELL_PATH.to_owned(),
            js,
            wasm,
            css.clone(),
            "/manifest.webmanifest".to_owned(),
            "/icons/icon-192.png".to_owned(),
            "/icons/icon-512.png".to_owned(),
            "/icons/maskable-512.png".to_owned(),
        ];
        // `cargo leptos build --split`: the main module imports this small loader, so every device
        // needs it offline. The split-off chunk itself (the management screens, online-only) is
        // fetched on first use instead of weighing down every phone's cache.
        if let Some(split) = lookup("split") {
            precache.push(format!("/pkg/__wasm_split.{split}.js"));
        }
        // The field screens' own chunk must open offline: precache every chunk but the
        // management screens' (`app::ui::field_screens` in the app crate).
        if let Some(manifest) = lookup("manifest") {
            let path = site_root.join(format!("pkg/__wasm_split_manifest.{manifest}.json"));
            precache.extend(field_chunks(std::fs::read_to_string(path).ok().as_deref()));
        }
        // The phone map opens offline: its library (vendored, named by version), its styles and
        // cluster icon (`/map.css`, `/map.js`, not hashed: their content goes into the version).
        let mut digest = Sha256::new();
        for file in MAP_FILES {
            if let Ok(bytes) = std::fs::read(site_root.join(file.trim_start_matches('/'))) {
                digest.update(&bytes);
                precache.push((*file).to_owned());
            }
        }
        let template = std::fs::read_to_string(site_root.join("sw.js")).ok();
        digest.update(hashes.as_deref().unwrap_or("unhashed"));
        digest.update(template.as_deref().unwrap_or(""));
        for p in &precache {
            digest.update(p);
        }
        let version: String = digest.finalize().iter().take(6).map(|b| format!("{b:02x}")).collect();
        let service_worker = template.map(|t| {
            let list = serde_json::to_string(&precache).unwrap_or_else(|_| "[]".into());
            format!(
                "const VERSION = \"{version}\";\nconst SHELL = \"{}\";\nconst PRECACHE = {list};\n{t}",
                crate::shell::SHELL_PATH
            )
        });
        Self { hashed, css_href: css, precache, version, service_worker }
    }
}

/// The chunk files of every split point except the management screens', from wasm-split's
/// manifest (`{"split point": ["chunk file stem", …]}`), each once: split points share chunks, and
/// `cache.addAll` refuses a list with a URL twice (the service worker would never install).
fn field_chunks(manifest: Option<&str>) -> Vec<String> {
    let Some(map) =
        manifest.and_then(|m| serde_json::from_str::<std::collections::BTreeMap<String, Vec<String>>>(m).ok())
    else {
        return Vec::new();
    };
    let files: std::collections::BTreeSet<String> =
        map.into_iter().filter(|(point, _)| !point.starts_with("admin_screen")).flat_map(|(_, files)| files).collect();
    files.into_iter().map(|f| format!("/pkg/{f}.wasm")).collect()
}

/// Writes a brotli copy at the highest quality (`name.br`, as `scripts/size.sh` measures) beside
/// each wasm, js, css and json file of the build that lacks an up-to-date one; the server sends
/// it to browsers that accept brotli. Why: the compression layer compresses on the fly at a
/// quality chosen for speed per request, which sent the main wasm as 449 KB instead of 361 KB —
/// a quarter more for every phone over a slow link. The names are content hashes, so this is
/// done once per build; the copy is written to a temporary name and renamed, so several server
/// processes sharing the files never see half a copy. Returns how many copies were written.
pub fn precompress(pkg: &Path) -> std::io::Result<usize> {
    let mut written = 0;
    for entry in std::fs::read_dir(pkg)? {
        let path = entry?.path();
        let compressible =
            path.extension().and_then(|e| e.to_str()).is_some_and(|e| matches!(e, "wasm" | "js" | "css" | "json"));
        if !compressible || !path.is_file() {
            continue;
        }
        let mut br = path.clone().into_os_string();
        br.push(".br");
        let br = std::path::PathBuf::from(br);
        let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        if matches!((modified(&br), modified(&path)), (Some(b), Some(s)) if b >= s) {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        let mut out = Vec::with_capacity(bytes.len() / 3);
        {
            let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 24, ..Default::default() };
            let mut w = brotli::CompressorWriter::with_params(&mut out, 64 * 1024, &params);
            w.write_all(&bytes)?;
        }
        let tmp = br.with_extension(format!("br.{}.tmp", std::process::id()));
        std::fs::write(&tmp, &out)?;
        std::fs::rename(&tmp, &br)?;
        written += 1;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::precompress;

    #[test]
    fn precompressed_copies_decode_to_the_file_and_are_made_once_per_build() {
        let dir = tempfile::tempdir().unwrap();
        let wasm = dir.path().join("mimamori.abc.wasm");
        let body: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8 ^ (i / 997) as u8).collect();
        std::fs::write(&wasm, &body).unwrap();
        std::fs::write(dir.path().join("mimamori.d.abc.ts"), "declare").unwrap();
        assert_eq!(precompress(dir.path()).unwrap(), 1, "the wasm, not the type declarations");
        let br = std::fs::read(dir.path().join("mimamori.abc.wasm.br")).unwrap();
        assert!(br.len() < body.len() / 4, "{} of {}", br.len(), body.len());
        let mut decoded = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut decoded).unwrap();
        assert_eq!(decoded, body);
        assert_eq!(precompress(dir.path()).unwrap(), 0, "an up-to-date copy is kept");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 3, "no temporary file left: {names:?}");
    }

    #[test]
    fn the_phone_map_opens_offline_and_a_change_to_its_styles_makes_a_new_version() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path();
        std::fs::write(site.join("sw.js"), "// worker").unwrap();
        let load = || super::Assets::load(site, &site.join("hash.txt"));
        let before = load();
        assert!(!before.precache.iter().any(|p| p.starts_with("/vendor")), "nothing listed that is not there");
        std::fs::create_dir_all(site.join("vendor/leaflet-1.9.4")).unwrap();
        std::fs::write(site.join("vendor/leaflet-1.9.4/leaflet.js"), "L").unwrap();
        std::fs::write(site.join("map.css"), ".map-pin{}").unwrap();
        let with_map = load();
        assert!(with_map.precache.contains(&"/vendor/leaflet-1.9.4/leaflet.js".to_owned()));
        assert!(with_map.precache.contains(&"/map.css".to_owned()));
        assert!(with_map.service_worker.unwrap().contains("\"/map.css\""));
        std::fs::write(site.join("map.css"), ".map-pin{color:red}").unwrap();
        assert_ne!(load().version, with_map.version, "phones must fetch the new styles");
    }

    #[test]
    fn field_chunks_are_precached_and_the_management_chunk_is_not() {
        let manifest =
            r#"{"admin_screen_1": ["split_admin_screen_1.AAA"], "field_screen_2": ["split_field_screen_2.BBB"]}"#;
        assert_eq!(super::field_chunks(Some(manifest)), vec!["/pkg/split_field_screen_2.BBB.wasm".to_owned()]);
        assert!(super::field_chunks(None).is_empty());
        // Chunks shared by several split points are listed once (a duplicate fails the install).
        let shared = r#"{"field_screen_2": ["chunk_5.C", "split_field_screen_2.B"],
            "person_screen_3": ["chunk_5.C", "split_person_screen_3.D"], "admin_screen_1": ["chunk_5.C"]}"#;
        assert_eq!(
            super::field_chunks(Some(shared)),
            ["/pkg/chunk_5.C.wasm", "/pkg/split_field_screen_2.B.wasm", "/pkg/split_person_screen_3.D.wasm"]
        );
        assert!(super::field_chunks(Some("not json")).is_empty());
    }
}
