//! Scanned answer sheets' SQL, rows and assembly, shared by both backends.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, types::Json};
use store::{CropKind, ScanBatch, ScanBatchSummary, ScanCrop, ScanPage, ScanStatus, SheetRead, StoreError};

pub const INSERT_BATCH: &str =
    "INSERT INTO scan_batches (id, homework_id, created_by, created_at) VALUES ($1, $2, $3, $4)";

pub const BATCH_BY_ID: &str = "SELECT id, homework_id, created_by, created_at FROM scan_batches WHERE id = $1";

/// A homework's batches with their page counts, newest first.
pub const BATCHES_OF_HOMEWORK: &str = "SELECT b.id, b.homework_id, b.created_by, b.created_at, \
    CAST(COUNT(p.seq) AS BIGINT) AS pages, \
    CAST(COALESCE(SUM(CASE WHEN p.status = 'queued' THEN 1 ELSE 0 END), 0) AS BIGINT) AS queued, \
    CAST(COALESCE(SUM(CASE WHEN p.status = 'applied' THEN 1 ELSE 0 END), 0) AS BIGINT) AS applied, \
    CAST(COALESCE(SUM(CASE WHEN p.status = 'ready' THEN 1 ELSE 0 END), 0) AS BIGINT) AS waiting, \
    CAST(COALESCE(SUM(CASE WHEN p.status = 'review' THEN 1 ELSE 0 END), 0) AS BIGINT) AS review, \
    CAST(COALESCE(SUM(CASE WHEN p.status = 'duplicate' THEN 1 ELSE 0 END), 0) AS BIGINT) AS duplicate, \
    CAST(COALESCE(SUM(CASE WHEN p.status = 'failed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS failed \
    FROM scan_batches b LEFT JOIN scan_pages p ON p.batch_id = b.id WHERE b.homework_id = $1 \
    GROUP BY b.id, b.homework_id, b.created_by, b.created_at ORDER BY b.created_at DESC, b.id DESC";

/// The first statement of adding pages: a write on the batch's row (changing nothing) that holds
/// the batch for the rest of the transaction, so uploads into one batch number their pages one
/// after the other. It must come before any read: SQLite waits out a busy database (its busy
/// timeout) only for a transaction that has not read yet; one that read first fails at once with
/// "database is locked" when another connection is writing, such as the batch's reader recording
/// a page. On PostgreSQL it is the row lock two uploads would otherwise race past, both taking the
/// same next number. Answers the batch's homework; no row when there is no such batch.
pub const HOLD_BATCH: &str = "UPDATE scan_batches SET created_at = created_at WHERE id = $1 RETURNING homework_id";

pub const LAST_SEQ: &str = "SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM scan_pages WHERE batch_id = $1";

pub const INSERT_PAGE: &str = "INSERT INTO scan_pages \
    (batch_id, seq, homework_id, file_name, blob, status, reason, student_id, reading, updated_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

const PAGE_SELECT: &str =
    "SELECT batch_id, seq, file_name, blob, status, reason, student_id, reading, updated_at FROM scan_pages";

pub fn pages_of_batch() -> String {
    format!("{PAGE_SELECT} WHERE batch_id = $1 ORDER BY seq")
}

pub fn page_by_key() -> String {
    format!("{PAGE_SELECT} WHERE batch_id = $1 AND seq = $2")
}

pub fn pages_in_status() -> String {
    format!("{PAGE_SELECT} WHERE homework_id = $1 AND status = $2 ORDER BY updated_at, batch_id, seq LIMIT $3")
}

pub fn pages_of_student() -> String {
    format!("{PAGE_SELECT} WHERE homework_id = $1 AND student_id = $2 ORDER BY updated_at, batch_id, seq")
}

/// Guarded by the status the caller read, so a page is resolved once.
pub const UPDATE_PAGE: &str = "UPDATE scan_pages SET status = $1, reason = $2, student_id = $3, reading = $4, \
    updated_at = $5 WHERE batch_id = $6 AND seq = $7 AND status = $8";

pub const CROPS_FOLLOW_PAGE: &str = "UPDATE scan_crops SET student_id = $1 WHERE batch_id = $2 AND seq = $3";

