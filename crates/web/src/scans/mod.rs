//! Paper homework from scans (答题卡): printing a class's sheets, reading uploaded batches of photos
//! and scans in the background, matching each sheet to a student, handing the answers in (graded
//! like online work, written answers cut out for the marking page) and the review queue for what
//! the machine must not guess. Reading is `omr`'s, the grading rules `domain::homework::paper`'s;
//! this module fetches, runs and stores.
//!
//! Reading is bounded: one page at a time on a blocking thread ([`READERS`]), whatever the number
//! of batches, so a class's photos never starve the request threads. A page whose reading fails
//! is recorded with its reason and the batch goes on.

pub(crate) mod pages;
mod read;

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    sync::{Arc, Mutex},
};

use axum::body::Bytes;
use chrono::Utc;
use domain::{
    homework::{
        Homework, HomeworkItem, Mode,
        paper::{PaperAnswer, PaperItem, check_decision, grade_sheet, seats},
    },
    items::Item,
};
pub use read::{PaperShape, Seat, SheetOutcome, layout_for, read_sheet};
use store::{HomeworkWrite, ScanBatch, ScanCrop, ScanPage, ScanStatus, WriteOutcome};
use tokio::sync::Semaphore;

use crate::{
    App, WebError,
    homework::{homework_activity, student_actor},
};

/// Pages read at the same time, server-wide.
pub const READERS: usize = 1;

/// The background readers' state.
pub struct Scans {
    permits: Semaphore,
    /// Batches a task is reading now.
    running: Mutex<HashSet<String>>,
}

impl Default for Scans {
    fn default() -> Self {
        Scans { permits: Semaphore::new(READERS), running: Mutex::new(HashSet::new()) }
    }
}

impl std::fmt::Debug for Scans {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scans").finish_non_exhaustive()
    }
}

/// A paper homework with everything its sheets need.
pub(crate) struct PaperSheet {
    pub homework: Arc<Homework>,
    pub shape: Arc<PaperShape>,
    /// The homework's items with their bank records, in order.
    pub items: Vec<(HomeworkItem, Option<Arc<Item>>)>,
    /// Seat number → student id.
    pub seats: BTreeMap<String, String>,
    /// `(seat, student id, name)` in seat order.
    pub students: Vec<(String, String, String)>,
    pub class_name: String,
}

impl PaperSheet {
    /// A student's seat and name.
    pub fn student(&self, id: &str) -> Option<&(String, String, String)> {
        self.students.iter().find(|(_, s, _)| s == id)
    }
}

/// The paper homework `id` and its sheet; refused for online homework.
pub(crate) async fn paper_sheet(app: &App, id: &str) -> Result<PaperSheet, WebError> {
    let homework = app.homeworks.homework(&*app.store, id).await?.ok_or(WebError::NotFound)?;
    if homework.mode != Mode::Paper {
        return Err(WebError::BadRequest("this homework is answered online, not on paper sheets".into()));
    }
    let ids: Vec<String> = homework.items.iter().map(|i| i.item_id.clone()).collect();
    let bank = app.homeworks.items(&*app.store, &ids).await?;
    let items: Vec<(HomeworkItem, Option<Arc<Item>>)> =
        homework.items.iter().map(|i| (i.clone(), bank.get(&i.item_id).cloned())).collect();
    let kinds: Vec<PaperItem> = items.iter().map(|(_, b)| PaperItem::of(b.as_deref())).collect();
    let submissions = app.store.submissions(id).await?;
    let class = app.store.class_detail(&homework.class_id).await?;
    let roster: HashMap<&str, (&str, &str)> = class
        .as_ref()
        .map(|c| {
            c.students.iter().map(|(s, _)| (s.id.as_str(), (s.student_number.as_str(), s.name.as_str()))).collect()
        })
        .unwrap_or_default();
    let numbered: Vec<(String, String)> = submissions
        .iter()
        .map(|s| {
            let number = roster.get(s.student_id.as_str()).map_or(s.student_id.as_str(), |(n, _)| n);
            (s.student_id.clone(), number.to_owned())
        })
        .collect();
    let seats = seats(&numbered);
    let students = seats
        .iter()
        .map(|(seat, sid)| {
            let name = roster.get(sid.as_str()).map_or(sid.as_str(), |(_, n)| n);
            (seat.clone(), sid.clone(), name.to_owned())
        })
        .collect();
    let shape = PaperShape::new(&homework, kinds, submissions.len())
        .map_err(|e| WebError::BadRequest(format!("the answer sheet cannot be laid out: {e}")))?;
    Ok(PaperSheet {
        class_name: class.map(|c| c.class.name).unwrap_or_default(),
        homework,
        shape: Arc::new(shape),
        items,
        seats,
        students,
    })
}

