//! Item pages: one exercise with rendered math, its answer, analysis and near duplicates; the form
//! teachers write items with; review steps on items.

use std::sync::Arc;

use askama::Template;
use axum::{
    Form,
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use chrono::Utc;
use domain::{
    Stage, Subject,
    access::library::{LibraryViewer, visible},
    items::{AnswerKey, Choice as ItemChoice, Item, ItemType},
    resources::{ReviewState, Scope, StepKind},
};
use serde::Deserialize;
use store::{ItemRecord, NewItem};

use super::{
    difficulty_label,
    resources::{ActionButton, StepForm, action_buttons, step_error},
};
use crate::{
    App, RequestContext, WebError,
    auth::Principal,
    guard::see_other,
    i18n::Lang,
    library::{
        duplicate_text, item_doc,
        review::{capacities, record_created, step_item},
        shelved_item,
    },
    pages::{Chrome, Fact, Nav, Page},
};

/// An item shaped for display (text is escaped by the template; math is rendered in the browser).
pub(crate) struct ItemView {
    pub id: String,
    pub type_label: &'static str,
    pub stem: String,
    pub choices: Vec<(String, String)>,
    pub answer: String,
    pub analysis: String,
    pub knowledge_points: Vec<String>,
    pub warnings: Vec<String>,
}

impl ItemView {
    pub(crate) fn of(lang: Lang, item: &Item) -> ItemView {
        let m = lang.messages().lib;
        let answer = match &item.answer {
            AnswerKey::Choices(labels) => labels.join(""),
            AnswerKey::TrueFalse(true) => m.true_label.to_owned(),
            AnswerKey::TrueFalse(false) => m.false_label.to_owned(),
            AnswerKey::Blanks(blanks) => blanks.iter().map(|b| b.join(" / ")).collect::<Vec<_>>().join("；"),
            AnswerKey::Reference(text) => text.clone(),
        };
        ItemView {
            id: item.id.clone(),
            type_label: lang.label(item.item_type),
            stem: item.stem.clone(),
            choices: item.choices.iter().map(|c| (c.label.clone(), c.content.clone())).collect(),
            answer,
            analysis: item.analysis.clone(),
            knowledge_points: item.knowledge_points.clone(),
            warnings: item.latex_warnings().iter().map(ToString::to_string).collect(),
        }
    }
}

pub(crate) struct DuplicateView {
    pub item: ItemView,
    pub similarity: String,
}

#[derive(Template)]
#[template(path = "item.html")]
pub(crate) struct ItemPage {
    c: Chrome,
    item: ItemView,
    facts: Vec<Fact>,
    state_label: &'static str,
    state_code: &'static str,
    actions: Vec<ActionButton>,
    /// Where the action buttons post.
    step_href: String,
    duplicates: Vec<DuplicateView>,
    show_duplicates: bool,
    reason: Option<String>,
}

async fn visible_item(app: &App, principal: &Principal, id: &str) -> Result<ItemRecord, WebError> {
    let record = app.store.item(id).await?.ok_or(WebError::NotFound)?;
    if !visible(&LibraryViewer::of(&principal.actor), &shelved_item(&record)) {
        return Err(WebError::NotFound);
    }
    Ok(record)
}

/// The near duplicates recorded for an item, shaped for display (those the viewer may see).
pub(crate) async fn duplicates_of(
    app: &App,
    principal: &Principal,
    lang: Lang,
    id: &str,
) -> Result<Vec<DuplicateView>, WebError> {
    let recorded = app.store.item_duplicates(id).await?;
    let ids: Vec<String> = recorded.iter().map(|(id, _)| id.clone()).collect();
    let viewer = LibraryViewer::of(&principal.actor);
    let found = app.store.items_by_ids(&ids).await?;
    Ok(found
        .iter()
        .filter(|r| visible(&viewer, &shelved_item(r)))
        .map(|r| DuplicateView {
            item: ItemView::of(lang, &r.item),
            similarity: recorded
                .iter()
                .find(|(d, _)| *d == r.item.id)
                .map(|(_, s)| format!("{:.0}%", s * 100.0))
                .unwrap_or_default(),
        })
        .collect())
}

/// `GET /items/{id}`: the item with its answer, analysis and review actions.
pub(crate) async fn show(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Page<ItemPage>, WebError> {
    let principal = ctx.principal()?;
    let record = visible_item(&app, principal, &id).await?;
    let c = app.chrome(&ctx, Nav::Library).await?;
    let lang = c.lang;
    let m = c.m.lib;
    let item = &record.item;
    let mut facts = Vec::new();
    if let Some(stage) = item.stage {
        facts.push(Fact::text(m.filter_stage, lang.label(stage)));
    }
    if let Some(grade) = item.grade {
        facts.push(Fact::text(m.filter_grade, lang.grade(grade).into_owned()));
    }
    if let Some(subject) = item.subject {
        facts.push(Fact::text(m.filter_subject, lang.label(subject)));
    }
    if let Some(d) = item.difficulty {
        facts.push(Fact::text(m.difficulty, difficulty_label(lang, d)));
    }
    facts.push(Fact::text(m.seconds, item.seconds.to_string()));
    if let Some(p) = item.points {
        facts.push(Fact::text(m.points, p.to_string()));
    }
    if let (Some(source), Some(sid)) = (&item.source, &item.source_id) {
        facts.push(Fact::text(m.source, format!("{source} · {sid}")));
    }
    let district = app.district_id().await?;
    let caps = capacities(
        &*app.store,
        district.as_deref(),
        &principal.actor,
        record.author_id.as_deref(),
        record.school_id.as_deref(),
    )
    .await?;
    let reviewing = matches!(record.state, ReviewState::Submitted | ReviewState::SchoolApproved);
    Ok(Page(ItemPage {
        state_label: lang.label(record.state),
        state_code: record.state.code(),
        actions: action_buttons(lang, record.state, record.scope, record.school_id.is_some(), &caps),
        step_href: format!("/items/{}/step", super::super::path_segment(&id)),
        duplicates: duplicates_of(&app, principal, lang, &id).await?,
        show_duplicates: reviewing || record.author_id.as_deref() == Some(principal.account.id.as_str()),
        reason: record.reason.clone().filter(|_| record.state == ReviewState::Rejected),
        item: ItemView::of(lang, item),
        facts,
        c,
    }))
}

/// `POST /items/{id}/step`: a review step on an item.
pub(crate) async fn step(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Form(form): Form<StepForm>,
) -> Result<Response, WebError> {
    let principal = ctx.principal()?;
    let step = form.step()?;
    let reviewing = matches!(step.kind(), StepKind::Approve | StepKind::Reject);
    let district = app.district_id().await?;
    step_item(&*app.store, &app.library, district.as_deref(), &principal.actor, &id, step).await.map_err(step_error)?;
    let back = if reviewing { "/review".to_owned() } else { format!("/items/{id}") };
    Ok(see_other(&back).into_response())
}

/// The item form's fields.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ItemForm {
    #[serde(default)]
    item_type: String,
    #[serde(default)]
    stem: String,
    #[serde(default)]
    choices: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    analysis: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    grade: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    difficulty: String,
    #[serde(default)]
    seconds: String,
    #[serde(default)]
    knowledge_points: String,
    #[serde(default)]
    scope: String,
}

pub(crate) struct Opt {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "item_form.html")]
pub(crate) struct ItemFormPage {
    c: Chrome,
    form: ItemForm,
    types: Vec<Opt>,
    stages: Vec<Opt>,
    subjects: Vec<Opt>,
    errors: Vec<String>,
}

