//! Resource pages: the upload form (new resource or new version), the resource page with preview,
//! playback, download, favourites, use and review actions, and the file itself.

use std::sync::Arc;

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::HeaderMap,
    response::{IntoResponse, Response},
};
use chrono::Utc;
use domain::{
    ActivityRecord, ActorRef, ObjectRef, Stage, Subject,
    access::library::{LibraryViewer, sees_working_version, visible},
    resources::{
        Capacity, Resource, ResourceType, ReviewState, Scope, Step, StepKind, is_short_micro_lesson, transition,
    },
};
use serde::Deserialize;
use store::{NewResource, ResourceContent, ResourceRecord, ResourceVersion, UsageVerb};

use super::super::{Chrome, Fact, Nav, Page};
use crate::{
    App, RequestContext, WebError,
    auth::Principal,
    guard::see_other,
    i18n::Lang,
    library::{
        review::{StepError, capacities, record_created, reindex_resource, step_resource},
        shelved,
    },
    uploads::{CHUNK_BYTES, serve_file},
};

/// The upload form's fields (also used to edit a draft or start a new version).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ResourceForm {
    #[serde(default)]
    resource_type: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    grade: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    knowledge_points: String,
    #[serde(default)]
    licence: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    link_url: String,
    /// The SHA-256 of the uploaded file (set by the upload script).
    #[serde(default)]
    file: String,
}

pub(crate) struct Choice {
    value: String,
    label: String,
    selected: bool,
}

fn choices<T: Copy>(
    all: &[T],
    current: &str,
    code: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> String,
) -> Vec<Choice> {
    all.iter().map(|v| Choice { value: code(*v).to_owned(), label: label(*v), selected: code(*v) == current }).collect()
}

#[derive(Template)]
#[template(path = "resource_form.html")]
pub(crate) struct ResourceFormPage {
    c: Chrome,
    heading: String,
    action: String,
    form: ResourceForm,
    types: Vec<Choice>,
    stages: Vec<Choice>,
    grades: Vec<Choice>,
    subjects: Vec<Choice>,
    school_scope_allowed: bool,
    errors: Vec<String>,
    chunk_bytes: usize,
    file_label: String,
    upload_js: &'static str,
}