pub const UPSERT_CROP: &str = "INSERT INTO scan_crops (homework_id, batch_id, seq, kind, field, blob, student_id) \
    VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (batch_id, seq, kind, field) \
    DO UPDATE SET blob = excluded.blob, student_id = excluded.student_id";

const CROP_SELECT: &str =
    "SELECT c.homework_id, c.batch_id, c.seq, c.kind, c.field, c.blob, c.student_id FROM scan_crops c";

pub fn crops_of_page() -> String {
    format!("{CROP_SELECT} WHERE c.batch_id = $1 AND c.seq = $2 ORDER BY c.kind, c.field")
}

/// The latest written-answer crop of an applied page.
pub fn answer_crop() -> String {
    format!(
        "{CROP_SELECT} JOIN scan_pages p ON p.batch_id = c.batch_id AND p.seq = c.seq \
         WHERE c.homework_id = $1 AND c.student_id = $2 AND c.kind = 'answer' AND c.field = $3 \
         AND p.status = 'applied' ORDER BY p.updated_at DESC LIMIT 1"
    )
}

pub const IMAGE_OF_HOMEWORK: &str = "SELECT CAST(COUNT(*) AS BIGINT) FROM (\
    SELECT blob FROM scan_pages WHERE homework_id = $1 AND blob = $2 \
    UNION ALL SELECT blob FROM scan_crops WHERE homework_id = $1 AND blob = $2) found";

#[derive(Debug, FromRow)]
pub struct BatchRow {
    pub id: String,
    pub homework_id: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, FromRow)]
pub struct BatchSummaryRow {
    pub id: String,
    pub homework_id: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub pages: i64,
    pub queued: i64,
    pub applied: i64,
    pub waiting: i64,
    pub review: i64,
    pub duplicate: i64,
    pub failed: i64,
}

#[derive(Debug, FromRow)]
pub struct PageRow {
    pub batch_id: String,
    pub seq: i64,
    pub file_name: String,
    pub blob: String,
    pub status: String,
    pub reason: String,
    pub student_id: Option<String>,
    pub reading: Option<Json<SheetRead>>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, FromRow)]
pub struct CropRow {
    pub homework_id: String,
    pub batch_id: String,
    pub seq: i64,
    pub kind: String,
    pub field: String,
    pub blob: String,
    pub student_id: Option<String>,
}

/// A stored value that no longer parses means the database was changed behind our back.
fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::internal(std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{what} `{value}`")))
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn seq(n: i64) -> Result<u32, StoreError> {
    u32::try_from(n).map_err(StoreError::internal)
}

pub fn batch(r: BatchRow) -> ScanBatch {
    ScanBatch { id: r.id, homework_id: r.homework_id, created_by: r.created_by, created_at: r.created_at }
}

pub fn batch_summary(r: BatchSummaryRow) -> ScanBatchSummary {
    ScanBatchSummary {
        pages: count(r.pages),
        queued: count(r.queued),
        applied: count(r.applied),
        waiting: count(r.waiting),
        review: count(r.review),
        duplicate: count(r.duplicate),
        failed: count(r.failed),
        batch: ScanBatch { id: r.id, homework_id: r.homework_id, created_by: r.created_by, created_at: r.created_at },
    }
}

pub fn page(r: PageRow) -> Result<ScanPage, StoreError> {
    Ok(ScanPage {
        seq: seq(r.seq)?,
        status: ScanStatus::parse(&r.status).ok_or_else(|| corrupt("scan status", &r.status))?,
        batch_id: r.batch_id,
        file_name: r.file_name,
        blob: r.blob,
        reason: r.reason,
        student_id: r.student_id,
        read: r.reading.map(|j| j.0),
        updated_at: r.updated_at,
    })
}

pub fn crop(r: CropRow) -> Result<ScanCrop, StoreError> {
    Ok(ScanCrop {
        seq: seq(r.seq)?,
        kind: CropKind::parse(&r.kind).ok_or_else(|| corrupt("crop kind", &r.kind))?,
        homework_id: r.homework_id,
        batch_id: r.batch_id,
        field: r.field,
        blob: r.blob,
        student_id: r.student_id,
    })
}
