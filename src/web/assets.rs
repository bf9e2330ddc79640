//! The page's stylesheet and script, embedded in the binary (no CDN, no outside request) and
//! served under a path carrying their content hash, so they can be cached for a year and a
//! new build is fetched at once.

use std::sync::LazyLock;

/// The stylesheet.
pub static CSS: &str = include_str!("assets/yinxin.css");
/// The script (camera scanning, print button; the page works without it).
pub static JS: &str = include_str!("assets/yinxin.js");

fn short_hash(s: &str) -> String {
    hex::encode(&crate::crypto::sha256(s.as_bytes())[..6])
}

static PATHS: LazyLock<(String, String)> = LazyLock::new(|| {
    (
        format!("/assets/yinxin-{}.css", short_hash(CSS)),
        format!("/assets/yinxin-{}.js", short_hash(JS)),
    )
});

/// The stylesheet's path.
pub fn css_path() -> &'static str {
    &PATHS.0
}

/// The script's path.
pub fn js_path() -> &'static str {
    &PATHS.1
}

/// The asset a file name under `/assets/` names, with its media type.
pub fn asset(file: &str) -> Option<(&'static str, &'static str)> {
    if format!("/assets/{file}") == css_path() {
        Some(("text/css; charset=utf-8", CSS))
    } else if format!("/assets/{file}") == js_path() {
        Some(("text/javascript; charset=utf-8", JS))
    } else {
        None
    }
}