fn split_list(text: &str) -> Vec<String> {
    text.split([',', '，', '、', ';', '；']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// The school an author contributes for: their first school as teacher or administrator.
pub(crate) fn author_school(principal: &Principal) -> Option<String> {
    use domain::access::Role;
    principal
        .actor
        .assignments
        .iter()
        .find(|a| matches!(a.role, Role::Teacher | Role::SchoolAdmin))
        .map(|a| a.scope_id.clone())
}

impl ResourceFormPage {
    fn new(c: Chrome, heading: String, action: String, form: ResourceForm, school: bool, errors: Vec<String>) -> Self {
        let lang = c.lang;
        let file_label = if form.file.is_empty() { String::new() } else { form.file.chars().take(12).collect() };
        ResourceFormPage {
            types: choices(ResourceType::ALL, &form.resource_type, ResourceType::code, |t| lang.label(t).to_owned()),
            stages: choices(Stage::ALL, &form.stage, Stage::code, |s| lang.label(s).to_owned()),
            grades: (1..=12u8)
                .map(|g| Choice {
                    value: g.to_string(),
                    label: lang.grade(g).into_owned(),
                    selected: form.grade == g.to_string(),
                })
                .collect(),
            subjects: choices(Subject::ALL, &form.subject, Subject::code, |s| lang.label(s).to_owned()),
            school_scope_allowed: school,
            errors,
            chunk_bytes: CHUNK_BYTES,
            file_label,
            upload_js: crate::assets::upload_js_href(),
            heading,
            action,
            form,
            c,
        }
    }
}

/// `GET /resources/new`: the upload form.
pub(crate) async fn new_form(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
) -> Result<Page<ResourceFormPage>, WebError> {
    let principal = ctx.principal()?;
    let school = author_school(principal).is_some();
    let c = app.chrome(&ctx, Nav::Library).await?;
    let form = ResourceForm {
        resource_type: ResourceType::Courseware.code().to_owned(),
        scope: if school { Scope::School } else { Scope::District }.code().to_owned(),
        licence: if c.lang == Lang::Zh { "自有版权" } else { "All rights reserved" }.to_owned(),
        ..ResourceForm::default()
    };
    let heading = c.m.lib.new_resource_title.to_owned();
    Ok(Page(ResourceFormPage::new(c, heading, "/resources/new".to_owned(), form, school, Vec::new())))
}

/// Turns the form into version content, or says everything that is wrong with it.
async fn content_of(
    app: &App,
    lang: Lang,
    form: &ResourceForm,
    id: &str,
    author: &Principal,
) -> Result<(ResourceType, Scope, ResourceContent), Vec<String>> {
    let mut errors = Vec::new();
    let resource_type = ResourceType::parse(&form.resource_type).map_err(|e| vec![e.to_string()])?;
    let scope = Scope::parse(&form.scope).unwrap_or(Scope::School);
    let file = if form.file.trim().is_empty() {
        None
    } else {
        match app.library.recall_file(form.file.trim()).await {
            Ok(Some(file)) => Some(file),
            Ok(None) => {
                errors.push(
                    if lang == Lang::Zh {
                        "找不到上传的文件，请重新上传"
                    } else {
                        "The uploaded file is gone; upload it again"
                    }
                    .to_owned(),
                );
                None
            }
            Err(e) => return Err(vec![crate::uploads::message(lang, &e)]),
        }
    };
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let content = ResourceContent {
        title: form.title.trim().to_owned(),
        description: form.description.trim().to_owned(),
        stage: opt(&form.stage).and_then(|s| Stage::parse(&s).ok()),
        grade: form.grade.trim().parse().ok(),
        subject: opt(&form.subject).and_then(|s| Subject::parse(&s).ok()),
        edition_id: None,
        volume_id: None,
        chapter_id: None,
        knowledge_points: split_list(&form.knowledge_points),
        tags: split_list(&form.tags),
        licence: form.licence.trim().to_owned(),
        source: opt(&form.source),
        link_url: opt(&form.link_url),
        file,
    };
    // The whole-resource rules live in the domain; check them on the shape they describe.
    let now = Utc::now();
    let resource = Resource {
        id: id.to_owned(),
        title: content.title.clone(),
        description: content.description.clone(),
        resource_type,
        scope,
        stage: content.stage,
        grade: content.grade,
        subject: content.subject,
        edition: None,
        volume_id: None,
        chapter_id: None,
        knowledge_points: content.knowledge_points.clone(),
        tags: content.tags.clone(),
        author_id: author.account.id.clone(),
        school_id: author_school(author),
        licence: content.licence.clone(),
        source: content.source.clone(),
        link_url: content.link_url.clone(),
        file: content.file.clone(),
        created_at: now,
        updated_at: now,
    };
    if let Err(problems) = resource.validate() {
        errors.extend(problems.iter().map(ToString::to_string));
    }
    if errors.is_empty() { Ok((resource_type, scope, content)) } else { Err(errors) }
}

/// `POST /resources/new`: creates the resource as a draft and opens its page.
pub(crate) async fn create(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Form(form): Form<ResourceForm>,
) -> Result<Response, WebError> {
    let principal = ctx.principal()?;
    let id = format!("res-{}", crate::library::new_id()?.chars().take(16).collect::<String>());
    match content_of(&app, ctx.lang, &form, &id, principal).await {
        Ok((resource_type, scope, content)) => {
            let school_id = author_school(principal);
            app.store
                .create_resource(&NewResource {
                    id: id.clone(),
                    resource_type,
                    scope,
                    author_id: principal.account.id.clone(),
                    school_id: school_id.clone(),
                    content,
                    at: Utc::now(),
                })
                .await?;
            record_created(&*app.store, &principal.actor, "resource", &id, school_id.as_deref(), 1).await?;
            reindex_resource(&*app.store, &app.library, &id).await.map_err(step_error)?;
            Ok(see_other(&format!("/resources/{id}")))
        }
        Err(errors) => {
            let school = author_school(principal).is_some();
            let c = app.chrome(&ctx, Nav::Library).await?;
            let heading = c.m.lib.new_resource_title.to_owned();
            Ok(Page(ResourceFormPage::new(c, heading, "/resources/new".to_owned(), form, school, errors))
                .into_response())
        }
    }
}

pub(crate) fn step_error(e: StepError) -> WebError {
    match e {
        StepError::NotFound => WebError::NotFound,
        StepError::Refused(e) => WebError::BadRequest(e.to_string()),
        StepError::Conflict => WebError::BadRequest("the record changed meanwhile; reload".to_owned()),
        StepError::Store(e) => WebError::Store(e),
        StepError::Search(e) => WebError::Internal(e.to_string()),
    }
}

/// Loads a resource the principal may see, or 404 (never saying whether it exists).
async fn visible_resource(
    app: &App,
    principal: &Principal,
    id: &str,
) -> Result<(ResourceRecord, LibraryViewer), WebError> {
    let record = app.store.resource(id).await?.ok_or(WebError::NotFound)?;
    let viewer = LibraryViewer::of(&principal.actor);
    if !visible(&viewer, &shelved(&record)) {
        return Err(WebError::NotFound);
    }
    Ok((record, viewer))
}

/// The version this viewer is shown: the working one for its author and reviewers, else the
/// published one.
fn shown_version<'r>(record: &'r ResourceRecord, viewer: &LibraryViewer) -> Option<&'r ResourceVersion> {
    if sees_working_version(viewer, &shelved(record)) { record.latest() } else { record.published() }
}

