//! The paper-homework pages: the sheets and scans page (print, upload, batches), the class's
//! answer sheets as PDF, the upload steps, a batch's report with its progress, the review queue,
//! the scanned images (audited: students' work) and, on a demo instance, filled sheets to try it
//! with. Every route is guarded by `Manage` on the homework: the teachers who run it.

use std::{collections::HashMap, sync::Arc};

use askama::Template;
use axum::{
    Form, Json,
    body::Bytes,
    extract::{Path, Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use blobs::filetype::FileType;
use chrono::Utc;
use domain::{
    homework::{
        Homework,
        paper::{PaperAnswer, PaperItem},
    },
    identity::{AuditAction, AuditEntry},
    items::AnswerKey,
};
use omr::{
    layout::{PrintedStudent, qr_payload},
    render::{Mark, MarkStyle, render_page},
};
use serde::{Deserialize, Serialize};
use store::{CropKind, ScanBatch, ScanPage, ScanStatus};

use super::{Decision, PaperSheet, Scans, paper_sheet, reason, resolve};
use crate::{
    App, RequestContext, WebError,
    guard::see_other,
    homework::report::student_names,
    i18n::scans::ScanMessages,
    pages::{Chrome, Nav, Page, homework::local_time},
};

/// The largest file one upload request may carry (a long scanned PDF, a 50-megapixel photo).
pub const MAX_FILE_BYTES: usize = 64 << 20;
/// Pages listed in the review queue at once.
const REVIEW_PAGE: u32 = 30;

fn status_label(m: &ScanMessages, s: ScanStatus) -> &'static str {
    match s {
        ScanStatus::Queued => m.state_queued,
        ScanStatus::Ready => m.state_ready,
        ScanStatus::Applied => m.state_applied,
        ScanStatus::Review => m.state_review,
        ScanStatus::Duplicate => m.state_duplicate,
        ScanStatus::Failed => m.state_failed,
    }
}

/// A stored reason line in words.
fn reason_text(m: &ScanMessages, line: &str) -> String {
    let (code, detail) = line.split_once(':').unwrap_or((line, ""));
    let text = match code {
        reason::NOT_IMAGE => m.why_not_image,
        reason::UNREADABLE => m.why_unreadable,
        reason::WRONG_SHEET => m.why_wrong_sheet,
        reason::SEAT_UNKNOWN => m.why_seat_unknown,
        reason::SEAT_UNCLEAR => m.why_seat_unclear,
        reason::NO_SEAT => m.why_no_seat,
        reason::UNCLEAR => m.why_unclear,
        reason::QR_GRID => m.why_qr_grid,
        reason::DUPLICATE => m.why_duplicate,
        reason::ALREADY => m.why_already,
        reason::WAITING => m.why_waiting,
        _ => m.why_internal,
    };
    if detail.is_empty() { text.to_owned() } else { format!("{text}: {detail}") }
}

fn image_href(homework_id: &str, blob: &str) -> String {
    format!("/homework/{homework_id}/scans/images/{blob}")
}

/// The batch, if it belongs to the homework in the path.
async fn batch_of(app: &App, homework_id: &str, batch_id: &str) -> Result<ScanBatch, WebError> {
    match app.store.scan_batch(batch_id).await? {
        Some(b) if b.homework_id == homework_id => Ok(b),
        _ => Err(WebError::NotFound),
    }
}

/// One batch in the list.
pub(crate) struct BatchLine {
    pub id: String,
    pub created: String,
    pub pages: u32,
    pub queued: u32,
    pub applied: u32,
    pub review: u32,
    pub failed: u32,
    pub duplicate: u32,
}

#[derive(Template)]
#[template(path = "scan_index.html")]
pub(crate) struct IndexPage {
    c: Chrome,
    h: Arc<Homework>,
    students: usize,
    sheet_pages: usize,
    batches: Vec<BatchLine>,
    review: usize,
}

/// `GET /homework/{id}/scans`.
pub(crate) async fn index(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Page<IndexPage>, WebError> {
    let sheet = paper_sheet(&app, &id).await?;
    let batches = app
        .store
        .scan_batches(&id)
        .await?
        .into_iter()
        .map(|b| BatchLine {
            id: b.batch.id,
            created: local_time(b.batch.created_at),
            pages: b.pages,
            queued: b.queued,
            applied: b.applied,
            review: b.review,
            failed: b.failed,
            duplicate: b.duplicate,
        })
        .collect();
    let review = app.store.scan_pages_in(&id, ScanStatus::Review, REVIEW_PAGE).await?.len();
    let c = app.chrome(&ctx, Nav::Homework).await?;
    Ok(Page(IndexPage {
        c,
        students: sheet.students.len(),
        sheet_pages: sheet.shape.reader.sheet.pages.len(),
        h: sheet.homework,
        batches,
        review,
    }))
}

fn attachment(content_type: &'static str, file_name: &str, body: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{file_name}\"");
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}

/// `GET /homework/{id}/sheets.pdf`: one sheet per student, name and seat number printed.
pub(crate) async fn sheets_pdf(State(app): State<Arc<App>>, Path(id): Path<String>) -> Result<Response, WebError> {
    let sheet = paper_sheet(&app, &id).await?;
    let students: Vec<PrintedStudent> = sheet
        .students
        .iter()
        .map(|(seat, _, name)| PrintedStudent {
            number: seat.clone(),
            name: name.clone(),
            class: sheet.class_name.clone(),
        })
        .collect();
    let layout = sheet.shape.reader.sheet.clone();
    let pdf = tokio::task::spawn_blocking(move || omr::pdf::sheet_pdf(&layout, &students))
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(attachment("application/pdf", &format!("answer-sheets-{id}.pdf"), pdf.bytes))
}

/// What creating a batch answers.
#[derive(Debug, Serialize)]
pub(crate) struct Created {
    batch_id: String,
    files_url: String,
    status_url: String,
    report_url: String,
}

/// `POST /homework/{id}/scans`: a new, empty batch to upload files into.
pub(crate) async fn create_batch(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let principal = ctx.principal()?;
    let sheet = paper_sheet(&app, &id).await?;
    let batch = ScanBatch {
        id: format!("sb-{}", crate::library::new_id()?.get(..16).unwrap_or_default()),
        homework_id: sheet.homework.id.clone(),
        created_by: principal.account.id.clone(),
        created_at: Utc::now(),
    };
    app.store.create_scan_batch(&batch).await?;
    let base = format!("/homework/{id}/scans/{}", batch.id);
    let body = Created {
        files_url: format!("{base}/files"),
        status_url: format!("{base}/status"),
        report_url: base,
        batch_id: batch.id,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[derive(Debug, Deserialize)]
pub(crate) struct FileQuery {
    #[serde(default)]
    name: String,
}

/// A file name as the report shows it: the last path component, at most 100 characters.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    let base: String = base.chars().filter(|c| !c.is_control()).take(100).collect();
    if base.is_empty() { "scan".to_owned() } else { base }
}

/// `POST /homework/{id}/scans/{batch}/files?name=…`: one file, as the request body. Images and the
/// JPEG pages of a scanned PDF are queued for reading; anything else is recorded as failed with the
/// reason, so the batch report lists it and the batch goes on.
pub(crate) async fn add_file(
    State(app): State<Arc<App>>,
    Path((id, batch_id)): Path<(String, String)>,
    Query(q): Query<FileQuery>,
    body: Bytes,
) -> Result<Response, WebError> {
    let batch = batch_of(&app, &id, &batch_id).await?;
    let name = clean_name(&q.name);
    let now = Utc::now();
    let page = |file_name: String, blob: String, status: ScanStatus, reason: String| ScanPage {
        batch_id: batch.id.clone(),
        seq: 0,
        file_name,
        blob,
        status,
        reason,
        student_id: None,
        read: None,
        updated_at: now,
    };
    let mut pages = Vec::new();
    let kind = blobs::filetype::sniff(&body);
    match kind {
        FileType::Jpeg | FileType::Png => {
            match app.library.blobs.put(&format!("scan.{}", kind.extension()), body).await {
                Ok(stored) => pages.push(page(name, stored.sha256, ScanStatus::Queued, String::new())),
                Err(err) => pages.push(page(
                    name,
                    String::new(),
                    ScanStatus::Failed,
                    reason::line(reason::NOT_IMAGE, &err.to_string()),
                )),
            }
        }
        FileType::Pdf => {
            let pdf = body.clone();
            let images = tokio::task::spawn_blocking(move || omr::pdfscan::scanned_pages(&pdf))
                .await
                .map_err(|e| WebError::Internal(e.to_string()))?;
            match images {
                Ok(images) => {
                    for (k, jpeg) in images.into_iter().enumerate() {
                        let file_name = format!("{name}#{}", k + 1);
                        match app.library.blobs.put("scan.jpg", Bytes::from(jpeg)).await {
                            Ok(stored) => pages.push(page(file_name, stored.sha256, ScanStatus::Queued, String::new())),
                            Err(err) => pages.push(page(
                                file_name,
                                String::new(),
                                ScanStatus::Failed,
                                reason::line(reason::NOT_IMAGE, &err.to_string()),
                            )),
                        }
                    }
                }
                Err(err) => pages.push(page(
                    name,
                    String::new(),
                    ScanStatus::Failed,
                    reason::line(reason::NOT_IMAGE, &err.to_string()),
                )),
            }
        }
        other => {
            pages.push(page(name, String::new(), ScanStatus::Failed, reason::line(reason::NOT_IMAGE, other.code())))
        }
    }
    let stored = app.store.add_scan_pages(&batch.id, &pages).await?;
    Scans::kick(&app, &batch);
    let queued = stored.iter().filter(|p| p.status == ScanStatus::Queued).count();
    let failed: Vec<&str> =
        stored.iter().filter(|p| p.status == ScanStatus::Failed).map(|p| p.reason.as_str()).collect();
    Ok(Json(serde_json::json!({ "pages": stored.len(), "queued": queued, "failed": failed })).into_response())
}

/// One page of a batch as the report and the status poll show it.
#[derive(Debug, Serialize)]
pub(crate) struct PageLine {
    pub seq: u32,
    pub file_name: String,
    pub status: ScanStatus,
    pub status_label: &'static str,
    pub student: String,
    pub reasons: Vec<String>,
}

/// A batch's counts and pages.
#[derive(Debug, Serialize)]
pub(crate) struct BatchStatus {
    pub pages: u32,
    pub queued: u32,
    pub applied: u32,
    pub waiting: u32,
    pub review: u32,
    pub duplicate: u32,
    pub failed: u32,
    /// Nothing is left to read.
    pub done: bool,
    pub rows: Vec<PageLine>,
}

async fn batch_status(app: &Arc<App>, ctx: &RequestContext, batch: &ScanBatch) -> Result<BatchStatus, WebError> {
    let m = ctx.lang.messages().scan;
    let (pages, done) = app.scans.look(&batch.id, async { Ok(app.store.scan_pages(&batch.id).await?) }).await?;
    let homework = app.homeworks.homework(&*app.store, &batch.homework_id).await?.ok_or(WebError::NotFound)?;
    let names: HashMap<String, String> = student_names(app, &homework.class_id)
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?
        .into_iter()
        .collect();
    let count = |s: ScanStatus| pages.iter().filter(|p| p.status == s).count() as u32;
    let status = BatchStatus {
        pages: pages.len() as u32,
        queued: count(ScanStatus::Queued),
        applied: count(ScanStatus::Applied),
        waiting: count(ScanStatus::Ready),
        review: count(ScanStatus::Review),
        duplicate: count(ScanStatus::Duplicate),
        failed: count(ScanStatus::Failed),
        done,
        rows: pages
            .iter()
            .map(|p| PageLine {
                seq: p.seq,
                file_name: p.file_name.clone(),
                status: p.status,
                status_label: status_label(m, p.status),
                student: p
                    .student_id
                    .as_ref()
                    .map(|s| names.get(s).cloned().unwrap_or_else(|| s.clone()))
                    .unwrap_or_default(),
                reasons: p.reason.lines().map(|l| reason_text(m, l)).collect(),
            })
            .collect(),
    };
    // A server restart stops a batch's reader: the first look at the batch starts it again.
    if status.queued > 0 && !app.scans.is_running(&batch.id) {
        Scans::kick(app, batch);
    }
    Ok(status)
}

/// `GET /homework/{id}/scans/{batch}/status`: the batch's progress, for the report page to poll.
pub(crate) async fn status(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path((id, batch_id)): Path<(String, String)>,
) -> Result<Json<BatchStatus>, WebError> {
    let batch = batch_of(&app, &id, &batch_id).await?;
    Ok(Json(batch_status(&app, &ctx, &batch).await?))
}

#[derive(Template)]
#[template(path = "scan_batch.html")]
pub(crate) struct BatchPage {
    c: Chrome,
    h: Arc<Homework>,
    batch_id: String,
    created: String,
    s: BatchStatus,
}

/// `GET /homework/{id}/scans/{batch}`: the batch report, with progress while pages are read.
pub(crate) async fn batch(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path((id, batch_id)): Path<(String, String)>,
) -> Result<Page<BatchPage>, WebError> {
    let batch = batch_of(&app, &id, &batch_id).await?;
    let h = app.homeworks.homework(&*app.store, &id).await?.ok_or(WebError::NotFound)?;
    let s = batch_status(&app, &ctx, &batch).await?;
    let c = app.chrome(&ctx, Nav::Homework).await?;
    Ok(Page(BatchPage { c, h, created: local_time(batch.created_at), batch_id: batch.id, s }))
}

/// One unclear item of a page in review, with what the teacher may choose.
pub(crate) struct UnclearItem {
    pub number: usize,
    pub crop: Option<String>,
    /// `choice`, `multiple`, `true_false` or `numeric`.
    pub kind: &'static str,
    /// `(value, printed label)` of each bubble.
    pub options: Vec<(String, String)>,
    pub digits: u8,
}

/// One page in review.
pub(crate) struct ReviewCard {
    pub batch_id: String,
    pub seq: u32,
    pub file_name: String,
    pub reasons: Vec<String>,
    pub student: Option<String>,
    pub student_crop: Option<String>,
    /// The seat number read, to preselect when it names a student.
    pub seat_guess: String,
    pub unclear: Vec<UnclearItem>,
}

#[derive(Template)]
#[template(path = "scan_review.html")]
pub(crate) struct ReviewPage {
    c: Chrome,
    h: Arc<Homework>,
    cards: Vec<ReviewCard>,
    /// `(student id, "07 name")`.
    students: Vec<(String, String)>,
    notice: Option<&'static str>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ReviewQuery {
    done: Option<String>,
}

/// `GET /homework/{id}/scans/review`: the pages waiting for the teacher, with their crops.
pub(crate) async fn review(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(q): Query<ReviewQuery>,
) -> Result<Page<ReviewPage>, WebError> {
    let sheet = paper_sheet(&app, &id).await?;
    let pages = app.store.scan_pages_in(&id, ScanStatus::Review, REVIEW_PAGE).await?;
    let mut cards = Vec::with_capacity(pages.len());
    for p in pages {
        let crops = app.store.scan_crops(&p.batch_id, p.seq).await?;
        let crop_of = |kind: CropKind, field: &str| {
            crops.iter().find(|c| c.kind == kind && c.field == field).map(|c| image_href(&id, &c.blob))
        };
        let read = p.read.clone().unwrap_or_default();
        let unclear = read
            .answers
            .iter()
            .filter(|(_, a)| *a == PaperAnswer::Ambiguous)
            .map(|(i, _)| {
                let number = i + 1;
                let kind = sheet.shape.kinds.get(*i).copied().unwrap_or(PaperItem::Written { height_mm: 0 });
                let (kind, options, digits) = match kind {
                    PaperItem::Choice { options, multiple } => (
                        if multiple { "multiple" } else { "choice" },
                        (0..options).map(|o| char::from(b'A' + o).to_string()).map(|v| (v.clone(), v)).collect(),
                        0,
                    ),
                    PaperItem::TrueFalse => {
                        ("true_false", vec![("T".to_owned(), "√".to_owned()), ("F".to_owned(), "×".to_owned())], 0)
                    }
                    PaperItem::Numeric { digits } => ("numeric", Vec::new(), digits),
                    PaperItem::Written { .. } => ("numeric", Vec::new(), 0),
                };
                UnclearItem { number, crop: crop_of(CropKind::Unclear, &number.to_string()), kind, options, digits }
            })
            .collect();
        cards.push(ReviewCard {
            student: p
                .student_id
                .as_ref()
                .map(|s| sheet.student(s).map_or_else(|| s.clone(), |(seat, _, name)| format!("{seat} {name}"))),
            student_crop: crop_of(CropKind::Student, "student"),
            seat_guess: sheet.seats.get(&read.seat).cloned().unwrap_or_default(),
            reasons: p.reason.lines().map(|l| reason_text(ctx.lang.messages().scan, l)).collect(),
            batch_id: p.batch_id,
            seq: p.seq,
            file_name: p.file_name,
            unclear,
        });
    }
    let m = ctx.lang.messages().scan;
    let notice = match q.done.as_deref() {
        Some("1") => Some(m.resolved_ok),
        Some(_) => Some(m.already_resolved),
        None => None,
    };
    let students = sheet.students.iter().map(|(seat, id, name)| (id.clone(), format!("{seat} {name}"))).collect();
    let c = app.chrome(&ctx, Nav::Homework).await?;
    Ok(Page(ReviewPage { c, h: sheet.homework, cards, students, notice }))
}

/// `POST /homework/{id}/scans/{batch}/{seq}/resolve`: the teacher's decisions on a page in review
/// (`student`, and `item-N` for each unclear item: one value per marked bubble, none for blank).
pub(crate) async fn resolve_page(
    State(app): State<Arc<App>>,
    Path((id, batch_id, seq)): Path<(String, String, u32)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    batch_of(&app, &id, &batch_id).await?;
    let page = app.store.scan_page(&batch_id, seq).await?.ok_or(WebError::NotFound)?;
    let sheet = paper_sheet(&app, &id).await?;
    let mut given: HashMap<usize, Vec<String>> = HashMap::new();
    let mut student_id = None;
    for (key, value) in fields {
        let value = value.trim();
        if key == "student" && !value.is_empty() {
            student_id = Some(value.to_owned());
        } else if let Some(n) = key.strip_prefix("item-").and_then(|n| n.parse::<usize>().ok()) {
            given.entry(n).or_default().push(value.to_uppercase());
        }
    }
    let values = given
        .into_iter()
        .map(|(n, parts)| {
            let value = match sheet.shape.kinds.get(n.wrapping_sub(1)) {
                // A multiple choice sends one value per ticked box: in printed order, once each.
                Some(PaperItem::Choice { .. }) => {
                    let mut letters: Vec<char> = parts.concat().chars().collect();
                    letters.sort_unstable();
                    letters.dedup();
                    letters.into_iter().collect()
                }
                _ => parts.concat(),
            };
            (n, value)
        })
        .collect();
    let done = resolve(&app, &sheet, page, Decision { student_id, values }).await?;
    Ok(see_other(&format!("/homework/{id}/scans/review?done={}", if done { "1" } else { "0" })))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ImagePath {
    id: String,
    blob: String,
}

/// `GET /homework/{id}/scans/images/{blob}`: a page image or crop of this homework. Every view is
/// in the audit log: it is a student's work.
pub(crate) async fn image(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(ImagePath { id, blob }): Path<ImagePath>,
) -> Result<Response, WebError> {
    if blob.len() != 64 || !blob.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(WebError::NotFound);
    }
    if !app.store.scan_image_of(&id, &blob).await? {
        return Err(WebError::NotFound);
    }
    let principal = ctx.principal()?;
    let homework = app.homeworks.homework(&*app.store, &id).await?.ok_or(WebError::NotFound)?;
    let entry = AuditEntry {
        school_id: Some(homework.school_id.clone()),
        detail: Some(format!("scan image {}", &blob[..12])),
        ..principal.audit(ctx.ip.clone(), AuditAction::ViewStudentWork, "homework", &id)
    };
    app.store.append_audit(&entry).await?;
    let bytes = app.library.blobs.get(&blob).await.map_err(|e| WebError::Internal(e.to_string()))?;
    let content_type = match blobs::filetype::sniff(&bytes) {
        FileType::Png => "image/png",
        FileType::Jpeg => "image/jpeg",
        _ => "application/octet-stream",
    };
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600"));
    Ok(response)
}

/// A deterministic stream of numbers in 0..1 for the simulated class.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % 10_000) as f64 / 10_000.0
    }
}

/// The marks a simulated student makes on one page: the key's answer most of the time, a wrong one
/// otherwise; with `unclear`, the first bubbled item also gets a half-hearted second mark that a
/// teacher must decide.
pub fn simulated_marks(sheet: &PaperShapeView<'_>, page: &omr::layout::Page, seed: u64, unclear: bool) -> Vec<Mark> {
    let mut dice = Dice(seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407) | 1);
    let mut marks = Vec::new();
    let pen = |field: String, value: String, dice: &mut Dice| Mark {
        field,
        value,
        style: MarkStyle::Pen,
        coverage: 0.9 + 0.1 * dice.next(),
        seed: (dice.next() * 1e9) as u64,
    };
    let mut unclear_left = unclear;
    for (i, kind) in sheet.kinds.iter().enumerate() {
        let label = (i + 1).to_string();
        let on_page = page.fields.iter().any(|f| f.field == label || f.field.starts_with(&format!("{label}.")));
        if !on_page {
            continue;
        }
        let right = dice.next() < 0.75;
        let key = sheet.keys.get(i).and_then(|k| k.as_ref());
        match *kind {
            PaperItem::Choice { options, .. } => {
                let letters: Vec<String> = (0..options).map(|o| char::from(b'A' + o).to_string()).collect();
                let chosen: Vec<String> = match key {
                    Some(AnswerKey::Choices(k)) if right && !k.is_empty() => k.clone(),
                    _ => vec![letters[(dice.next() * f64::from(options)) as usize % letters.len()].clone()],
                };
                for v in &chosen {
                    marks.push(pen(label.clone(), v.clone(), &mut dice));
                }
                if unclear_left && let Some(other) = letters.iter().find(|l| !chosen.contains(l)) {
                    marks.push(Mark {
                        field: label.clone(),
                        value: other.clone(),
                        style: MarkStyle::Pencil { level: 140 },
                        coverage: 1.0,
                        seed: 7,
                    });
                    unclear_left = false;
                }
            }
            PaperItem::TrueFalse => {
                let truth = matches!(key, Some(AnswerKey::TrueFalse(true)));
                let said = if right { truth } else { !truth };
                marks.push(pen(label.clone(), if said { "T" } else { "F" }.to_owned(), &mut dice));
            }
            PaperItem::Numeric { digits } => {
                let answer = match key {
                    Some(AnswerKey::Blanks(b)) => b
                        .first()
                        .and_then(|a| a.iter().find(|v| !v.is_empty() && v.bytes().all(|c| c.is_ascii_digit())))
                        .cloned(),
                    _ => None,
                };
                let mut value = answer.unwrap_or_else(|| "0".to_owned());
                if !right {
                    value = value.parse::<u64>().map(|n| (n + 1).to_string()).unwrap_or(value);
                }
                let value: String =
                    value.chars().rev().take(digits as usize).collect::<Vec<_>>().into_iter().rev().collect();
                let start = digits as usize - value.len() + 1;
                for (k, ch) in value.chars().enumerate() {
                    marks.push(pen(format!("{label}.{}", start + k), ch.to_string(), &mut dice));
                }
            }
            PaperItem::Written { .. } => {}
        }
    }
    marks
}

