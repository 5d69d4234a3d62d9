//! Static files embedded in the binary and served under a content-hashed name, so browsers may
//! cache them for a year and still see a new version the moment it ships.

use std::sync::LazyLock;

use axum::{
    extract::Path,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

/// The stylesheet, compiled into the binary.
const APP_CSS: &str = include_str!("../assets/app.css");
/// The tab icon. Linking it from every page also spares the browser a `/favicon.ico` request.
const ICON_SVG: &str = include_str!("../assets/icon.svg");

/// One embedded file and the hashed name it is served under.
struct Asset {
    file_name: String,
    href: String,
    body: &'static str,
    content_type: &'static str,
}

impl Asset {
    fn new(stem: &str, ext: &str, body: &'static str, content_type: &'static str) -> Asset {
        let file_name = format!("{stem}.{}.{ext}", short_hash(body.as_bytes()));
        Asset { href: format!("/assets/{file_name}"), file_name, body, content_type }
    }
}

static ASSETS: LazyLock<[Asset; 2]> = LazyLock::new(|| {
    [Asset::new("app", "css", APP_CSS, "text/css; charset=utf-8"), Asset::new("icon", "svg", ICON_SVG, "image/svg+xml")]
});

/// The URL pages link the stylesheet with, e.g. `/assets/app.0123456789ab.css`.
pub fn css_href() -> &'static str {
    &ASSETS[0].href
}

/// The URL of the tab icon, e.g. `/assets/icon.0123456789ab.svg`.
pub fn icon_href() -> &'static str {
    &ASSETS[1].href
}

/// The first 12 hex digits of the SHA-256 of `bytes`: short enough for a URL, long enough that two
/// versions of a file never share one.
fn short_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// `GET /assets/{file}`: the file if the name carries the current hash, 404 otherwise (an old
/// hash must not be cached forever under new content).
pub(crate) async fn serve(Path(file): Path<String>) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.file_name == file) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
        ],
        asset.body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn href_carries_twelve_hex_digits_of_the_content_hash() {
        let href = css_href();
        let hash = href.trim_start_matches("/assets/app.").trim_end_matches(".css");
        assert_eq!(hash.len(), 12);
        assert!(hash.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(short_hash(b""), "e3b0c44298fc");
        assert!(icon_href().starts_with("/assets/icon.") && icon_href().ends_with(".svg"));
    }
}