/// Why a page failed, waits or went to review, stored as `code:detail` lines and put in words by
/// the pages in the reader's language.
pub mod reason {
    /// The file is not a JPEG, PNG or a PDF of scanned JPEG pages.
    pub const NOT_IMAGE: &str = "not_image";
    /// `omr` could not read it: corner markers, alignment, an unreadable QR on a multi-page sheet.
    pub const UNREADABLE: &str = "unreadable";
    /// The QR code names another homework.
    pub const WRONG_SHEET: &str = "wrong_sheet";
    pub const SEAT_UNKNOWN: &str = "seat_unknown";
    pub const SEAT_UNCLEAR: &str = "seat_unclear";
    pub const NO_SEAT: &str = "no_seat";
    /// Item numbers with an undecided mark.
    pub const UNCLEAR: &str = "unclear";
    /// Matched by the number grid because the QR code was unreadable.
    pub const QR_GRID: &str = "qr_grid";
    /// Another image of the same student's page came first (`batch#seq`).
    pub const DUPLICATE: &str = "duplicate";
    /// The student's work was already handed in another way.
    pub const ALREADY: &str = "already_submitted";
    /// Waiting for the student's other pages.
    pub const WAITING: &str = "waiting";
    pub const INTERNAL: &str = "internal";

    /// One reason line.
    pub fn line(code: &str, detail: &str) -> String {
        format!("{code}:{}", detail.replace('\n', " "))
    }
}

impl Scans {
    /// Starts reading a batch's queued pages unless a task is at it already.
    pub(crate) fn kick(app: &Arc<App>, batch: &ScanBatch) {
        if !app.scans.claim(&batch.id) {
            return;
        }
        let app = app.clone();
        let batch = batch.clone();
        tokio::spawn(async move {
            loop {
                if let Err(err) = run(&app, &batch).await {
                    tracing::warn!(batch = %batch.id, error = %err, "reading scans stopped");
                }
                app.scans.release(&batch.id);
                // Pages added while the task was finishing: go on (unless another task took over).
                let more = app
                    .store
                    .scan_pages(&batch.id)
                    .await
                    .map(|p| p.iter().any(|p| p.status == ScanStatus::Queued))
                    .unwrap_or(false);
                if !more || !app.scans.claim(&batch.id) {
                    break;
                }
            }
        });
    }

    /// A batch's pages, loaded by `pages`, and whether reading them is over: no page waits to be
    /// read and no task is at work on the batch. The pages alone cannot tell: a task stores a page
    /// as read (`ready`) a moment before it hands the student's work in, so a look in between would
    /// call the batch done with that page still shown as waiting. The task is asked before and
    /// after the pages are loaded, so one that finishes or starts meanwhile counts as at work.
    pub(crate) async fn look(
        &self,
        batch_id: &str,
        pages: impl Future<Output = Result<Vec<ScanPage>, WebError>>,
    ) -> Result<(Vec<ScanPage>, bool), WebError> {
        let idle_before = !self.is_running(batch_id);
        let pages = pages.await?;
        let idle = idle_before && !self.is_running(batch_id);
        let done = idle && !pages.iter().any(|p| p.status == ScanStatus::Queued);
        Ok((pages, done))
    }