/// An action button on the resource page.
pub(crate) struct ActionButton {
    pub step: &'static str,
    pub label: &'static str,
    pub needs_reason: bool,
    pub danger: bool,
}

/// The review steps this actor could take now, as buttons.
pub(crate) fn action_buttons(
    lang: Lang,
    state: ReviewState,
    scope: Scope,
    has_school: bool,
    caps: &[Capacity],
) -> Vec<ActionButton> {
    let m = lang.messages().lib;
    let steps = [
        (Step::Submit, "submit", m.submit_for_review, false),
        (Step::Approve, "approve", m.approve, false),
        (Step::Reject { reason: "-".to_owned() }, "reject", m.reject, true),
        (Step::Revise, "revise", m.revise, false),
        (Step::Withdraw, "withdraw", m.withdraw, false),
    ];
    steps
        .into_iter()
        .filter(|(step, ..)| caps.iter().any(|c| transition(state, scope, has_school, step, *c).is_ok()))
        .map(|(step, code, label, needs_reason)| ActionButton {
            step: code,
            label,
            needs_reason,
            danger: matches!(step.kind(), StepKind::Reject | StepKind::Withdraw),
        })
        .collect()
}

pub(crate) struct HistoryRow {
    when: String,
    what: String,
    reason: Option<String>,
}

#[derive(Template)]
#[template(path = "resource.html")]
pub(crate) struct ResourcePage {
    c: Chrome,
    id: String,
    title: String,
    type_label: &'static str,
    state_label: &'static str,
    state_code: &'static str,
    version: u32,
    description: String,
    facts: Vec<Fact>,
    tags: Vec<String>,
    knowledge_points: Vec<String>,
    file_href: Option<String>,
    download_href: Option<String>,
    preview: &'static str,
    link_url: Option<String>,
    duration: Option<String>,
    short_lesson: Option<bool>,
    usage: store::Usage,
    favourite: bool,
    actions: Vec<ActionButton>,
    /// Where the action buttons post.
    step_href: String,
    can_edit: bool,
    can_new_version: bool,
    revising_note: bool,
    reason: Option<String>,
    history: Vec<HistoryRow>,
}

/// How the page shows a file of this media type.
fn preview_kind(media_type: &str) -> &'static str {
    match media_type {
        "application/pdf" => "pdf",
        t if t.starts_with("video/") => "video",
        t if t.starts_with("audio/") => "audio",
        t if t.starts_with("image/") => "image",
        _ => "none",
    }
}

fn usage_record(principal: &Principal, verb: UsageVerb, id: &str, school: Option<&str>) -> ActivityRecord {
    ActivityRecord {
        actor: ActorRef { kind: "account".to_owned(), id: principal.account.id.clone() },
        verb: verb.code().to_owned(),
        object: ObjectRef { kind: "resource".to_owned(), id: id.to_owned() },
        school_id: school.map(str::to_owned),
        class_id: None,
        result: None,
        timestamp: Utc::now(),
    }
}