/// What [`simulated_marks`] needs of a paper homework: how each item is printed and its key.
pub struct PaperShapeView<'a> {
    pub kinds: &'a [PaperItem],
    pub keys: Vec<Option<&'a AnswerKey>>,
}

fn view(sheet: &PaperSheet) -> PaperShapeView<'_> {
    PaperShapeView {
        kinds: &sheet.shape.kinds,
        keys: sheet.items.iter().map(|(_, b)| b.as_deref().map(|i| &i.answer)).collect(),
    }
}

/// `GET /homework/{id}/scans/demo-filled.pdf` (demo instances only): the class's sheets filled in by
/// a simulated class and "scanned", as a scanner's PDF. The second student leaves one unclear mark.
pub(crate) async fn demo_filled(State(app): State<Arc<App>>, Path(id): Path<String>) -> Result<Response, WebError> {
    if !app.demo {
        return Err(WebError::NotFound);
    }
    let sheet = paper_sheet(&app, &id).await?;
    let mut jobs = Vec::new();
    let v = view(&sheet);
    for (n, (seat, _, _)) in sheet.students.iter().enumerate() {
        for page in &sheet.shape.reader.sheet.pages {
            let marks =
                simulated_marks(&v, page, (n as u64 + 1) * 1_000 + u64::from(page.number), n == 1 && page.number == 1);
            jobs.push((page.clone(), qr_payload(&id, page.number, Some(seat)), marks));
        }
    }
    let pdf = tokio::task::spawn_blocking(move || {
        let mut images = Vec::with_capacity(jobs.len());
        for (page, qr, marks) in &jobs {
            let mut img = render_page(page, qr, 6.0, marks)?;
            for (k, b) in page.boxes.iter().enumerate() {
                scribble(&mut img, b.rect, 6.0, k as u64 + marks.len() as u64);
            }
            images.push(img);
        }
        omr::imagepdf::images_pdf(&images, 210.0, 297.0, 80)
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))?
    .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(attachment("application/pdf", &format!("demo-filled-{id}.pdf"), pdf))
}

