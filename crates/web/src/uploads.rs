//! Resumable uploads (tus-like, over plain HTTP) and serving stored files with byte ranges.
//!
//! The browser begins an upload with the file's name and size, sends chunks with the offset they
//! start at, asks where it stands after a lost response or a closed tab, and finishes it; the
//! file is then checked by content (type, size limit, name) and stored once by its SHA-256. Upload
//! ids are 128-bit random secrets known only to the uploader's browser.

use std::sync::Arc;

use axum::{
    Json,
    body::Bytes,
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use blobs::{BlobError, UploadId};
use domain::resources::FileRef;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{App, RequestContext, i18n::Lang};

/// The largest chunk one request may carry. Small enough that a lost request costs little on a
/// rural school's connection, large enough to keep the number of requests down.
pub const CHUNK_BYTES: usize = 4 << 20;

/// `POST /uploads` body.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BeginUpload {
    pub file_name: String,
    pub size: u64,
}

/// Where an upload stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadState {
    pub id: String,
    pub received: u64,
    pub total: u64,
    /// The chunk size the client should use.
    pub chunk_bytes: usize,
}

/// A finished upload: the stored file.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadedFile {
    pub sha256: String,
    pub size: u64,
    pub media_type: String,
    pub file_name: String,
    pub duration_seconds: Option<u32>,
    /// The same content was already stored.
    pub deduplicated: bool,
}

/// The offset a chunk starts at.
#[derive(Debug, Deserialize)]
pub struct ChunkAt {
    pub offset: u64,
}