/// Counts a use of a resource for it, the viewer's school and the viewer.
async fn count_usage(app: &App, principal: &Principal, verb: UsageVerb, id: &str) -> Result<(), WebError> {
    let school = author_school(principal);
    let record = usage_record(principal, verb, id, school.as_deref());
    let mut counted: Vec<(&str, &str)> = vec![("resource", id), ("account", &principal.account.id)];
    if let Some(s) = school.as_deref() {
        counted.push(("school", s));
    }
    app.store.record_usage(&record, verb, &counted).await?;
    Ok(())
}

/// `GET /resources/{id}`: the resource with preview, actions and history.
pub(crate) async fn show(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Page<ResourcePage>, WebError> {
    let principal = ctx.principal()?;
    let (record, viewer) = visible_resource(&app, principal, &id).await?;
    let version = shown_version(&record, &viewer).ok_or(WebError::NotFound)?.clone();
    if record.author_id != principal.account.id {
        count_usage(&app, principal, UsageVerb::Viewed, &id).await?;
    }
    let c = app.chrome(&ctx, Nav::Library).await?;
    let lang = c.lang;
    let m = c.m.lib;
    let district = app.district_id().await?;
    let caps = capacities(
        &*app.store,
        district.as_deref(),
        &principal.actor,
        Some(&record.author_id),
        record.school_id.as_deref(),
    )
    .await?;
    let latest = record.latest().map_or(ReviewState::Draft, |v| v.state);
    let actions = if version.number == record.latest().map_or(0, |v| v.number) {
        action_buttons(lang, latest, record.scope, record.school_id.is_some(), &caps)
    } else {
        Vec::new()
    };
    let is_author = record.author_id == principal.account.id;
    let content = &version.content;
    let mut facts = vec![
        Fact::text(m.author, record.author_name.clone()),
        Fact::text(m.field_scope, lang.label(record.scope)),
        Fact::text(m.field_licence, content.licence.clone()),
    ];
    if let Some(school) = &record.school_name {
        facts.push(Fact::text(m.school, school.clone()));
    }
    if let Some(stage) = content.stage {
        facts.push(Fact::text(m.filter_stage, lang.label(stage)));
    }
    if let Some(grade) = content.grade {
        facts.push(Fact::text(m.filter_grade, lang.grade(grade).into_owned()));
    }
    if let Some(subject) = content.subject {
        facts.push(Fact::text(m.filter_subject, lang.label(subject)));
    }
    if let Some(source) = &content.source {
        facts.push(Fact::text(m.field_source, source.clone()));
    }
    let file_href = content.file.as_ref().map(|_| format!("/resources/{id}/file?v={}", version.number));
    let history = app
        .store
        .activity_about("resource", &id, 200)
        .await?
        .into_iter()
        .filter(|r| !matches!(r.verb.as_str(), "viewed" | "downloaded" | "used"))
        .map(|r| HistoryRow {
            when: beijing_time(r.timestamp),
            what: verb_label(lang, &r.verb).to_owned(),
            reason: r.result.as_ref().and_then(|v| v.get("reason")).and_then(|v| v.as_str()).map(str::to_owned),
        })
        .collect();
    Ok(Page(ResourcePage {
        type_label: lang.label(record.resource_type),
        state_label: lang.label(version.state),
        state_code: version.state.code(),
        version: version.number,
        title: content.title.clone(),
        description: content.description.clone(),
        tags: content.tags.clone(),
        knowledge_points: content.knowledge_points.clone(),
        download_href: file_href.as_ref().map(|h| format!("{h}&download=1")),
        preview: content.file.as_ref().map_or("none", |f| preview_kind(&f.media_type)),
        file_href,
        link_url: content.link_url.clone(),
        duration: content.file.as_ref().and_then(|f| f.duration_seconds).map(|s| format!("{}:{:02}", s / 60, s % 60)),
        short_lesson: (record.resource_type == ResourceType::MicroLesson)
            .then(|| content.file.as_ref().and_then(|f| f.duration_seconds).map(is_short_micro_lesson))
            .flatten(),
        usage: app.store.usage("resource", &id).await?,
        favourite: app.store.is_favourite(&principal.account.id, "resource", &id).await?,
        actions,
        step_href: format!("/resources/{}/step", super::super::path_segment(&id)),
        can_edit: is_author && matches!(latest, ReviewState::Draft | ReviewState::Rejected),
        can_new_version: is_author && latest == ReviewState::Published,
        revising_note: record.published_version.is_some()
            && record.published_version != record.latest().map(|v| v.number),
        reason: version.reason.clone().filter(|_| version.state == ReviewState::Rejected),
        history,
        facts,
        id,
        c,
    }))
}

/// A time as people in the district read it (UTC+8, no daylight saving).
pub(crate) fn beijing_time(t: chrono::DateTime<Utc>) -> String {
    (t + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M").to_string()
}

/// What an activity verb means on a history line.
fn verb_label(lang: Lang, verb: &str) -> &'static str {
    match (lang, verb) {
        (Lang::Zh, "created") => "创建",
        (Lang::Zh, "submitted") => "提交审核",
        (Lang::Zh, "approved") => "审核通过",
        (Lang::Zh, "rejected") => "退回",
        (Lang::Zh, "withdrew") => "撤回",
        (Lang::Zh, "revised") => "重新编辑",
        (Lang::Zh, "new_version") => "上传新版本",
        (Lang::Zh, _) => "其他",
        (Lang::En, "created") => "Created",
        (Lang::En, "submitted") => "Submitted",
        (Lang::En, "approved") => "Approved",
        (Lang::En, "rejected") => "Rejected",
        (Lang::En, "withdrew") => "Withdrawn",
        (Lang::En, "revised") => "Back to draft",
        (Lang::En, "new_version") => "New version",
        (Lang::En, _) => "Other",
    }
}

/// The review step form.
#[derive(Debug, Deserialize)]
pub(crate) struct StepForm {
    step: String,
    #[serde(default)]
    reason: String,
}

impl StepForm {
    pub(crate) fn step(&self) -> Result<Step, WebError> {
        Ok(match self.step.as_str() {
            "submit" => Step::Submit,
            "approve" => Step::Approve,
            "reject" => Step::Reject { reason: self.reason.clone() },
            "withdraw" => Step::Withdraw,
            "revise" => Step::Revise,
            other => return Err(WebError::BadRequest(format!("unknown step `{other}`"))),
        })
    }
}

/// `POST /resources/{id}/step`: takes a review step and returns to the page (or the queue).
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
    step_resource(&*app.store, &app.library, district.as_deref(), &principal.actor, &id, step)
        .await
        .map_err(step_error)?;
    let back = if reviewing { "/review".to_owned() } else { format!("/resources/{id}") };
    Ok(see_other(&back).into_response())
}

