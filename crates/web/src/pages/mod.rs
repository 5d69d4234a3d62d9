//! The HTML pages: every page route is built in [`routes`], behind the one middleware that
//! resolves the request context; templates get values already shaped and labelled for display.

pub(crate) mod account;
mod admin;
mod curriculum;
pub(crate) mod homework;
pub(crate) mod library;
mod mastery;
mod people;
mod roster;
mod signin;
mod timetable_moves;
mod timetable_settings;
mod timetables;

use std::sync::Arc;

use askama::Template;
use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{Method, header},
    middleware,
    response::{Html, IntoResponse, Response},
    routing::{delete, get, post, put},
};
use domain::access::{Action, ResourceKind};
use store::{DistrictOverview, StoreError};

use crate::{
    App, WebError, assets,
    context::{self, RequestContext},
    error::Failure,
    guard::{Guard, RouteSpec, RouteTable, TargetFrom},
    i18n::{Lang, Messages},
};

/// Every HTML page route with its guard, wrapped in the context middleware.
pub(crate) fn routes(app: Arc<App>) -> (Router<Arc<App>>, Vec<RouteSpec>) {
    use Guard::{Public, SignedIn};
    use Method as M;
    use ResourceKind as K;
    let policy = |kind, action, id| Guard::Policy { kind, action, target: TargetFrom::Param(id) };
    let anywhere = Guard::Policy { kind: K::Curriculum, action: Action::View, target: TargetFrom::Nothing };
    let audit_log = Guard::Policy { kind: K::Audit, action: Action::View, target: TargetFrom::District };
    let library_view = Guard::Policy { kind: K::Library, action: Action::View, target: TargetFrom::Nothing };
    let contribute = Guard::Policy { kind: K::Library, action: Action::Manage, target: TargetFrom::Nothing };
    let work = Guard::Policy { kind: K::StudentWork, action: Action::View, target: TargetFrom::Param("id") };
    let hw_view = Guard::Policy { kind: K::Homework, action: Action::View, target: TargetFrom::Param("id") };
    let hw_manage = Guard::Policy { kind: K::Homework, action: Action::Manage, target: TargetFrom::Param("id") };
    // Refits are for district staff and 教研员 (those who review for the district).
    let learn_admin = Guard::Policy { kind: K::DistrictReview, action: Action::Manage, target: TargetFrom::District };
    let district_view = Guard::Policy { kind: K::District, action: Action::View, target: TargetFrom::District };
    let tt_view = policy(K::School, Action::View, "id");
    let tt_manage = policy(K::School, Action::Manage, "id");
    let (router, specs) = RouteTable::new(app.clone())
        // The home page shows the district overview to those allowed to see it and sends
        // everyone else to their own home (school, class, child).
        .add(M::GET, "/", SignedIn, false, get(roster::overview))
        .add(M::GET, "/schools/{id}", policy(K::School, Action::View, "id"), false, get(roster::school))
        .add(M::GET, "/classes/{id}", policy(K::Class, Action::View, "id"), false, get(roster::class))
        .add(M::POST, "/classes/{id}/export", policy(K::Class, Action::Export, "id"), false, post(people::export_class))
        .add(M::GET, "/teachers/{id}", policy(K::Teacher, Action::View, "id"), false, get(roster::teacher))
        .add(M::GET, "/students/{id}", policy(K::Student, Action::View, "id"), false, get(people::student))
        .add(M::POST, "/students/{id}/reveal", policy(K::Student, Action::Reveal, "id"), false, post(people::reveal))
        // Lists every group the actor may see, each checked against the policy.
        .add(M::GET, "/groups", SignedIn, false, get(roster::groups))
        .add(M::GET, "/curriculum", anywhere, false, get(curriculum::volumes))
        .add(M::GET, "/curriculum/{volume_id}", anywhere, false, get(curriculum::volume))
        .add(M::GET, "/login", Public, false, get(signin::form))
        .add(M::POST, "/login", Public, false, post(signin::submit))
        .add(M::POST, "/logout", SignedIn, false, post(signin::logout))
        .add(M::GET, "/account", SignedIn, false, get(account::show))
        .add(M::GET, "/account/password", SignedIn, false, get(account::password_form))
        .add(M::POST, "/account/password", SignedIn, false, post(account::change_password))
        .add(M::POST, "/account/sessions/end-all", SignedIn, false, post(account::end_all_sessions))
        .add(M::GET, "/account/tokens", SignedIn, false, get(account::tokens))
        .add(M::POST, "/account/tokens", SignedIn, false, post(account::create_token))
        .add(M::POST, "/account/tokens/{id}/revoke", SignedIn, false, post(account::revoke_token))
        // Role and account administration: each handler asks the policy about the scope or
        // account it touches, and shows only what the actor manages.
        .add(M::GET, "/admin/roles", SignedIn, false, get(admin::roles))
        .add(M::POST, "/admin/roles", SignedIn, false, post(admin::grant))
        .add(M::POST, "/admin/roles/{id}/revoke", SignedIn, false, post(admin::revoke))
        .add(M::POST, "/admin/accounts/{id}/reset-password", SignedIn, false, post(admin::reset_password))
        .add(M::POST, "/admin/accounts/{id}/disable", SignedIn, false, post(admin::disable))
        .add(M::POST, "/admin/accounts/{id}/enable", SignedIn, false, post(admin::enable))
        .add(M::GET, "/admin/audit", audit_log, false, get(admin::audit))
        // The library: staff may enter; each handler decides per record (published scope, own
        // drafts, review step) through `domain::access::library`.
        .add(M::GET, "/library", library_view, false, get(library::search_page))
        .add(M::GET, "/library/mine", library_view, false, get(library::review::mine))
        .add(M::GET, "/review", library_view, false, get(library::review::queue))
        .add(M::GET, "/resources/new", contribute, false, get(library::resources::new_form))
        .add(M::POST, "/resources/new", contribute, false, post(library::resources::create))
        .add(M::GET, "/resources/{id}", library_view, false, get(library::resources::show))
        .add(M::GET, "/resources/{id}/file", library_view, false, get(library::resources::file))
        .add(M::GET, "/resources/{id}/edit", contribute, false, get(library::resources::edit_form))
        .add(M::POST, "/resources/{id}/edit", contribute, false, post(library::resources::save_edit))
        .add(M::POST, "/resources/{id}/step", library_view, false, post(library::resources::step))
        .add(M::POST, "/resources/{id}/favourite", library_view, false, post(library::resources::favourite))
        .add(M::POST, "/resources/{id}/use", library_view, false, post(library::resources::use_it))
        .add(M::GET, "/items/new", contribute, false, get(library::items::new_form))
        .add(M::POST, "/items/new", contribute, false, post(library::items::create))
        .add(M::GET, "/items/{id}", library_view, false, get(library::items::show))
        .add(M::POST, "/items/{id}/step", library_view, false, post(library::items::step))
        // Resumable uploads: scripts send the CSRF token as a header and chunks of up to
        // `CHUNK_BYTES`, above the usual body limit.
        .add(M::POST, "/uploads", contribute, false, post(crate::uploads::begin))
        .add(M::GET, "/uploads/{id}", contribute, false, get(crate::uploads::status))
        .add(
            M::PUT,
            "/uploads/{id}",
            contribute,
            false,
            put(crate::uploads::chunk).layer(DefaultBodyLimit::max(crate::uploads::CHUNK_BYTES + 1024)),
        )
        .add(M::DELETE, "/uploads/{id}", contribute, false, delete(crate::uploads::abort))
        .add(M::POST, "/uploads/{id}/finish", contribute, false, post(crate::uploads::finish))
        // Homework: the list and the composer show only the teacher's own classes, and assigning
        // asks the policy about each class chosen.
        .add(M::GET, "/homework", SignedIn, false, get(homework::list))
        .add(M::GET, "/homework/new", SignedIn, false, get(homework::compose::form))
        .add(M::POST, "/homework/new", SignedIn, false, post(homework::compose::post))
        .add(M::GET, "/homework/{id}", hw_view, false, get(homework::report::show))
        .add(M::GET, "/homework/{id}/export/{format}", hw_view, false, get(homework::export::export))
        .add(M::POST, "/homework/{id}/release", hw_manage, false, post(homework::report::release))
        .add(M::GET, "/homework/{id}/mark", hw_manage, false, get(homework::marking::show))
        .add(M::POST, "/homework/{id}/mark", hw_manage, false, post(homework::marking::save))
        .add(M::GET, "/homework/{id}/follow-ups", hw_manage, false, get(homework::followups::show))
        .add(M::POST, "/homework/{id}/follow-ups", hw_manage, false, post(homework::followups::assign))
        // Paper homework: the class's sheets, uploading and reading scans, the review queue.
        // Only the teachers who manage the homework; its images are audited as they are viewed.
        .add(M::GET, "/homework/{id}/scans", hw_manage, false, get(crate::scans::pages::index))
        .add(M::POST, "/homework/{id}/scans", hw_manage, false, post(crate::scans::pages::create_batch))
        .add(M::GET, "/homework/{id}/sheets.pdf", hw_manage, false, get(crate::scans::pages::sheets_pdf))
        .add(M::GET, "/homework/{id}/scans/review", hw_manage, false, get(crate::scans::pages::review))
        .add(M::GET, "/homework/{id}/scans/demo-filled.pdf", hw_manage, false, get(crate::scans::pages::demo_filled))
        .add(M::GET, "/homework/{id}/scans/images/{blob}", hw_manage, false, get(crate::scans::pages::image))
        .add(M::GET, "/homework/{id}/scans/{batch}", hw_manage, false, get(crate::scans::pages::batch))
        .add(M::GET, "/homework/{id}/scans/{batch}/status", hw_manage, false, get(crate::scans::pages::status))
        .add(
            M::POST,
            "/homework/{id}/scans/{batch}/files",
            hw_manage,
            false,
            post(crate::scans::pages::add_file).layer(DefaultBodyLimit::max(crate::scans::pages::MAX_FILE_BYTES)),
        )
        .add(
            M::POST,
            "/homework/{id}/scans/{batch}/{seq}/resolve",
            hw_manage,
            false,
            post(crate::scans::pages::resolve_page),
        )
        .add(M::GET, "/students/{id}/homework", work, false, get(homework::student::list))
        .add(M::GET, "/students/{id}/homework/{homework}", work, false, get(homework::student::show))
        .add(M::GET, "/students/{id}/wrong-book", work, false, get(homework::student::wrong_book))
        // Learning: a student's mastery is their work; the class heatmap checks StudentWork on
        // the class itself (its teachers, school and district, not a 教研员).
        .add(M::GET, "/students/{id}/mastery", work, false, get(mastery::student))
        .add(M::GET, "/classes/{id}/mastery", policy(K::Class, Action::View, "id"), false, get(mastery::class))
        .add(M::GET, "/learn", learn_admin, false, get(mastery::admin))
        .add(M::POST, "/learn/refit", learn_admin, false, post(mastery::refit))
        .add(M::GET, "/learn/status", learn_admin, false, get(mastery::status))
        // Timetables: the school's people see them, its administrators (教务) solve, move, pin,
        // import and set the conditions (排课条件); the district's shared lessons are for those who view the district.
        .add(M::GET, "/schools/{id}/timetable", tt_view, false, get(timetables::show))
        .add(M::GET, "/schools/{id}/timetable/status", tt_view, false, get(timetables::status))
        .add(M::GET, "/schools/{id}/timetable/export/{format}", tt_view, false, get(timetables::export))
        .add(M::POST, "/schools/{id}/timetable/solve", tt_manage, false, post(timetables::solve))
        .add(M::POST, "/schools/{id}/timetable/stop", tt_manage, false, post(timetables::stop))
        .add(M::POST, "/schools/{id}/timetable/derive", tt_manage, false, post(timetables::derive))
        .add(M::GET, "/schools/{id}/timetable/options", tt_manage, false, get(timetable_moves::options))
        .add(M::POST, "/schools/{id}/timetable/move", tt_manage, false, post(timetable_moves::move_lesson))
        .add(M::POST, "/schools/{id}/timetable/pin", tt_manage, false, post(timetable_moves::pin))
        .add(M::GET, "/schools/{id}/timetable/settings", tt_manage, false, get(timetable_settings::show))
        .add(M::POST, "/schools/{id}/timetable/settings", tt_manage, false, post(timetable_settings::save))
        .add(
            M::POST,
            "/schools/{id}/timetable/import",
            tt_manage,
            false,
            post(timetables::import).layer(DefaultBodyLimit::max(timetables::MAX_FET_BYTES)),
        )
        .add(M::GET, "/timetables", district_view, false, get(timetables::district))
        .finish();
    let router = router.fallback(not_found).layer(middleware::from_fn_with_state(app, context::pages_layer));
    (router, specs)
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
    Account,
    Roles,
    Audit,
    Library,
    Review,
    Homework,
    Timetables,
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
    /// The signed-in person's name, for the header.
    pub user: Option<String>,
    /// The CSRF token for forms on the page (the sign-out button among them).
    pub csrf: String,
    /// Whether the navigation shows the district-wide links (overview, groups).
    pub district_nav: bool,
    /// Whether the navigation shows the role-management link (district and school administrators).
    pub admin_nav: bool,
    /// Whether the navigation shows the audit log (district administrators only).
    pub audit_nav: bool,
    /// Whether the navigation shows the resource library (staff).
    pub library_nav: bool,
    /// Whether the navigation shows the review queue (school administrators, 教研员, district).
    pub review_nav: bool,
    /// Where the homework link goes: the teacher's list, the student's or the first child's own.
    pub homework_href: Option<String>,
}

