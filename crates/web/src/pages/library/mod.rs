//! The library pages: one search box over resources and items, resource pages with preview,
//! playback and review actions, item pages with rendered math, the upload and item forms, and the
//! review queue.

pub(crate) mod items;
pub(crate) mod resources;
pub(crate) mod review;

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use domain::{Stage, Subject, access::library::LibraryViewer, items::ItemType, resources::ResourceType};
use search::{DocKind, Filters, Sort};
use serde::Deserialize;

use super::{Chrome, Nav, Page};
use crate::{App, RequestContext, WebError, i18n::Lang, library::search_viewer};

/// Results per page.
const PAGE_SIZE: usize = 20;

/// The query string of `/library`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SearchParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    tab: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    grade: String,
    #[serde(default)]
    subject: String,
    #[serde(default, rename = "type")]
    doc_type: String,
    #[serde(default)]
    difficulty: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    page: Option<usize>,
}

/// One option of a filter, with how many results it would leave.
pub(crate) struct FilterOption {
    value: String,
    label: String,
    selected: bool,
}

pub(crate) struct FilterSelect {
    name: &'static str,
    label: &'static str,
    options: Vec<FilterOption>,
}

pub(crate) struct HitView {
    href: String,
    title: String,
    /// HTML from the index: escaped text with `<mark>` around matches.
    snippet_html: String,
    kind_label: String,
    source_id: Option<String>,
    uses: u64,
}

#[derive(Template)]
#[template(path = "library.html")]
pub(crate) struct LibraryPage {
    c: Chrome,
    q: String,
    items_tab: bool,
    resources_count: u64,
    items_count: u64,
    tab_href_resources: String,
    tab_href_items: String,
    filters: Vec<FilterSelect>,
    sort_uses: bool,
    total: usize,
    hits: Vec<HitView>,
    previous_href: Option<String>,
    next_href: Option<String>,
    can_contribute: bool,
}

fn parse_opt<T>(value: &str, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
    if value.is_empty() { None } else { parse(value) }
}

impl SearchParams {
    fn kind(&self) -> DocKind {
        if self.tab == "items" { DocKind::Item } else { DocKind::Resource }
    }

    fn filters(&self) -> Filters {
        Filters {
            stage: parse_opt(&self.stage, |v| Stage::parse(v).ok()),
            grade: parse_opt(&self.grade, |v| v.parse().ok()),
            subject: parse_opt(&self.subject, |v| Subject::parse(v).ok()),
            doc_type: parse_opt(&self.doc_type, |v| Some(v.to_owned())),
            difficulty: parse_opt(&self.difficulty, |v| v.parse().ok()),
            ..Filters::default()
        }
    }

    /// This query string with some parameters replaced (empty values dropped).
    fn href_with(&self, changes: &[(&str, String)]) -> String {
        let mut pairs: Vec<(&str, String)> = vec![
            ("q", self.q.clone()),
            ("tab", self.tab.clone()),
            ("stage", self.stage.clone()),
            ("grade", self.grade.clone()),
            ("subject", self.subject.clone()),
            ("type", self.doc_type.clone()),
            ("difficulty", self.difficulty.clone()),
            ("sort", self.sort.clone()),
        ];
        for (key, value) in changes {
            match pairs.iter_mut().find(|(k, _)| k == key) {
                Some(pair) => pair.1 = value.clone(),
                None => pairs.push((key, value.clone())),
            }
        }
        pairs.retain(|(_, v)| !v.is_empty());
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        if query.is_empty() { "/library".to_owned() } else { format!("/library?{query}") }
    }
}

fn select(
    name: &'static str,
    label: &'static str,
    current: &str,
    any: &str,
    options: Vec<(String, String)>,
) -> FilterSelect {
    let mut all = vec![FilterOption { value: String::new(), label: any.to_owned(), selected: current.is_empty() }];
    all.extend(options.into_iter().map(|(value, label)| FilterOption { selected: value == current, value, label }));
    FilterSelect { name, label, options: all }
}

/// The label of a document type code (a resource type or an item type).
fn doc_type_label(lang: Lang, code: &str) -> String {
    ResourceType::parse(code)
        .map(|t| lang.label(t).to_owned())
        .or_else(|_| ItemType::parse(code).map(|t| lang.label(t).to_owned()))
        .unwrap_or_else(|_| code.to_owned())
}