    /// Whether a task is reading this batch now.
    pub(crate) fn is_running(&self, batch_id: &str) -> bool {
        self.running.lock().map(|r| r.contains(batch_id)).unwrap_or(false)
    }

    fn claim(&self, batch_id: &str) -> bool {
        self.running.lock().map(|mut r| r.insert(batch_id.to_owned())).unwrap_or(false)
    }

    fn release(&self, batch_id: &str) {
        if let Ok(mut r) = self.running.lock() {
            r.remove(batch_id);
        }
    }
}

/// Reads every queued page of a batch, in order, until none is left.
async fn run(app: &Arc<App>, batch: &ScanBatch) -> Result<(), WebError> {
    let sheet = match paper_sheet(app, &batch.homework_id).await {
        Ok(sheet) => sheet,
        Err(err) => {
            for page in app.store.scan_pages(&batch.id).await?.into_iter().filter(|p| p.status == ScanStatus::Queued) {
                let failed = ScanPage {
                    status: ScanStatus::Failed,
                    reason: reason::line(reason::INTERNAL, &err.to_string()),
                    updated_at: Utc::now(),
                    ..page
                };
                app.store.update_scan_page(&failed, ScanStatus::Queued).await?;
            }
            return Ok(());
        }
    };
    loop {
        let queued: Vec<ScanPage> =
            app.store.scan_pages(&batch.id).await?.into_iter().filter(|p| p.status == ScanStatus::Queued).collect();
        if queued.is_empty() {
            return Ok(());
        }
        for page in queued {
            let key = (page.batch_id.clone(), page.seq);
            if let Err(err) = process(app, &sheet, page.clone()).await {
                // The page fails alone (and is not read again and again); if even that cannot be
                // recorded, the store is down and the reader stops until the batch is looked at.
                tracing::error!(batch = %key.0, seq = key.1, error = %err, "a scan could not be processed");
                let failed = ScanPage {
                    status: ScanStatus::Failed,
                    reason: reason::line(reason::INTERNAL, ""),
                    updated_at: Utc::now(),
                    ..page
                };
                app.store.update_scan_page(&failed, ScanStatus::Queued).await?;
            }
        }
    }
}

