//! The HTML pages: every page route is built in [`routes`], behind the one middleware that
//! resolves the request context; templates get values already shaped and labelled for display.

mod curriculum;
mod roster;

use std::sync::Arc;

use askama::Template;
use axum::{
    Router,
    http::header,
    middleware,
    response::{Html, IntoResponse, Response},
    routing::get,
};
use store::{DistrictOverview, StoreError};

use crate::{
    App, WebError, assets,
    context::{self, RequestContext},
    error::Failure,
    i18n::{Lang, Messages},
};

/// Every HTML page route, wrapped in the context middleware (the future home of the access check).
pub(crate) fn routes(app: Arc<App>) -> Router<Arc<App>> {
    Router::new()
        .route("/", get(roster::overview))
        .route("/schools/{id}", get(roster::school))
        .route("/classes/{id}", get(roster::class))
        .route("/teachers/{id}", get(roster::teacher))
        .route("/groups", get(roster::groups))
        .route("/curriculum", get(curriculum::volumes))
        .route("/curriculum/{volume_id}", get(curriculum::volume))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(app, context::pages_layer))
}

async fn not_found() -> WebError {
    WebError::NotFound
}

/// A rendered template as a response; a rendering failure becomes the error page.
pub(crate) struct Page<T>(pub T);

impl<T: Template> IntoResponse for Page<T> {
    fn into_response(self) -> Response {
        match self.0.render() {
            Ok(html) => Html(html).into_response(),
            Err(err) => WebError::from(err).into_response(),
        }
    }
}

/// Which navigation item a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    Overview,
    Groups,
    Curriculum,
    None,
}

/// What the frame around every page (header, navigation, footer) needs.
pub(crate) struct Chrome {
    pub lang: Lang,
    pub m: &'static Messages,
    pub district: String,
    pub css_href: &'static str,
    pub icon_href: &'static str,
    pub demo: bool,
    pub nav: Nav,
    /// The current page in the other language.
    pub toggle_href: String,
    pub other_lang: Lang,
}

impl Chrome {
    fn new(app: &App, ctx: &RequestContext, nav: Nav, district: String) -> Chrome {
        let other = ctx.lang.other();
        Chrome {
            lang: ctx.lang,
            m: ctx.lang.messages(),
            district,
            css_href: assets::css_href(),
            icon_href: assets::icon_href(),
            demo: app.demo,
            nav,
            toggle_href: format!("{}?lang={}", ctx.path, other.code()),
            other_lang: other,
        }
    }

    /// `aria-current` for the navigation link named `key` (`overview`, `groups`, `curriculum`):
    /// `page` on the current section's link only.
    pub fn current(&self, key: &str) -> &'static str {
        let current = match self.nav {
            Nav::Overview => "overview",
            Nav::Groups => "groups",
            Nav::Curriculum => "curriculum",
            Nav::None => "",
        };
        if current == key { "page" } else { "false" }
    }
}

impl App {
    /// The frame for a page, reading the district's name from the store the first time.
    pub(crate) async fn chrome(&self, ctx: &RequestContext, nav: Nav) -> Result<Chrome, StoreError> {
        let district = match self.district_name.get() {
            Some(name) => name.clone(),
            None => self.remember_district(&self.store.district_overview().await?),
        };
        Ok(Chrome::new(self, ctx, nav, district))
    }

    /// Caches the district's name (the last, most specific region) from an overview already read.
    pub(crate) fn remember_district(&self, overview: &DistrictOverview) -> String {
        match overview.regions.last() {
            Some(region) => self.district_name.get_or_init(|| region.name.clone()).clone(),
            None => String::new(),
        }
    }
}

/// A link as shown in a page.
pub(crate) struct Link {
    pub href: String,
    pub text: String,
}

impl Link {
    pub fn school(id: &str, name: &str) -> Link {
        Link { href: format!("/schools/{}", path_segment(id)), text: name.to_owned() }
    }
    pub fn class(id: &str, name: &str) -> Link {
        Link { href: format!("/classes/{}", path_segment(id)), text: name.to_owned() }
    }
    pub fn teacher(id: &str, name: &str) -> Link {
        Link { href: format!("/teachers/{}", path_segment(id)), text: name.to_owned() }
    }
    pub fn volume(id: &str, name: &str) -> Link {
        Link { href: format!("/curriculum/{}", path_segment(id)), text: name.to_owned() }
    }
}

/// One labelled value in a page's fact list, optionally a link.
pub(crate) struct Fact {
    pub label: &'static str,
    pub value: String,
    pub href: Option<String>,
}

impl Fact {
    pub fn text(label: &'static str, value: impl Into<String>) -> Fact {
        Fact { label, value: value.into(), href: None }
    }
    pub fn link(label: &'static str, link: Link) -> Fact {
        Fact { label, value: link.text, href: Some(link.href) }
    }
}

/// Percent-encodes an id for use as one path segment. Ids are ASCII codes in practice; this keeps
/// a link correct even if one is not.
fn path_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    title: &'static str,
    body: &'static str,
    status: u16,
}

/// The error page for a failure, in the user's language. It does not call the store, which may be
/// what failed.
pub(crate) fn error_page(app: &App, ctx: &RequestContext, failure: Failure) -> Response {
    let district = app.district_name.get().cloned().unwrap_or_default();
    let (title, body) = failure.text(ctx.lang);
    let status = failure.status();
    let page = ErrorPage { c: Chrome::new(app, ctx, Nav::None, district), title, body, status: status.as_u16() };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "error page failed to render");
            (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], title).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(path_segment("sch-001_a.b"), "sch-001_a.b");
        assert_eq!(path_segment("a/b c"), "a%2Fb%20c");
        assert_eq!(path_segment("班"), "%E7%8F%AD");
    }
}