impl Chrome {
    fn new(app: &App, ctx: &RequestContext, nav: Nav, district: String) -> Chrome {
        let other = ctx.lang.other();
        let principal = ctx.principal.as_deref();
        let roles =
            principal.map(|p| p.actor.assignments.iter().map(|a| a.role).collect::<Vec<_>>()).unwrap_or_default();
        use domain::access::Role;
        Chrome {
            user: principal.map(|p| p.account.display_name.clone()),
            csrf: principal.map(|p| p.csrf().to_owned()).unwrap_or_default(),
            district_nav: roles
                .iter()
                .any(|r| matches!(r, Role::DistrictAdmin | Role::Researcher | Role::GroupLead | Role::ThirdParty)),
            admin_nav: roles.iter().any(|r| matches!(r, Role::DistrictAdmin | Role::SchoolAdmin)),
            audit_nav: roles.contains(&Role::DistrictAdmin),
            library_nav: roles.iter().any(|r| {
                matches!(
                    r,
                    Role::DistrictAdmin | Role::Researcher | Role::GroupLead | Role::SchoolAdmin | Role::Teacher
                )
            }),
            review_nav: roles.iter().any(|r| matches!(r, Role::DistrictAdmin | Role::Researcher | Role::SchoolAdmin)),
            homework_href: principal.and_then(|p| {
                let first = |role: Role| p.actor.assignments.iter().find(|a| a.role == role);
                if first(Role::Teacher).is_some() {
                    Some("/homework".to_owned())
                } else if let Some(a) = first(Role::Student) {
                    Some(format!("/students/{}/homework", a.scope_id))
                } else {
                    p.actor.facts.children.first().map(|c| format!("/students/{c}/homework"))
                }
            }),
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
            Nav::Account => "account",
            Nav::Roles => "roles",
            Nav::Audit => "audit",
            Nav::Library => "library",
            Nav::Review => "review",
            Nav::Homework => "homework",
            Nav::Timetables => "timetables",
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