/// Reads one page and records what became of it; a ready page is handed in with the student's
/// other pages.
async fn process(app: &Arc<App>, sheet: &PaperSheet, page: ScanPage) -> Result<(), WebError> {
    let failed = |code: &str, detail: &str| ScanPage {
        status: ScanStatus::Failed,
        reason: reason::line(code, detail),
        updated_at: Utc::now(),
        ..page.clone()
    };
    let bytes = match app.library.blobs.get(&page.blob).await {
        Ok(bytes) => bytes,
        Err(err) => {
            tracing::error!(blob = %page.blob, error = %err, "scan image missing from the file store");
            app.store.update_scan_page(&failed(reason::INTERNAL, "the image is missing"), ScanStatus::Queued).await?;
            return Ok(());
        }
    };
    let result = {
        let _permit = app.scans.permits.acquire().await.map_err(|e| WebError::Internal(e.to_string()))?;
        let shape = sheet.shape.clone();
        tokio::task::spawn_blocking(move || read_sheet(&shape, &bytes)).await
    };
    let outcome = match result {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(omr::OmrError::WrongSheet { found, .. })) => {
            app.store.update_scan_page(&failed(reason::WRONG_SHEET, &found), ScanStatus::Queued).await?;
            return Ok(());
        }
        Ok(Err(err)) if err.is_user_error() => {
            app.store.update_scan_page(&failed(reason::UNREADABLE, &err.to_string()), ScanStatus::Queued).await?;
            return Ok(());
        }
        Ok(Err(err)) => {
            tracing::error!(batch = %page.batch_id, seq = page.seq, error = %err, "reading a scan failed");
            app.store.update_scan_page(&failed(reason::INTERNAL, "reading failed"), ScanStatus::Queued).await?;
            return Ok(());
        }
        Err(err) => {
            tracing::error!(batch = %page.batch_id, seq = page.seq, error = %err, "the scan reader panicked");
            app.store.update_scan_page(&failed(reason::INTERNAL, "reading failed"), ScanStatus::Queued).await?;
            return Ok(());
        }
    };
    let homework_id = sheet.homework.id.clone();
    let (student, mut reasons) = match &outcome.seat {
        Seat::Known(seat) => match sheet.seats.get(seat) {
            Some(id) => (Some(id.clone()), Vec::new()),
            None => (None, vec![reason::line(reason::SEAT_UNKNOWN, seat)]),
        },
        Seat::Unclear(seat) => (None, vec![reason::line(reason::SEAT_UNCLEAR, seat)]),
        Seat::Absent => (None, vec![reason::line(reason::NO_SEAT, "")]),
    };
    let unclear: Vec<String> = outcome
        .read
        .answers
        .iter()
        .filter(|(_, a)| *a == PaperAnswer::Ambiguous)
        .map(|(i, _)| (i + 1).to_string())
        .collect();
    if !unclear.is_empty() {
        reasons.push(reason::line(reason::UNCLEAR, &unclear.join(",")));
    }
    if outcome.read.qr_unreadable && student.is_some() {
        reasons.push(reason::line(reason::QR_GRID, ""));
    }
    let mut crops = Vec::with_capacity(outcome.crops.len());
    for (kind, field, png) in outcome.crops {
        let stored = app
            .library
            .blobs
            .put(&format!("{}-{field}.png", kind.code()), Bytes::from(png))
            .await
            .map_err(|e| WebError::Internal(e.to_string()))?;
        crops.push(ScanCrop {
            homework_id: homework_id.clone(),
            batch_id: page.batch_id.clone(),
            seq: page.seq,
            kind,
            field,
            blob: stored.sha256,
            student_id: student.clone(),
        });
    }
    app.store.put_scan_crops(&crops).await?;
    let status = if student.is_none() || !unclear.is_empty() { ScanStatus::Review } else { ScanStatus::Ready };
    let read = ScanPage {
        status,
        reason: reasons.join("\n"),
        student_id: student.clone(),
        read: Some(outcome.read),
        updated_at: Utc::now(),
        ..page
    };
    if !app.store.update_scan_page(&read, ScanStatus::Queued).await? {
        return Ok(());
    }
    if let (ScanStatus::Ready, Some(student)) = (status, student) {
        settle(app, sheet, &student).await?;
    }
    Ok(())
}

