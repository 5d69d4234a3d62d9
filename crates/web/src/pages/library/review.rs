//! The review queue (凡进必审): what waits for this reviewer, resources and items, oldest first,
//! with each submitted item beside its near duplicates; and the author's own work.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use domain::{access::library::LibraryViewer, resources::ReviewState};
use store::{ResourceSummary, ReviewFilter};

use super::items::{DuplicateView, ItemView, duplicates_of};
use super::resources::beijing_time;
use crate::{
    App, RequestContext, WebError,
    pages::{Chrome, Nav, Page},
};

/// How many records a list shows.
const LIST_LIMIT: u32 = 100;

pub(crate) struct ResourceRow {
    pub href: String,
    pub title: String,
    pub type_label: &'static str,
    pub state_label: &'static str,
    pub state_code: &'static str,
    pub author: String,
    pub school: String,
    pub scope_label: &'static str,
    pub when: String,
}

pub(crate) struct ItemRow {
    pub item: ItemView,
    pub state_label: &'static str,
    pub state_code: &'static str,
    pub duplicates: Vec<DuplicateView>,
}

fn resource_row(lang: crate::i18n::Lang, r: &ResourceSummary) -> ResourceRow {
    ResourceRow {
        href: format!("/resources/{}", r.id),
        title: r.title.clone(),
        type_label: lang.label(r.resource_type),
        state_label: lang.label(r.state),
        state_code: r.state.code(),
        author: r.author_name.clone(),
        school: r.school_name.clone().unwrap_or_default(),
        scope_label: lang.label(r.scope),
        when: beijing_time(r.updated_at),
    }
}

#[derive(Template)]
#[template(path = "review.html")]
pub(crate) struct ReviewPage {
    c: Chrome,
    heading: &'static str,
    intro: &'static str,
    empty: &'static str,
    resources: Vec<ResourceRow>,
    items: Vec<ItemRow>,
    /// The viewer's favourite resources (on their own page only).
    favourites: Vec<ResourceRow>,
}

/// The filters of this viewer's queues: the school step for their schools, the district step
/// when they review for the district (plus submissions from authors in no school).
fn queues(viewer: &LibraryViewer) -> Vec<ReviewFilter> {
    let mut out = Vec::new();
    if !viewer.reviews_schools.is_empty() {
        out.push(ReviewFilter {
            states: vec![ReviewState::Submitted],
            school_ids: viewer.reviews_schools.clone(),
            limit: LIST_LIMIT,
            ..ReviewFilter::default()
        });
    }
    if viewer.reviews_district {
        out.push(ReviewFilter {
            states: vec![ReviewState::SchoolApproved],
            limit: LIST_LIMIT,
            ..ReviewFilter::default()
        });
        out.push(ReviewFilter { states: vec![ReviewState::Submitted], limit: LIST_LIMIT, ..ReviewFilter::default() });
    }
    out
}

/// `GET /review`: everything waiting for this reviewer.
pub(crate) async fn queue(ctx: RequestContext, State(app): State<Arc<App>>) -> Result<Page<ReviewPage>, WebError> {
    let principal = ctx.principal()?;
    let viewer = LibraryViewer::of(&principal.actor);
    let c = app.chrome(&ctx, Nav::Review).await?;
    let lang = c.lang;
    let mut resources = Vec::new();
    let mut items = Vec::new();
    for filter in queues(&viewer) {
        for r in app.store.resources_for_review(&filter).await? {
            // The district's `submitted` filter is for authors in no school only.
            if r.school_name.is_some() && filter.school_ids.is_empty() && r.state == ReviewState::Submitted {
                continue;
            }
            if !resources.iter().any(|x: &ResourceRow| x.href.ends_with(&r.id)) {
                resources.push(resource_row(lang, &r));
            }
        }
        for r in app.store.items_for_review(&filter).await? {
            let shelf = domain::access::library::Shelved {
                state: r.state,
                has_published: false,
                scope: domain::resources::Scope::District,
                school_id: r.school_id.as_deref(),
                author_id: None,
            };
            if !domain::access::library::sees_working_version(&viewer, &shelf) {
                continue;
            }
            if items.iter().any(|x: &ItemRow| x.item.id == r.item.id) {
                continue;
            }
            items.push(ItemRow {
                duplicates: duplicates_of(&app, principal, lang, &r.item.id).await?,
                item: ItemView::of(lang, &r.item),
                state_label: lang.label(r.state),
                state_code: r.state.code(),
            });
        }
    }
    let m = c.m.lib;
    Ok(Page(ReviewPage {
        heading: m.review_title,
        intro: m.review_intro,
        empty: m.review_empty,
        resources,
        items,
        favourites: Vec::new(),
        c,
    }))
}

/// `GET /library/mine`: the author's own resources and items, newest first.
pub(crate) async fn mine(ctx: RequestContext, State(app): State<Arc<App>>) -> Result<Page<ReviewPage>, WebError> {
    let principal = ctx.principal()?;
    let c = app.chrome(&ctx, Nav::Library).await?;
    let lang = c.lang;
    let filter =
        ReviewFilter { author_id: Some(principal.account.id.clone()), limit: LIST_LIMIT, ..ReviewFilter::default() };
    let resources = app.store.resources_for_review(&filter).await?.iter().map(|r| resource_row(lang, r)).collect();
    let items = app
        .store
        .items_for_review(&filter)
        .await?
        .iter()
        .map(|r| ItemRow {
            item: ItemView::of(lang, &r.item),
            state_label: lang.label(r.state),
            state_code: r.state.code(),
            duplicates: Vec::new(),
        })
        .collect();
    // Favourites the viewer can still see (a withdrawn one drops out).
    let viewer = LibraryViewer::of(&principal.actor);
    let mut favourites = Vec::new();
    for id in app.store.favourites(&principal.account.id, "resource", LIST_LIMIT).await? {
        let Some(r) = app.store.resource(&id).await? else { continue };
        let Some(v) = r.published().or_else(|| r.latest()) else { continue };
        if !domain::access::library::visible(&viewer, &crate::library::shelved(&r)) {
            continue;
        }
        favourites.push(ResourceRow {
            href: format!("/resources/{}", r.id),
            title: v.content.title.clone(),
            type_label: lang.label(r.resource_type),
            state_label: lang.label(v.state),
            state_code: v.state.code(),
            author: r.author_name.clone(),
            school: r.school_name.clone().unwrap_or_default(),
            scope_label: lang.label(r.scope),
            when: beijing_time(v.updated_at),
        });
    }
    let m = c.m.lib;
    Ok(Page(ReviewPage { heading: m.my_work, intro: "", empty: m.my_work_empty, resources, items, favourites, c }))
}