/// The version query of the file route.
#[derive(Debug, Deserialize)]
pub(crate) struct FileQuery {
    v: Option<u32>,
    #[serde(default)]
    download: Option<String>,
}

/// `GET /resources/{id}/file?v=N[&download=1]`: the file of a version the viewer may see, with
/// byte ranges (video seeking) and a download count.
pub(crate) async fn file(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(q): Query<FileQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let principal = ctx.principal()?;
    let (record, viewer) = visible_resource(&app, principal, &id).await?;
    let shown = shown_version(&record, &viewer).ok_or(WebError::NotFound)?;
    let version = match q.v {
        // Older published versions are not served; the shown one or the published one is.
        Some(n) if n == shown.number => shown,
        Some(n) if Some(n) == record.published_version => record.published().ok_or(WebError::NotFound)?,
        Some(_) => return Err(WebError::NotFound),
        None => shown,
    };
    let file = version.content.file.as_ref().ok_or(WebError::NotFound)?;
    let attachment = q.download.is_some();
    let first_bytes =
        headers.get(axum::http::header::RANGE).is_none_or(|r| r.to_str().is_ok_and(|r| r.starts_with("bytes=0-")));
    if attachment && first_bytes {
        count_usage(&app, principal, UsageVerb::Downloaded, &id).await?;
    }
    Ok(serve_file(&app, &headers, file, attachment).await)
}

/// `POST /resources/{id}/favourite`: toggles the favourite.
pub(crate) async fn favourite(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let principal = ctx.principal()?;
    visible_resource(&app, principal, &id).await?;
    let on = !app.store.is_favourite(&principal.account.id, "resource", &id).await?;
    app.store.set_favourite(&principal.account.id, "resource", &id, on, Utc::now()).await?;
    let verb = if on { "favourited" } else { "unfavourited" };
    let school = author_school(principal);
    let mut record = usage_record(principal, UsageVerb::Viewed, &id, school.as_deref());
    record.verb = verb.to_owned();
    app.store.append_activity(&[record]).await?;
    Ok(see_other(&format!("/resources/{id}")))
}