/// Hands a student's work in once every page of their sheet is read: duplicates of a page already
/// counted are set aside, then the answers of all pages are graded and submitted together.
pub(crate) async fn settle(app: &App, sheet: &PaperSheet, student_id: &str) -> Result<(), WebError> {
    let homework = &sheet.homework;
    let pages = app.store.student_scan_pages(&homework.id, student_id).await?;
    let number = |p: &ScanPage| p.read.as_ref().map_or(0, |r| r.page);
    let applied: HashMap<u32, &ScanPage> =
        pages.iter().filter(|p| p.status == ScanStatus::Applied).map(|p| (number(p), p)).collect();
    let mut ready: BTreeMap<u32, &ScanPage> = BTreeMap::new();
    let now = Utc::now();
    for p in pages.iter().filter(|p| p.status == ScanStatus::Ready) {
        let n = number(p);
        let first = applied.get(&n).or_else(|| ready.get(&n)).copied();
        if let Some(first) = first {
            let detail = format!("{}#{}", first.batch_id, first.seq);
            let dup = ScanPage {
                status: ScanStatus::Duplicate,
                reason: reason::line(reason::DUPLICATE, &detail),
                updated_at: now,
                ..p.clone()
            };
            app.store.update_scan_page(&dup, ScanStatus::Ready).await?;
            continue;
        }
        if !applied.is_empty() {
            // The work was handed in from these scans already; a new page cannot change it.
            let late = ScanPage {
                status: ScanStatus::Duplicate,
                reason: reason::line(reason::ALREADY, ""),
                updated_at: now,
                ..p.clone()
            };
            app.store.update_scan_page(&late, ScanStatus::Ready).await?;
            continue;
        }
        ready.insert(n, p);
    }
    let total = sheet.shape.reader.sheet.pages.len();
    if ready.is_empty() {
        return Ok(());
    }
    if ready.len() < total {
        let missing: Vec<String> =
            (1..=total as u32).filter(|n| !ready.contains_key(n)).map(|n| n.to_string()).collect();
        for p in ready.values() {
            let waiting =
                ScanPage { reason: reason::line(reason::WAITING, &missing.join(",")), updated_at: now, ..(*p).clone() };
            app.store.update_scan_page(&waiting, ScanStatus::Ready).await?;
        }
        return Ok(());
    }
    let mut answers = vec![PaperAnswer::Blank; sheet.items.len()];
    for p in ready.values() {
        for (i, a) in p.read.iter().flat_map(|r| &r.answers) {
            if let Some(slot) = answers.get_mut(*i) {
                *slot = a.clone();
            }
        }
    }
    let items: Vec<(HomeworkItem, Option<&Item>)> =
        sheet.items.iter().map(|(h, b)| (h.clone(), b.as_deref())).collect();
    let graded = match grade_sheet(&items, &answers, now) {
        Ok(graded) => graded,
        Err(problem) => {
            for p in ready.values() {
                let back = ScanPage {
                    status: ScanStatus::Review,
                    reason: reason::line(reason::UNCLEAR, &problem.to_string()),
                    updated_at: now,
                    ..(*p).clone()
                };
                app.store.update_scan_page(&back, ScanStatus::Ready).await?;
            }
            return Ok(());
        }
    };
    let first = ready.values().next().map(|p| format!("scan-{}-{}", p.batch_id, p.seq)).unwrap_or_default();
    let activity = homework_activity(
        student_actor(student_id),
        "submitted",
        homework,
        Some(serde_json::json!({ "paper": true, "scan": first, "answered": graded.len(), "items": items.len() })),
        now,
    );
    let write = HomeworkWrite::Submit {
        homework_id: homework.id.clone(),
        student_id: student_id.to_owned(),
        key: first,
        at: now,
        late: false,
        answers: graded,
        activity,
    };
    let (status, why) = match app.homeworks.queue.apply(write).await? {
        WriteOutcome::Done => {
            // A paper sheet counts towards mastery at once, like an answer handed in online.
            app.learning.submitted(&homework.id, student_id);
            (ScanStatus::Applied, None)
        }
        WriteOutcome::AlreadySubmitted => (ScanStatus::Duplicate, Some(reason::line(reason::ALREADY, ""))),
        WriteOutcome::NotAssigned | WriteOutcome::NotSubmitted => {
            (ScanStatus::Failed, Some(reason::line(reason::SEAT_UNKNOWN, student_id)))
        }
    };
    for p in ready.values() {
        // A note that the QR code was unreadable stays with the applied page.
        let kept: Vec<&str> = p.reason.lines().filter(|l| l.starts_with(reason::QR_GRID)).collect();
        let done = ScanPage {
            status,
            reason: why.clone().unwrap_or_else(|| kept.join("\n")),
            updated_at: now,
            ..(*p).clone()
        };
        app.store.update_scan_page(&done, ScanStatus::Ready).await?;
    }
    Ok(())
}