impl ItemFormPage {
    fn new(c: Chrome, form: ItemForm, errors: Vec<String>) -> Self {
        let lang = c.lang;
        let opts = |codes: Vec<(&'static str, &'static str)>, current: &str| {
            codes
                .into_iter()
                .map(|(v, l)| Opt { value: v.to_owned(), label: l.to_owned(), selected: v == current })
                .collect()
        };
        ItemFormPage {
            types: opts(ItemType::ALL.iter().map(|t| (t.code(), lang.label(*t))).collect(), &form.item_type),
            stages: opts(Stage::ALL.iter().map(|t| (t.code(), lang.label(*t))).collect(), &form.stage),
            subjects: opts(Subject::ALL.iter().map(|t| (t.code(), lang.label(*t))).collect(), &form.subject),
            errors,
            form,
            c,
        }
    }
}

/// `GET /items/new`: the form for writing an item.
pub(crate) async fn new_form(ctx: RequestContext, State(app): State<Arc<App>>) -> Result<Page<ItemFormPage>, WebError> {
    let c = app.chrome(&ctx, Nav::Library).await?;
    let form = ItemForm {
        item_type: ItemType::SingleChoice.code().to_owned(),
        difficulty: "3".to_owned(),
        scope: Scope::School.code().to_owned(),
        ..ItemForm::default()
    };
    Ok(Page(ItemFormPage::new(c, form, Vec::new())))
}

