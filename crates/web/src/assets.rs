//! Static files embedded in the binary and served under a content-hashed name, so browsers may
//! cache them for a year and still see a new version the moment it ships.
//!
//! Two kinds: our own files (`assets/`, served as `/assets/{stem}.{hash}.{ext}`) and front-end
//! libraries from npm that `build.rs` embeds from `frontend/package-lock.json` (served as
//! `/assets/vendor/{package}@{version}/{path}`, where the exact version plays the hash's part).

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
/// Our glue that typesets TeX with KaTeX once it has loaded.
const MATH_JS: &str = include_str!("../assets/math.js");
/// The resumable-upload script of the resource form.
const UPLOAD_JS: &str = include_str!("../assets/upload.js");
const CHARTS_JS: &str = include_str!("../assets/charts.js");
const HOMEWORK_JS: &str = include_str!("../assets/homework.js");
const MARKING_JS: &str = include_str!("../assets/marking.js");
/// Paper homework: uploading scans and following a batch's reading.
const SCANS_JS: &str = include_str!("../assets/scans.js");
/// School timetables: solve progress, moving and pinning lessons, FET import.
const TIMETABLE_JS: &str = include_str!("../assets/timetable.js");

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

static ASSETS: LazyLock<[Asset; 9]> = LazyLock::new(|| {
    [
        Asset::new("app", "css", APP_CSS, "text/css; charset=utf-8"),
        Asset::new("icon", "svg", ICON_SVG, "image/svg+xml"),
        Asset::new("math", "js", MATH_JS, "text/javascript; charset=utf-8"),
        Asset::new("upload", "js", UPLOAD_JS, "text/javascript; charset=utf-8"),
        Asset::new("charts", "js", CHARTS_JS, "text/javascript; charset=utf-8"),
        Asset::new("homework", "js", HOMEWORK_JS, "text/javascript; charset=utf-8"),
        Asset::new("marking", "js", MARKING_JS, "text/javascript; charset=utf-8"),
        Asset::new("scans", "js", SCANS_JS, "text/javascript; charset=utf-8"),
        Asset::new("timetable", "js", TIMETABLE_JS, "text/javascript; charset=utf-8"),
    ]
});

/// The URL pages link the stylesheet with, e.g. `/assets/app.0123456789ab.css`.
pub fn css_href() -> &'static str {
    &ASSETS[0].href
}

/// The URL of the tab icon, e.g. `/assets/icon.0123456789ab.svg`.
pub fn icon_href() -> &'static str {
    &ASSETS[1].href
}

/// The URL of the script that typesets TeX in elements with class `math`, e.g.
/// `/assets/math.0123456789ab.js`. Include it after KaTeX (see [`katex_available`]); without KaTeX
/// it does nothing.
pub fn math_js_href() -> &'static str {
    &ASSETS[2].href
}

/// The URL of the upload script, e.g. `/assets/upload.0123456789ab.js`.
pub fn upload_js_href() -> &'static str {
    &ASSETS[3].href
}

/// The URL of the script that draws ECharts charts from `data-chart` attributes (after ECharts).
pub fn charts_js_href() -> &'static str {
    &ASSETS[4].href
}

/// The URL of the answering page's script (autosave, resume, offline queue, timing, submit).
pub fn homework_js_href() -> &'static str {
    &ASSETS[5].href
}

/// The URL of the marking page's keyboard script.
pub fn marking_js_href() -> &'static str {
    &ASSETS[6].href
}

/// The URL of the paper-homework scans script (upload, batch progress).
pub fn scans_js_href() -> &'static str {
    &ASSETS[7].href
}

/// The URL of the timetable page's script.
pub fn timetable_js_href() -> &'static str {
    &ASSETS[8].href
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