/// A teacher's decisions on a page in review: whose sheet it is (when not read) and the value of
/// each unclear item (`""` for blank), by 1-based item number.
pub(crate) struct Decision {
    pub student_id: Option<String>,
    pub values: HashMap<usize, String>,
}

/// Applies a teacher's decisions to a page in review, then hands the work in if it is complete.
/// Returns false when the page was no longer in review (resolved in another tab).
pub(crate) async fn resolve(
    app: &App,
    sheet: &PaperSheet,
    page: ScanPage,
    decision: Decision,
) -> Result<bool, WebError> {
    if page.status != ScanStatus::Review {
        return Ok(false);
    }
    let student = match (&page.student_id, decision.student_id) {
        (Some(known), _) => known.clone(),
        (None, Some(chosen)) if sheet.seats.values().any(|s| *s == chosen) => chosen,
        (None, Some(_)) => return Err(WebError::BadRequest("student: not a student of this homework".into())),
        (None, None) => return Err(WebError::BadRequest("student: choose whose sheet this is".into())),
    };
    let mut read = page.read.clone().unwrap_or_default();
    for (i, answer) in &mut read.answers {
        if *answer != PaperAnswer::Ambiguous {
            continue;
        }
        let number = *i + 1;
        let kind = sheet.shape.kinds.get(*i).copied().unwrap_or(PaperItem::Written { height_mm: 0 });
        let given = decision
            .values
            .get(&number)
            .ok_or_else(|| WebError::BadRequest(format!("item {number}: choose what is marked")))?;
        let decided = if given.is_empty() { PaperAnswer::Blank } else { PaperAnswer::Marked(given.clone()) };
        check_decision(kind, number, &decided).map_err(|e| WebError::BadRequest(e.to_string()))?;
        *answer = decided;
    }
    let kept: Vec<&str> = page.reason.lines().filter(|l| l.starts_with(reason::QR_GRID)).collect();
    let resolved = ScanPage {
        status: ScanStatus::Ready,
        reason: kept.join("\n"),
        student_id: Some(student.clone()),
        read: Some(read),
        updated_at: Utc::now(),
        ..page
    };
    if !app.store.update_scan_page(&resolved, ScanStatus::Review).await? {
        return Ok(false);
    }
    settle(app, sheet, &student).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(seq: u32, status: ScanStatus) -> ScanPage {
        ScanPage {
            batch_id: "sb-1".to_owned(),
            seq,
            file_name: format!("{seq}.jpg"),
            blob: String::new(),
            status,
            reason: String::new(),
            student_id: None,
            read: None,
            updated_at: Utc::now(),
        }
    }

    async fn done(scans: &Scans, pages: Vec<ScanPage>, meanwhile: impl FnOnce()) -> bool {
        let load = async move {
            meanwhile();
            Ok(pages)
        };
        scans.look("sb-1", load).await.unwrap().1
    }

    #[tokio::test]
    async fn a_batch_is_done_when_nothing_is_queued_and_no_task_is_at_it() {
        let scans = Scans::default();
        let read = vec![page(1, ScanStatus::Applied), page(2, ScanStatus::Ready)];
        assert!(done(&scans, read.clone(), || {}).await, "a ready page waits for the student's other pages");
        assert!(!done(&scans, vec![page(1, ScanStatus::Queued)], || {}).await);

        // The task stored page 2 as read and is handing the work in: not done, whatever the pages say.
        assert!(scans.claim("sb-1"));
        assert!(!done(&scans, read.clone(), || {}).await);
        assert!(!done(&scans, read.clone(), || scans.release("sb-1")).await, "finished while the pages loaded");
        assert!(done(&scans, read.clone(), || {}).await);
        assert!(!done(&scans, read.clone(), || assert!(scans.claim("sb-1"))).await, "started while they loaded");
        scans.release("sb-1");
        assert!(done(&scans, read, || {}).await);
    }
}