/// `GET /library`: search with tabs, filters, sorting and pages.
pub(crate) async fn search_page(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Query(params): Query<SearchParams>,
) -> Result<Page<LibraryPage>, WebError> {
    let principal = ctx.principal()?;
    let viewer = LibraryViewer::of(&principal.actor);
    let c = app.chrome(&ctx, Nav::Library).await?;
    let lang = c.lang;
    let kind = params.kind();
    let page = params.page.unwrap_or(1).max(1);
    let query = search::Query {
        text: params.q.trim().to_owned(),
        kind: Some(kind),
        filters: params.filters(),
        sort: if params.sort == "uses" { Sort::Uses } else { Sort::Relevance },
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
        viewer: search_viewer(&viewer),
    };
    let results = app.library.search.search(&query).map_err(|e| WebError::Internal(e.to_string()))?;
    let hits = results
        .hits
        .iter()
        .map(|h| HitView {
            href: match h.kind {
                DocKind::Item => format!("/items/{}", super::path_segment(&h.id)),
                DocKind::Resource => format!("/resources/{}", super::path_segment(&h.id)),
            },
            title: h.title.clone(),
            snippet_html: h.snippet_html.clone(),
            kind_label: doc_type_label(lang, &h.doc_type),
            source_id: h.source_id.clone(),
            uses: h.uses,
        })
        .collect();
    let m = c.m.lib;
    let type_options: Vec<(String, String)> = match kind {
        DocKind::Item => ItemType::ALL.iter().map(|t| (t.code().to_owned(), lang.label(*t).to_owned())).collect(),
        DocKind::Resource => {
            ResourceType::ALL.iter().map(|t| (t.code().to_owned(), lang.label(*t).to_owned())).collect()
        }
    };
    let mut filters = vec![
        select(
            "stage",
            m.filter_stage,
            &params.stage,
            m.any,
            Stage::ALL.iter().map(|s| (s.code().to_owned(), lang.label(*s).to_owned())).collect(),
        ),
        select(
            "grade",
            m.filter_grade,
            &params.grade,
            m.any,
            (1..=12u8).map(|g| (g.to_string(), lang.grade(g).into_owned())).collect(),
        ),
        select(
            "subject",
            m.filter_subject,
            &params.subject,
            m.any,
            Subject::ALL.iter().map(|s| (s.code().to_owned(), lang.label(*s).to_owned())).collect(),
        ),
        select("type", m.filter_type, &params.doc_type, m.any, type_options),
    ];
    if kind == DocKind::Item {
        filters.push(select(
            "difficulty",
            m.filter_difficulty,
            &params.difficulty,
            m.any,
            (1..=5u8).map(|d| (d.to_string(), difficulty_label(lang, d).to_owned())).collect(),
        ));
    }
    let shown_to = query.offset + results.hits.len();
    Ok(Page(LibraryPage {
        q: params.q.clone(),
        items_tab: kind == DocKind::Item,
        resources_count: results.counts_by_kind.resources,
        items_count: results.counts_by_kind.items,
        tab_href_resources: params.href_with(&[
            ("tab", String::new()),
            ("type", String::new()),
            ("difficulty", String::new()),
        ]),
        tab_href_items: params.href_with(&[("tab", "items".to_owned()), ("type", String::new())]),
        filters,
        sort_uses: params.sort == "uses",
        total: results.total,
        hits,
        previous_href: (page > 1).then(|| params.href_with(&[("page", (page - 1).to_string())])),
        next_href: (shown_to < results.total).then(|| params.href_with(&[("page", (page + 1).to_string())])),
        can_contribute: can_contribute(&principal.actor),
        c,
    }))
}

/// Whether the actor may upload resources and write items.
pub(crate) fn can_contribute(actor: &domain::access::Actor) -> bool {
    use domain::access::{Action, Place, ResourceKind, Target, decide};
    decide(actor, Action::Manage, &Target::new(ResourceKind::Library, Place::default())).is_allowed()
}

/// The name of a difficulty level 1–5.
pub(crate) fn difficulty_label(lang: Lang, level: u8) -> &'static str {
    match (lang, level) {
        (Lang::Zh, 1) => "容易",
        (Lang::Zh, 2) => "较易",
        (Lang::Zh, 3) => "中等",
        (Lang::Zh, 4) => "较难",
        (Lang::Zh, _) => "困难",
        (Lang::En, 1) => "Easy",
        (Lang::En, 2) => "Fairly easy",
        (Lang::En, 3) => "Medium",
        (Lang::En, 4) => "Fairly hard",
        (Lang::En, _) => "Hard",
    }
}
