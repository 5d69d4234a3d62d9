//! Scanned answer sheets of paper homework: upload batches, one row per page image with what
//! became of it (read and applied, waiting for review, refused with a reason), and the image crops
//! cut from them (written answers for the marking page, unclear marks for the review queue).
//!
//! The images themselves live in the file store (`blobs`), named by their SHA-256; rows hold the
//! hashes. Pages are students' personal data: only the teachers who manage the homework see them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::homework::paper::PaperAnswer;
use serde::{Deserialize, Serialize};

use crate::Result;

/// One upload of scans for one homework.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanBatch {
    pub id: String,
    pub homework_id: String,
    /// The account that uploaded it.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// Where a page image stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanStatus {
    /// Uploaded, not read yet.
    Queued,
    /// Read and matched to a student, waiting for the student's other pages.
    Ready,
    /// Its answers were handed in for the student and graded.
    Applied,
    /// A teacher must choose the student or a mark first.
    Review,
    /// Another sheet of the same student and page was read first: kept, not counted.
    Duplicate,
    /// Not readable (not an image, a missing corner marker, another homework's sheet…): `reason`.
    Failed,
}

impl ScanStatus {
    pub fn code(self) -> &'static str {
        match self {
            ScanStatus::Queued => "queued",
            ScanStatus::Ready => "ready",
            ScanStatus::Applied => "applied",
            ScanStatus::Review => "review",
            ScanStatus::Duplicate => "duplicate",
            ScanStatus::Failed => "failed",
        }
    }

    pub fn parse(code: &str) -> Option<ScanStatus> {
        [
            ScanStatus::Queued,
            ScanStatus::Ready,
            ScanStatus::Applied,
            ScanStatus::Review,
            ScanStatus::Duplicate,
            ScanStatus::Failed,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

/// What was read from one page image.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SheetRead {
    /// The sheet's page number (1-based).
    pub page: u32,
    /// The seat number read (from the QR code, or the number grid with `?` for unclear digits).
    pub seat: String,
    /// The QR code could not be read; the page was matched by its printed layout.
    pub qr_unreadable: bool,
    /// Per item on this page: its 0-based index in the homework and what was read.
    pub answers: Vec<(usize, PaperAnswer)>,
    /// The image was turned (quarter turns) before reading.
    pub rotation_quarters: u8,
}

/// One page image of a batch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanPage {
    pub batch_id: String,
    /// 1-based position in the batch (a PDF's pages take one each).
    pub seq: u32,
    /// The uploaded file's name (with `#n` for the n-th page of a PDF).
    pub file_name: String,
    /// SHA-256 of the image in the file store; empty when the upload was not an image.
    pub blob: String,
    pub status: ScanStatus,
    /// Why it failed, is in review or was not counted, in words.
    pub reason: String,
    pub student_id: Option<String>,
    pub read: Option<SheetRead>,
    pub updated_at: DateTime<Utc>,
}

/// What a crop shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CropKind {
    /// A written answer (`field` is the item id), shown on the marking page.
    Answer,
    /// An unclear mark (`field` is the 1-based item number), shown in review.
    Unclear,
    /// The student block (name line and number grid), shown in review.
    Student,
}

impl CropKind {
    pub fn code(self) -> &'static str {
        match self {
            CropKind::Answer => "answer",
            CropKind::Unclear => "unclear",
            CropKind::Student => "student",
        }
    }

    pub fn parse(code: &str) -> Option<CropKind> {
        [CropKind::Answer, CropKind::Unclear, CropKind::Student].into_iter().find(|k| k.code() == code)
    }
}

/// An image cut out of a page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanCrop {
    pub homework_id: String,
    pub batch_id: String,
    pub seq: u32,
    pub kind: CropKind,
    pub field: String,
    /// SHA-256 of the PNG in the file store.
    pub blob: String,
    /// Set once the page is matched to a student.
    pub student_id: Option<String>,
}

/// A batch with counts of its pages by status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanBatchSummary {
    pub batch: ScanBatch,
    pub pages: u32,
    pub queued: u32,
    pub applied: u32,
    /// `ready`: read, waiting for the student's other pages.
    pub waiting: u32,
    pub review: u32,
    pub duplicate: u32,
    pub failed: u32,
}

/// Scan batches, their pages and crops.
#[async_trait]
pub trait ScanStore: Send + Sync {
    async fn create_scan_batch(&self, batch: &ScanBatch) -> Result<()>;

    async fn scan_batch(&self, id: &str) -> Result<Option<ScanBatch>>;

    /// A homework's batches with page counts, newest first.
    async fn scan_batches(&self, homework_id: &str) -> Result<Vec<ScanBatchSummary>>;

    /// Appends pages to a batch, numbering them after those it has; returns the pages as stored.
    async fn add_scan_pages(&self, batch_id: &str, pages: &[ScanPage]) -> Result<Vec<ScanPage>>;

    /// A batch's pages in order.
    async fn scan_pages(&self, batch_id: &str) -> Result<Vec<ScanPage>>;

    async fn scan_page(&self, batch_id: &str, seq: u32) -> Result<Option<ScanPage>>;

    /// A homework's pages in one status (the review queue, pages waiting), oldest first.
    async fn scan_pages_in(&self, homework_id: &str, status: ScanStatus, limit: u32) -> Result<Vec<ScanPage>>;

    /// The pages matched to a student of a homework, whatever their status.
    async fn student_scan_pages(&self, homework_id: &str, student_id: &str) -> Result<Vec<ScanPage>>;

    /// Replaces a page's status, reason, student and reading, and its crops' student. Only when
    /// the page is still in `from` (so two hands cannot resolve it twice); false otherwise.
    async fn update_scan_page(&self, page: &ScanPage, from: ScanStatus) -> Result<bool>;

    /// Stores crops (a crop cut again replaces the earlier one).
    async fn put_scan_crops(&self, crops: &[ScanCrop]) -> Result<()>;

    /// A page's crops.
    async fn scan_crops(&self, batch_id: &str, seq: u32) -> Result<Vec<ScanCrop>>;

    /// The written-answer crop of a student's item on a homework, from an applied page.
    async fn answer_crop(&self, homework_id: &str, student_id: &str, item_id: &str) -> Result<Option<ScanCrop>>;

    /// Whether an image with this hash belongs to the homework (a page or a crop of it).
    async fn scan_image_of(&self, homework_id: &str, blob: &str) -> Result<bool>;
}