/// Splits `A. text` lines into choices (labels A, B, … when a line has none).
fn parse_choices(text: &str) -> Vec<ItemChoice> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(i, line)| {
            let fallback = char::from(b'A' + (i as u8).min(25)).to_string();
            let mut chars = line.chars();
            match (chars.next(), chars.next()) {
                (Some(l), Some('.' | '．' | '、' | ':' | '：')) if l.is_ascii_uppercase() => {
                    ItemChoice { label: l.to_string(), content: chars.as_str().trim().to_owned() }
                }
                _ => ItemChoice { label: fallback, content: line.to_owned() },
            }
        })
        .collect()
}

fn parse_answer(item_type: ItemType, text: &str) -> AnswerKey {
    let text = text.trim();
    match item_type {
        ItemType::SingleChoice | ItemType::MultipleChoice => AnswerKey::Choices(
            text.chars().filter(char::is_ascii_alphabetic).map(|c| c.to_ascii_uppercase().to_string()).collect(),
        ),
        ItemType::TrueFalse => {
            AnswerKey::TrueFalse(matches!(text, "对" | "正确" | "√" | "T" | "t" | "true" | "True" | "是"))
        }
        ItemType::FillBlank => AnswerKey::Blanks(
            text.lines()
                .map(|l| l.split(['|', '｜']).map(str::trim).filter(|a| !a.is_empty()).map(str::to_owned).collect())
                .filter(|b: &Vec<String>| !b.is_empty())
                .collect(),
        ),
        ItemType::ShortAnswer => AnswerKey::Reference(text.to_owned()),
    }
}

/// `POST /items/new`: saves the item as a draft, flags near duplicates, opens it.
pub(crate) async fn create(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Form(form): Form<ItemForm>,
) -> Result<Response, WebError> {
    let principal = ctx.principal()?;
    let item_type = ItemType::parse(&form.item_type).unwrap_or(ItemType::SingleChoice);
    let id = format!("item-{}", crate::library::new_id()?.chars().take(16).collect::<String>());
    let mut item = Item {
        id: id.clone(),
        source: None,
        source_id: None,
        item_type,
        stem: form.stem.trim().to_owned(),
        choices: if matches!(item_type, ItemType::SingleChoice | ItemType::MultipleChoice) {
            parse_choices(&form.choices)
        } else {
            Vec::new()
        },
        answer: parse_answer(item_type, &form.answer),
        analysis: form.analysis.trim().to_owned(),
        stage: Stage::parse(&form.stage).ok(),
        grade: form.grade.trim().parse().ok(),
        subject: Subject::parse(&form.subject).ok(),
        knowledge_points: form
            .knowledge_points
            .split([',', '，', '、'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        difficulty: form.difficulty.trim().parse().ok(),
        seconds: 0,
        points: None,
        tags: Vec::new(),
    };
    item.seconds = form.seconds.trim().parse().unwrap_or_else(|_| item.estimated_seconds());
    if let Err(problems) = item.validate() {
        let c = app.chrome(&ctx, Nav::Library).await?;
        let errors = problems.iter().map(ToString::to_string).collect();
        return Ok(Page(ItemFormPage::new(c, form, errors)).into_response());
    }
    let school_id = super::resources::author_school(principal);
    let scope = if school_id.is_none() { Scope::District } else { Scope::parse(&form.scope).unwrap_or(Scope::School) };
    let new = NewItem {
        item: item.clone(),
        state: ReviewState::Draft,
        scope,
        school_id: school_id.clone(),
        author_id: Some(principal.account.id.clone()),
        at: Utc::now(),
    };
    app.store.import_items(&[new], &store::NoProgress).await?;
    record_created(&*app.store, &principal.actor, "item", &id, school_id.as_deref(), 1).await?;
    flag_duplicates(&app, &item).await?;
    if let Some(record) = app.store.item(&id).await? {
        app.library.search.upsert(&[item_doc(&record)]).map_err(|e| WebError::Internal(e.to_string()))?;
    }
    Ok(see_other(&format!("/items/{id}")))
}

/// Records an item's near duplicates in the bank and adds it to the index of texts.
pub(crate) async fn flag_duplicates(app: &App, item: &Item) -> Result<(), WebError> {
    let text = duplicate_text(item);
    let found = {
        let mut guard =
            app.library.neardup.write().map_err(|_| WebError::Internal("near-duplicate index poisoned".to_owned()))?;
        match guard.as_mut() {
            Some(index) => {
                let found = index.find_except(&text, &item.id);
                index.insert(item.id.clone(), &text);
                Some(found)
            }
            None => None,
        }
    };
    if let Some(found) = found {
        let dups: Vec<(String, f32)> = found.into_iter().take(10).map(|d| (d.id, d.similarity as f32)).collect();
        app.store.set_item_duplicates(&item.id, &dups).await?;
    }
    Ok(())
}