/// `POST /resources/{id}/use`: counts a use in a lesson or homework.
pub(crate) async fn use_it(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let principal = ctx.principal()?;
    visible_resource(&app, principal, &id).await?;
    count_usage(&app, principal, UsageVerb::Used, &id).await?;
    reindex_resource(&*app.store, &app.library, &id).await.map_err(step_error)?;
    Ok(see_other(&format!("/resources/{id}")))
}

/// `GET /resources/{id}/edit`: the form for a draft, or for the next version of a published one.
pub(crate) async fn edit_form(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Page<ResourceFormPage>, WebError> {
    let principal = ctx.principal()?;
    let record = app.store.resource(&id).await?.ok_or(WebError::NotFound)?;
    if record.author_id != principal.account.id {
        return Err(WebError::NotFound);
    }
    let latest = record.latest().ok_or(WebError::NotFound)?;
    let content = &latest.content;
    let form = ResourceForm {
        resource_type: record.resource_type.code().to_owned(),
        title: content.title.clone(),
        description: content.description.clone(),
        scope: record.scope.code().to_owned(),
        stage: content.stage.map(|s| s.code().to_owned()).unwrap_or_default(),
        grade: content.grade.map(|g| g.to_string()).unwrap_or_default(),
        subject: content.subject.map(|s| s.code().to_owned()).unwrap_or_default(),
        tags: content.tags.join("，"),
        knowledge_points: content.knowledge_points.join("，"),
        licence: content.licence.clone(),
        source: content.source.clone().unwrap_or_default(),
        link_url: content.link_url.clone().unwrap_or_default(),
        file: content.file.as_ref().map(|f| f.sha256.clone()).unwrap_or_default(),
    };
    if let Some(f) = &content.file {
        app.library.remember_file(f.clone());
    }
    let c = app.chrome(&ctx, Nav::Library).await?;
    let heading = if latest.state == ReviewState::Published { c.m.lib.new_version } else { c.m.lib.revise }.to_owned();
    let school = record.school_id.is_some();
    Ok(Page(ResourceFormPage::new(c, heading, format!("/resources/{id}/edit"), form, school, Vec::new())))
}

/// `POST /resources/{id}/edit`: saves the draft, or starts a new version of a published resource.
pub(crate) async fn save_edit(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Form(form): Form<ResourceForm>,
) -> Result<Response, WebError> {
    let principal = ctx.principal()?;
    let record = app.store.resource(&id).await?.ok_or(WebError::NotFound)?;
    if record.author_id != principal.account.id {
        return Err(WebError::NotFound);
    }
    let latest = record.latest().ok_or(WebError::NotFound)?;
    // The type and scope belong to the resource, not the version.
    let form = ResourceForm {
        resource_type: record.resource_type.code().to_owned(),
        scope: record.scope.code().to_owned(),
        ..form
    };
    match content_of(&app, ctx.lang, &form, &id, principal).await {
        Ok((_, _, content)) => {
            let now = Utc::now();
            match latest.state {
                ReviewState::Draft | ReviewState::Rejected => {
                    if !app.store.update_resource_draft(&id, latest.number, &content, now).await? {
                        return Err(WebError::BadRequest("the version is no longer a draft".to_owned()));
                    }
                }
                ReviewState::Published => {
                    let n = app.store.add_resource_version(&id, &content, now).await?;
                    let mut r = usage_record(principal, UsageVerb::Used, &id, record.school_id.as_deref());
                    r.verb = "new_version".to_owned();
                    r.result = Some(serde_json::json!({ "version": n }));
                    app.store.append_activity(&[r]).await?;
                }
                _ => return Err(WebError::BadRequest("this version cannot be edited".to_owned())),
            }
            reindex_resource(&*app.store, &app.library, &id).await.map_err(step_error)?;
            Ok(see_other(&format!("/resources/{id}")))
        }
        Err(errors) => {
            let c = app.chrome(&ctx, Nav::Library).await?;
            let heading = c.m.lib.revise.to_owned();
            let school = record.school_id.is_some();
            Ok(Page(ResourceFormPage::new(c, heading, format!("/resources/{id}/edit"), form, school, errors))
                .into_response())
        }
    }
}
