//! The library over JSON: search (the same index and visibility rules as the pages) and one item.

use std::sync::Arc;

use axum::{
    Json,
    extract::{Path, Query, State},
};
use domain::access::library::{LibraryViewer, visible};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::doc::{Forbidden, InternalError, NotFound, Unauthorized};
use crate::{App, RequestContext, WebError, library::search_viewer};

/// `GET /api/v1/search` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// 查询词 / what to look for (a word, a phrase, a source id)
    #[serde(default)]
    pub q: String,
    /// `item` or `resource` (both when absent)
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// 学科代码或名称 / subject code or name
    #[serde(default)]
    pub subject: Option<String>,
    /// 学段 / stage: primary, junior, senior
    #[serde(default)]
    pub stage: Option<String>,
    /// 1–100, default 20
    #[serde(default)]
    pub limit: Option<u32>,
    /// Hits to skip, default 0
    #[serde(default)]
    pub offset: Option<u32>,
}

/// One hit.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit {
    /// `item` or `resource`
    pub kind: String,
    pub id: String,
    /// The id in the file it was imported from (e.g. Ape210K's `id`), when imported
    pub source_id: Option<String>,
    /// Item type (`single_choice`, …) or resource type (`courseware`, …)
    pub doc_type: String,
    pub title: String,
    /// HTML-escaped text with `<mark>` around the matches
    pub snippet_html: String,
    pub score: f32,
    pub uses: u64,
}

/// Search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    pub total: u64,
    pub hits: Vec<SearchHit>,
}

/// One exercise with its answer key.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemResponse {
    pub id: String,
    pub source: Option<String>,
    pub source_id: Option<String>,
    pub item_type: String,
    pub stem: String,
    #[schema(value_type = Vec<Object>)]
    pub choices: serde_json::Value,
    #[schema(value_type = Object)]
    pub answer: serde_json::Value,
    pub analysis: String,
    pub stage: Option<String>,
    pub grade: Option<u8>,
    pub subject: Option<String>,
    pub knowledge_points: Vec<String>,
    pub difficulty: Option<u8>,
    pub seconds: u32,
    /// Review state: draft, submitted, school_approved, published, rejected, withdrawn
    pub state: String,
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

fn bad(what: &str) -> WebError {
    WebError::BadRequest(what.to_owned())
}

#[utoipa::path(
    get, path = "/api/v1/search", operation_id = "search", tag = "library", params(SearchParams),
    responses(
        (status = 200, description = "搜索结果 / search results", body = SearchResponse),
        (status = 400, description = "参数有误 / a parameter is not understood"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 500, response = InternalError)
    )
)]
pub(crate) async fn search(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Query(p): Query<SearchParams>,
) -> Result<Json<SearchResponse>, WebError> {
    let principal = ctx.principal()?;
    let kind = match p.kind.as_deref() {
        None | Some("") => None,
        Some("item") => Some(search::DocKind::Item),
        Some("resource") => Some(search::DocKind::Resource),
        Some(_) => return Err(bad("type must be item or resource")),
    };
    let filters = search::Filters {
        subject: nonempty(&p.subject).map(domain::Subject::parse).transpose().map_err(|_| bad("unknown subject"))?,
        stage: nonempty(&p.stage).map(domain::Stage::parse).transpose().map_err(|_| bad("unknown stage"))?,
        ..search::Filters::default()
    };
    let limit = p.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(bad("limit must be 1–100"));
    }
    let offset = p.offset.unwrap_or(0).min(900) as usize;
    let query = search::Query {
        text: p.q.chars().take(200).collect(),
        kind,
        filters,
        sort: search::Sort::Relevance,
        limit: limit as usize,
        offset,
        viewer: search_viewer(&LibraryViewer::of(&principal.actor)),
    };
    let results = app.library.search.search(&query).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(Json(SearchResponse {
        total: results.total as u64,
        hits: results
            .hits
            .into_iter()
            .map(|h| SearchHit {
                kind: h.kind.code().to_owned(),
                id: h.id,
                source_id: h.source_id,
                doc_type: h.doc_type,
                title: h.title,
                snippet_html: h.snippet_html,
                score: h.score,
                uses: h.uses,
            })
            .collect(),
    }))
}

#[utoipa::path(
    get, path = "/api/v1/items/{id}", operation_id = "getItem", tag = "library",
    params(("id" = String, Path, description = "试题编号 / item id")),
    responses(
        (status = 200, description = "试题 / the item", body = ItemResponse),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 500, response = InternalError)
    )
)]
pub(crate) async fn item(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Json<ItemResponse>, WebError> {
    let principal = ctx.principal()?;
    let record = app.store.item(&id).await?.ok_or(WebError::NotFound)?;
    if !visible(&LibraryViewer::of(&principal.actor), &crate::library::shelved_item(&record)) {
        return Err(WebError::NotFound);
    }
    let i = record.item;
    Ok(Json(ItemResponse {
        choices: serde_json::to_value(&i.choices).unwrap_or_default(),
        answer: serde_json::to_value(&i.answer).unwrap_or_default(),
        item_type: i.item_type.code().to_owned(),
        stage: i.stage.map(|s| s.code().to_owned()),
        subject: i.subject.map(|s| s.code().to_owned()),
        state: record.state.code().to_owned(),
        id: i.id,
        source: i.source,
        source_id: i.source_id,
        stem: i.stem,
        analysis: i.analysis,
        grade: i.grade,
        knowledge_points: i.knowledge_points,
        difficulty: i.difficulty,
        seconds: i.seconds,
    }))
}