/// One file of a front-end library, embedded by `build.rs`.
struct VendorFile {
    package: &'static str,
    version: &'static str,
    /// The path inside the npm package, e.g. `dist/katex.min.css`: the same layout as the
    /// package, so relative references (KaTeX's CSS to `fonts/…`) resolve.
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

impl VendorFile {
    /// The part of the URL after `/assets/vendor/`, e.g. `katex@0.16.47/dist/katex.min.css`.
    fn matches(&self, url_path: &str) -> bool {
        url_path
            .strip_prefix(self.package)
            .and_then(|rest| rest.strip_prefix('@'))
            .and_then(|rest| rest.strip_prefix(self.version))
            .and_then(|rest| rest.strip_prefix('/'))
            .is_some_and(|rest| rest == self.path)
    }
}

/// Every embedded library file; empty when the build could not run npm.
static VENDOR_FILES: &[VendorFile] = include!(concat!(env!("OUT_DIR"), "/vendor.rs"));

/// The URL of a file of an embedded npm package, e.g.
/// `vendor_href("katex", "dist/katex.min.css")` →
/// `Some("/assets/vendor/katex@0.16.47/dist/katex.min.css")`; `None` when the build embedded no
/// such file (then leave the `<link>`/`<script>` out: the page must work without it).
pub fn vendor_href(package: &str, path: &str) -> Option<String> {
    VENDOR_FILES
        .iter()
        .find(|f| f.package == package && f.path == path)
        .map(|f| format!("/assets/vendor/{}@{}/{}", f.package, f.version, f.path))
}

/// Whether KaTeX is embedded: its script, stylesheet (with fonts) and the auto-render extension
/// that [`math_js_href`] drives.
pub fn katex_available() -> bool {
    ["dist/katex.min.js", "dist/katex.min.css", "dist/contrib/auto-render.min.js"]
        .iter()
        .all(|path| vendor_href("katex", path).is_some())
}

/// Whether ECharts (`dist/echarts.min.js`) is embedded.
pub fn echarts_available() -> bool {
    vendor_href("echarts", "dist/echarts.min.js").is_some()
}

/// `GET /assets/vendor/{*path}`: an embedded library file. The exact version is part of the URL,
/// so the answer never changes and may be cached for a year; any other version is a 404.
pub(crate) async fn serve_vendor(Path(path): Path<String>) -> Response {
    let Some(file) = VENDOR_FILES.iter().find(|f| f.matches(&path)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(file.content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
        ],
        file.body,
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
        assert!(math_js_href().starts_with("/assets/math.") && math_js_href().ends_with(".js"));
    }

    #[tokio::test]
    async fn math_script_is_served_as_javascript() {
        let file = math_js_href().trim_start_matches("/assets/").to_owned();
        let response = serve(Path(file)).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "text/javascript; charset=utf-8");
    }

    /// Whether the build embedded the libraries. On a developer's machine without npm it may not
    /// have (the build warns), and the checks below skip; CI (`CI` set) has npm, so there a build
    /// that embedded nothing fails here rather than shipping pages without math.
    fn embedded() -> bool {
        if !VENDOR_FILES.is_empty() {
            return true;
        }
        assert!(std::env::var_os("CI").is_none(), "CI build embedded no front-end libraries: see the build warning");
        eprintln!("skipped: this build embedded no front-end libraries (npm was not available)");
        false
    }

    /// The part of a vendor href after `/assets/vendor/`, as the route hands it to the handler.
    fn url_path(href: &str) -> String {
        href.strip_prefix("/assets/vendor/").map(str::to_owned).unwrap_or_else(|| panic!("not a vendor href: {href}"))
    }

    async fn body(response: Response) -> Vec<u8> {
        axum::body::to_bytes(response.into_body(), usize::MAX).await.map(|b| b.to_vec()).unwrap_or_default()
    }

    #[test]
    fn katex_and_echarts_have_versioned_hrefs() {
        if !embedded() {
            assert!(!katex_available() && vendor_href("katex", "dist/katex.min.js").is_none());
            return;
        }
        assert!(katex_available() && echarts_available());
        let css = vendor_href("katex", "dist/katex.min.css").unwrap_or_default();
        let version = css.trim_start_matches("/assets/vendor/katex@").trim_end_matches("/dist/katex.min.css");
        assert!(version.starts_with("0.16."), "{css}");
        let echarts = vendor_href("echarts", "dist/echarts.min.js").unwrap_or_default();
        assert!(
            echarts.starts_with("/assets/vendor/echarts@") && echarts.ends_with("/dist/echarts.min.js"),
            "{echarts}"
        );
        assert!(vendor_href("katex", "dist/contrib/auto-render.min.js").is_some());
        // Only what we picked: no ttf/woff fonts, no unminified sources.
        assert_eq!(vendor_href("katex", "dist/fonts/KaTeX_Main-Regular.ttf"), None);
        assert_eq!(vendor_href("katex", "dist/katex.js"), None);
        assert_eq!(vendor_href("nothing", "dist/katex.min.js"), None);
    }