/// A refused upload step, as JSON: a stable code and a message in the user's language.
fn refusal(lang: Lang, err: &BlobError) -> Response {
    let status = match err {
        BlobError::Internal(cause) => {
            tracing::error!(%cause, "file store failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
        BlobError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        BlobError::OffsetConflict { .. } | BlobError::Busy => StatusCode::CONFLICT,
        BlobError::UnknownUpload | BlobError::NotFound => StatusCode::NOT_FOUND,
        BlobError::BadRange { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let expected = match err {
        BlobError::OffsetConflict { expected } => Some(*expected),
        _ => None,
    };
    let body = serde_json::json!({ "error": err.code(), "message": message(lang, err), "expected_offset": expected });
    (status, Json(body)).into_response()
}

/// What to tell the uploader, in their language.
pub fn message(lang: Lang, err: &BlobError) -> String {
    match (lang, err) {
        (Lang::En, _) => err.to_string(),
        (Lang::Zh, BlobError::Empty) => "文件是空的（0 字节），请检查后重新选择".to_owned(),
        (Lang::Zh, BlobError::TooLarge { limit }) => format!("文件超过了 {} MB 的大小限制", limit >> 20),
        (Lang::Zh, BlobError::TypeNotAllowed { detected }) => {
            format!("不支持上传这种文件（实际内容为 {detected}）")
        }
        (Lang::Zh, BlobError::ExtensionMismatch { declared, detected }) => {
            format!("文件名是 .{declared}，但内容实际是 {detected}；请另存为正确格式后再上传")
        }
        (Lang::Zh, BlobError::OffsetConflict { expected }) => format!("已收到 {expected} 字节，请从这里继续"),
        (Lang::Zh, BlobError::Incomplete { received, total }) => format!("只收到 {received}/{total} 字节，请继续上传"),
        (Lang::Zh, BlobError::UnknownUpload) => "上传已失效，请重新选择文件".to_owned(),
        (Lang::Zh, BlobError::Busy) => "这个文件正在上传，请稍候重试".to_owned(),
        (Lang::Zh, BlobError::Internal(_)) => "服务器存储出错，请稍后重试".to_owned(),
        (Lang::Zh, other) => other.to_string(),
    }
}

fn parse_id(lang: Lang, id: &str) -> Result<UploadId, Box<Response>> {
    UploadId::parse(id).map_err(|e| Box::new(refusal(lang, &e)))
}

/// `POST /uploads`: begins an upload.
pub(crate) async fn begin(ctx: RequestContext, State(app): State<Arc<App>>, Json(body): Json<BeginUpload>) -> Response {
    match app.library.blobs.begin(&body.file_name, body.size).await {
        Ok(id) => (
            StatusCode::CREATED,
            Json(UploadState { id: id.as_str().to_owned(), received: 0, total: body.size, chunk_bytes: CHUNK_BYTES }),
        )
            .into_response(),
        Err(e) => refusal(ctx.lang, &e),
    }
}

/// `GET /uploads/{id}`: where an upload stands (to resume after a lost response or a reload).
pub(crate) async fn status(ctx: RequestContext, State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let id = match parse_id(ctx.lang, &id) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    match app.library.blobs.status(&id).await {
        Ok(s) => Json(UploadState {
            id: id.as_str().to_owned(),
            received: s.received,
            total: s.total,
            chunk_bytes: CHUNK_BYTES,
        })
        .into_response(),
        Err(e) => refusal(ctx.lang, &e),
    }
}

/// `PUT /uploads/{id}?offset=N`: appends one chunk starting at byte `N`.
pub(crate) async fn chunk(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(at): Query<ChunkAt>,
    body: Bytes,
) -> Response {
    let id = match parse_id(ctx.lang, &id) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    match app.library.blobs.append(&id, at.offset, &body).await {
        Ok(received) => {
            let total = app.library.blobs.status(&id).await.map(|s| s.total).unwrap_or(received);
            Json(UploadState { id: id.as_str().to_owned(), received, total, chunk_bytes: CHUNK_BYTES }).into_response()
        }
        Err(e) => refusal(ctx.lang, &e),
    }
}

/// `POST /uploads/{id}/finish`: checks and stores the file.
pub(crate) async fn finish(ctx: RequestContext, State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let id = match parse_id(ctx.lang, &id) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    let file_name = match app.library.blobs.status(&id).await {
        Ok(s) => s.file_name,
        Err(e) => return refusal(ctx.lang, &e),
    };
    match app.library.blobs.finish(&id).await {
        Ok(blob) => {
            let file = FileRef {
                sha256: blob.sha256.clone(),
                size: blob.size,
                media_type: blob.media_type.clone(),
                file_name,
                duration_seconds: blob.duration_seconds.map(|d| d.ceil() as u32),
            };
            app.library.remember_file(file.clone());
            Json(UploadedFile {
                sha256: file.sha256,
                size: file.size,
                media_type: file.media_type,
                file_name: file.file_name,
                duration_seconds: file.duration_seconds,
                deduplicated: blob.deduplicated,
            })
            .into_response()
        }
        Err(e) => refusal(ctx.lang, &e),
    }
}

/// `DELETE /uploads/{id}`: abandons an upload, leaving nothing behind.
pub(crate) async fn abort(ctx: RequestContext, State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let id = match parse_id(ctx.lang, &id) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    match app.library.blobs.abort(&id).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => refusal(ctx.lang, &e),
    }
}

/// A parsed `Range: bytes=…` header: one range (browsers seeking a video ask for one).
fn requested_range(headers: &HeaderMap, size: u64) -> Option<Result<std::ops::Range<u64>, ()>> {
    let value = headers.get(header::RANGE)?.to_str().ok()?;
    let spec = value.strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None; // several ranges: answer with the whole file, which is allowed
    }
    let (start, end) = spec.split_once('-')?;
    let parsed = match (start.trim(), end.trim()) {
        ("", suffix) => suffix.parse::<u64>().ok().map(|n| size.saturating_sub(n)..size),
        (s, "") => s.parse::<u64>().ok().map(|s| s..size),
        (s, e) => match (s.parse::<u64>(), e.parse::<u64>()) {
            (Ok(s), Ok(e)) if e >= s => Some(s..(e + 1).min(size)),
            _ => None,
        },
    };
    Some(match parsed {
        Some(r) if r.start < r.end && r.start < size => Ok(r),
        _ => Err(()),
    })
}

/// The largest part of a file one response carries; a browser playing a video asks for the rest.
const MAX_RANGE_BYTES: u64 = 8 << 20;

/// Serves a stored file: whole, or the requested byte range (206) so videos seek; `attachment`
/// makes browsers save it rather than show it.
pub(crate) async fn serve_file(app: &App, headers: &HeaderMap, file: &FileRef, attachment: bool) -> Response {
    let size = match app.library.blobs.size(&file.sha256).await {
        Ok(size) => size,
        Err(e) => return refusal(Lang::En, &e),
    };
    let (status, range) = match requested_range(headers, size) {
        None if size <= MAX_RANGE_BYTES || attachment => (StatusCode::OK, 0..size),
        // An open-ended request for a big file (a video's first request): the first part as 206.
        None => (StatusCode::PARTIAL_CONTENT, 0..MAX_RANGE_BYTES),
        Some(Ok(r)) => (StatusCode::PARTIAL_CONTENT, r.start..r.end.min(r.start + MAX_RANGE_BYTES)),
        Some(Err(())) => {
            return (StatusCode::RANGE_NOT_SATISFIABLE, [(header::CONTENT_RANGE, format!("bytes */{size}"))])
                .into_response();
        }
    };
    let bytes = if range.is_empty() {
        Ok(Bytes::new())
    } else {
        app.library.blobs.get_range(&file.sha256, range.clone()).await
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => return refusal(Lang::En, &e),
    };
    let mut response = (status, bytes).into_response();
    let h = response.headers_mut();
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Ok(v) = HeaderValue::from_str(&file.media_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600"));
    if status == StatusCode::PARTIAL_CONTENT
        && let Ok(v) = HeaderValue::from_str(&format!("bytes {}-{}/{size}", range.start, range.end.saturating_sub(1)))
    {
        h.insert(header::CONTENT_RANGE, v);
    }
    let disposition = if attachment { "attachment" } else { "inline" };
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{disposition}; filename=\"{}\"; filename*=UTF-8''{}",
        ascii_fallback(&file.file_name),
        percent_encode(&file.file_name)
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

/// The file name with everything but safe ASCII replaced, for old clients.
fn ascii_fallback(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect()
}

/// RFC 5987 percent-encoding of a UTF-8 file name.
fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(value: &str, size: u64) -> Option<Result<std::ops::Range<u64>, ()>> {
        let mut headers = HeaderMap::new();
        headers.insert(header::RANGE, HeaderValue::from_str(value).expect("header"));
        requested_range(&headers, size)
    }

    #[test]
    fn ranges_follow_rfc_9110() {
        assert_eq!(range("bytes=0-99", 1000), Some(Ok(0..100)));
        assert_eq!(range("bytes=500-", 1000), Some(Ok(500..1000)));
        assert_eq!(range("bytes=-100", 1000), Some(Ok(900..1000)));
        assert_eq!(range("bytes=900-5000", 1000), Some(Ok(900..1000)), "an end past the file is clipped");
        assert_eq!(range("bytes=1000-", 1000), Some(Err(())), "starting at the end is unsatisfiable");
        assert_eq!(range("bytes=5-2", 1000), Some(Err(())));
        assert_eq!(range("bytes=0-1,5-6", 1000), None, "several ranges: the whole file");
        assert_eq!(range("items=0-1", 1000), None);
    }

    #[test]
    fn file_names_survive_in_both_header_forms() {
        assert_eq!(ascii_fallback("分数 课件.pdf"), "_____.pdf");
        assert_eq!(percent_encode("分数.pdf"), "%E5%88%86%E6%95%B0.pdf");
    }
}