/// Pen strokes in a written-answer box, lines of wavy "handwriting", so the marking page shows
/// something to mark.
fn scribble(img: &mut omr::imaging::Gray, rect: omr::layout::Rect, px_per_mm: f64, seed: u64) {
    let phase = (seed % 17) as f64;
    let mut y = rect.y + 12.0;
    let mut line = 0;
    while y + 4.0 < rect.y + rect.h && line < 4 {
        let end = rect.x + rect.w * (0.55 + 0.1 * ((seed + line) % 4) as f64);
        let mut x = rect.x + 6.0;
        while x < end {
            let dy = 1.4 * (x * 2.1 + phase).sin() + 0.7 * (x * 5.3 + phase).sin();
            let (cx, cy) = (x * px_per_mm, (y + dy) * px_per_mm);
            for oy in -1..=1 {
                for ox in -1..=1 {
                    let (px, py) = (cx as isize + ox, cy as isize + oy);
                    if px >= 0 && py >= 0 && (px as usize) < img.width && (py as usize) < img.height {
                        img.data[py as usize * img.width + px as usize] = 50;
                    }
                }
            }
            // A gap between "characters".
            x += if (x * 0.9 + phase).sin() > 0.95 { 1.5 } else { 0.08 };
        }
        y += 9.0;
        line += 1;
    }
}