    #[test]
    fn every_font_katex_css_asks_for_is_embedded() {
        if !embedded() {
            return;
        }
        let css_file = VENDOR_FILES.iter().find(|f| f.package == "katex" && f.path == "dist/katex.min.css");
        let css = std::str::from_utf8(css_file.map_or(&[][..], |f| f.body)).unwrap_or_default();
        let font_faces = css.matches("@font-face").count();
        let mut woff2 = Vec::new();
        for reference in css.split("url(").skip(1) {
            let target = reference.split(')').next().unwrap_or_default().trim_matches(|c| c == '"' || c == '\'');
            if target.ends_with(".woff2") {
                woff2.push(format!("dist/{target}"));
            } else {
                // Browsers take the first source they can read; every one of ours reads woff2.
                assert!(target.ends_with(".woff") || target.ends_with(".ttf"), "unexpected url({target})");
            }
        }
        assert!(font_faces >= 20, "only {font_faces} @font-face rules in katex.min.css");
        assert_eq!(woff2.len(), font_faces, "every @font-face must offer a woff2 source");
        for path in &woff2 {
            let href = vendor_href("katex", path).unwrap_or_else(|| panic!("{path} is not embedded"));
            // Relative to the stylesheet, as the browser resolves it.
            let css_href = vendor_href("katex", "dist/katex.min.css").unwrap_or_default();
            let base = css_href.rsplit_once('/').map_or("", |(dir, _)| dir);
            assert_eq!(href, format!("{base}/{}", path.trim_start_matches("dist/")));
        }
    }

    #[tokio::test]
    async fn vendor_files_are_served_with_their_type_and_cached_forever() {
        if !embedded() {
            assert_eq!(
                serve_vendor(Path("katex@0.16.47/dist/katex.min.js".into())).await.status(),
                StatusCode::NOT_FOUND
            );
            return;
        }
        for (package, path, content_type) in [
            ("katex", "dist/katex.min.js", "text/javascript; charset=utf-8"),
            ("katex", "dist/katex.min.css", "text/css; charset=utf-8"),
            ("katex", "dist/fonts/KaTeX_Main-Regular.woff2", "font/woff2"),
            ("echarts", "dist/echarts.min.js", "text/javascript; charset=utf-8"),
        ] {
            let href = vendor_href(package, path).unwrap_or_else(|| panic!("{package}/{path} is not embedded"));
            let response = serve_vendor(Path(url_path(&href))).await;
            assert_eq!(response.status(), StatusCode::OK, "{href}");
            assert_eq!(response.headers()[header::CONTENT_TYPE], content_type, "{href}");
            assert_eq!(response.headers()[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
            let bytes = body(response).await;
            assert!(bytes.len() > 1000, "{href}: {} bytes", bytes.len());
            if path.ends_with(".woff2") {
                assert!(bytes.starts_with(b"wOF2"), "{href} is not a woff2 font");
            }
        }
        let js = vendor_href("katex", "dist/katex.min.js").map(|h| url_path(&h)).unwrap_or_default();
        let version = js.trim_start_matches("katex@").trim_end_matches("/dist/katex.min.js");
        for wrong in [
            "katex@0.0.1/dist/katex.min.js".to_owned(),
            "katex/dist/katex.min.js".to_owned(),
            format!("katex@{version}/katex.min.js"),
            format!("katex@{version}/dist/../dist/katex.min.js"),
            format!("katex@{version}/dist/fonts/KaTeX_Main-Regular.ttf"),
            format!("katex@{version}/package.json"),
            format!("katex@{version}/"),
            String::new(),
        ] {
            assert_eq!(serve_vendor(Path(wrong.clone())).await.status(), StatusCode::NOT_FOUND, "{wrong}");
        }
    }
}
