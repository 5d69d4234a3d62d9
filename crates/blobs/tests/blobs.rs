//! The blob store on a real temporary directory: checks on the way in, deduplication, resumable
//! uploads across a restart, cleanup, and range reads.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::io::{Cursor, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use blobs::{BlobError, Blobs, Limits, UploadId, filetype::FileType};
use bytes::Bytes;

/// A tiny real MP4 (3 s, moov after mdat) made by ffmpeg: `crates/interop/tests/fixtures/README.md`.
const TINY_MP4: &[u8] = include_bytes!("../../interop/tests/fixtures/tiny.mp4");

/// The MP4 grown by a `free` box of `padding` bytes at the end: still a valid file of the same
/// length, but big enough to upload in several chunks.
fn padded_mp4(padding: usize) -> Vec<u8> {
    let mut file = TINY_MP4.to_vec();
    file.extend_from_slice(&((padding + 8) as u32).to_be_bytes());
    file.extend_from_slice(b"free");
    file.extend((0..padding).map(|i| (i % 251) as u8));
    file
}

fn minimal_pdf(filler: usize) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n".to_vec();
    pdf.extend(std::iter::repeat_n(b'%', filler));
    pdf.extend_from_slice(b"\n%%EOF\n");
    pdf
}

fn zip_with(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in entries {
        writer.start_file(*name, options).unwrap();
        writer.write_all(content.as_bytes()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn docx(text: &str) -> Vec<u8> {
    zip_with(&[("[Content_Types].xml", "<Types/>"), ("_rels/.rels", "<Relationships/>"), ("word/document.xml", text)])
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() { out.extend(files_under(&path)) } else { out.push(path) }
    }
    out
}

fn small_limits() -> Limits {
    Limits { max_file_bytes: 1 << 20, max_document_bytes: 64 << 10 }
}

#[tokio::test]
async fn the_same_content_is_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = Blobs::open(dir.path(), Limits::default()).unwrap();
    let content = Bytes::from(docx("<w:document>勾股定理</w:document>"));
    let first = blobs.put("教案.docx", content.clone()).await.unwrap();
    assert_eq!(first.file_type, FileType::Docx);
    assert_eq!(first.media_type, "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    assert_eq!(first.size, content.len() as u64);
    assert_eq!(first.duration_seconds, None);
    assert!(!first.deduplicated);
    let second = blobs.put("教案（副本）.DOCX", content.clone()).await.unwrap();
    assert!(second.deduplicated);
    assert_eq!(second.sha256, first.sha256);

    let stored = files_under(&dir.path().join("blobs"));
    let sha = &first.sha256;
    assert_eq!(stored, [dir.path().join("blobs/sha256").join(&sha[..2]).join(&sha[2..4]).join(sha)]);
    assert_eq!(blobs.get(sha).await.unwrap(), content);
    assert_eq!(blobs.size(sha).await.unwrap(), content.len() as u64);

    let other = blobs.put("教案2.docx", Bytes::from(docx("<w:document>弦图</w:document>"))).await.unwrap();
    assert_ne!(other.sha256, first.sha256);
    assert_eq!(files_under(&dir.path().join("blobs")).len(), 2);

    // A presentation whose zip directory sits 2 MiB in: still told apart from a plain zip, both
    // when stored and when described again from the stored file.
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored_entry = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    writer.start_file("[Content_Types].xml", stored_entry).unwrap();
    writer.write_all(b"<Types/>").unwrap();
    writer.start_file("ppt/media/media1.bin", stored_entry).unwrap();
    writer.write_all(&vec![3u8; 2 << 20]).unwrap();
    let pptx = Bytes::from(writer.finish().unwrap().into_inner());
    let stored = blobs.put("课件.pptx", pptx).await.unwrap();
    assert_eq!(stored.file_type, FileType::Pptx);
    assert_eq!(blobs.describe(&stored.sha256, "课件.pptx").await.unwrap().file_type, FileType::Pptx);
}

#[tokio::test]
async fn files_that_lie_about_their_type_or_are_not_kept_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = Blobs::open(dir.path(), Limits::default()).unwrap();
    let archive = Bytes::from(zip_with(&[("a.txt", "x")]));
    match blobs.put("第三章课件.pdf", archive.clone()).await {
        Err(BlobError::ExtensionMismatch { declared, detected }) => {
            assert_eq!((declared.as_str(), detected), ("pdf", FileType::Zip));
        }
        other => panic!("{other:?}"),
    }
    let err = blobs.put("教案.docx", archive.clone()).await.unwrap_err();
    assert!(matches!(err, BlobError::ExtensionMismatch { .. }), "a plain zip named .docx: {err:?}");
    assert_eq!(
        err.to_string(),
        "the file is named .docx but is a zip archive; save it in its real format and upload it again"
    );
    assert!(err.is_user_error());
    let err = blobs.put("资料.zip", archive).await.unwrap_err();
    assert!(matches!(err, BlobError::TypeNotAllowed { detected: FileType::Zip }), "{err:?}");
    let err = blobs.put("notes.txt", Bytes::from_static("第一章".as_bytes())).await.unwrap_err();
    assert!(matches!(err, BlobError::TypeNotAllowed { detected: FileType::Text }), "{err:?}");
    assert_eq!(err.code(), "file_type_not_allowed");
    assert!(files_under(dir.path()).is_empty(), "nothing refused is kept");

    // A legacy .doc is kept, with the media type its (checked) name gives.
    let mut ole = vec![0u8; 1024];
    ole[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    let doc = blobs.put("旧教案.doc", Bytes::from(ole)).await.unwrap();
    assert_eq!((doc.file_type, doc.media_type.as_str()), (FileType::LegacyOffice, "application/msword"));
}

#[tokio::test]
async fn empty_and_oversized_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = Blobs::open(dir.path(), small_limits()).unwrap();
    assert!(matches!(blobs.put("a.pdf", Bytes::new()).await, Err(BlobError::Empty)));
    assert!(matches!(blobs.begin("a.mp4", 0).await, Err(BlobError::Empty)));

    // Documents are held to the document limit, videos to the file limit.
    let pdf = Bytes::from(minimal_pdf(100 << 10));
    assert!(matches!(blobs.put("a.pdf", pdf).await, Err(BlobError::TooLarge { limit }) if limit == 64 << 10));
    let video = blobs.put("微课.mp4", Bytes::from(padded_mp4(100 << 10))).await.unwrap();
    assert_eq!(video.file_type, FileType::Mp4);
    assert!(matches!(
        blobs.put("微课.mp4", Bytes::from(padded_mp4(1 << 20))).await,
        Err(BlobError::TooLarge { limit }) if limit == 1 << 20
    ));
    // Resumable uploads are refused up front, by the limit the name suggests.
    assert!(matches!(blobs.begin("a.pdf", 100 << 10).await, Err(BlobError::TooLarge { limit }) if limit == 64 << 10));
    assert!(matches!(blobs.begin("a.mp4", 2 << 20).await, Err(BlobError::TooLarge { limit }) if limit == 1 << 20));
    assert!(blobs.begin("a.mp4", 100 << 10).await.is_ok());

    // A name that hides a document gets the file limit up front, the document limit at the end.
    let pdf = minimal_pdf(100 << 10);
    let id = blobs.begin("扫描件", pdf.len() as u64).await.unwrap();
    blobs.append(&id, 0, &pdf).await.unwrap();
    let err = blobs.finish(&id).await.unwrap_err();
    assert!(matches!(err, BlobError::TooLarge { limit } if limit == 64 << 10), "{err:?}");
    assert!(matches!(blobs.status(&id).await, Err(BlobError::UnknownUpload)), "a refused upload is removed");
}

#[tokio::test]
async fn a_resumable_upload_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let video = padded_mp4(300 << 10);
    let chunk = 64 << 10;
    let (id, sent) = {
        let blobs = Blobs::open(dir.path(), Limits::default()).unwrap();
        let id = blobs.begin("勾股定理微课.mp4", video.len() as u64).await.unwrap();
        let mut offset = 0;
        for piece in video.chunks(chunk).take(3) {
            offset = blobs.append(&id, offset, piece).await.unwrap();
        }
        (id.to_string(), offset)
    }; // the server goes away
    assert_eq!(sent, 3 * chunk as u64);

    let blobs = Blobs::open(dir.path(), Limits::default()).unwrap();
    let id = UploadId::parse(&id).unwrap();
    let status = blobs.status(&id).await.unwrap();
    assert_eq!((status.received, status.total), (sent, video.len() as u64));
    assert_eq!(status.file_name, "勾股定理微课.mp4");
    let mut offset = status.received;
    while offset < video.len() as u64 {
        let end = (offset as usize + chunk).min(video.len());
        offset = blobs.append(&id, offset, &video[offset as usize..end]).await.unwrap();
    }
    let stored = blobs.finish(&id).await.unwrap();
    assert_eq!(stored.file_type, FileType::Mp4);
    assert_eq!(stored.media_type, "video/mp4");
    assert_eq!(stored.size, video.len() as u64);
    let seconds = stored.duration_seconds.unwrap();
    assert!((seconds - 3.0).abs() < 0.05, "{seconds}");
    assert!(!stored.deduplicated);
    assert_eq!(blobs.get(&stored.sha256).await.unwrap(), video);
    assert!(files_under(&dir.path().join("uploads")).is_empty(), "staging is cleaned up");
    assert!(matches!(blobs.finish(&id).await, Err(BlobError::UnknownUpload)));

    // The same video again, in one chunk: deduplicated, and the staged copy is dropped.
    let again = blobs.begin("副本.mov", video.len() as u64).await.unwrap();
    blobs.append(&again, 0, &video).await.unwrap();
    let stored_again = blobs.finish(&again).await.unwrap();
    assert!(stored_again.deduplicated);
    assert_eq!(stored_again.sha256, stored.sha256);
    assert!(files_under(&dir.path().join("uploads")).is_empty());
    assert_eq!(files_under(&dir.path().join("blobs")).len(), 1);
}

#[tokio::test]
async fn chunks_must_arrive_at_the_received_offset() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = Blobs::open(dir.path(), Limits::default()).unwrap();
    let pdf = minimal_pdf(1000);
    let id = blobs.begin("讲义.pdf", pdf.len() as u64).await.unwrap();
    assert!(matches!(blobs.append(&id, 10, &pdf[10..20]).await, Err(BlobError::OffsetConflict { expected: 0 })));
    assert_eq!(blobs.append(&id, 0, &pdf[..500]).await.unwrap(), 500);
    // The response was lost and the client sends the same chunk again: told where to resume.
    let err = blobs.append(&id, 0, &pdf[..500]).await.unwrap_err();
    assert!(matches!(err, BlobError::OffsetConflict { expected: 500 }), "{err:?}");
    assert_eq!(err.code(), "upload_offset_conflict");
    assert!(
        matches!(blobs.finish(&id).await, Err(BlobError::Incomplete { received: 500, total }) if total == pdf.len() as u64)
    );
    let too_much = [&pdf[500..], b"extra"].concat();
    assert!(matches!(blobs.append(&id, 500, &too_much).await, Err(BlobError::PastEnd { .. })));
    assert_eq!(blobs.append(&id, 500, &[]).await.unwrap(), 500, "an empty chunk changes nothing");
    assert_eq!(blobs.append(&id, 500, &pdf[500..]).await.unwrap(), pdf.len() as u64);
    let stored = blobs.finish(&id).await.unwrap();
    assert_eq!(stored.file_type, FileType::Pdf);
    assert_eq!(blobs.get(&stored.sha256).await.unwrap(), pdf);
}

#[tokio::test]
async fn abort_and_sweep_leave_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let uploads = dir.path().join("uploads");
    let blobs = Blobs::open(dir.path(), Limits::default()).unwrap();
    let id = blobs.begin("微课.mp4", 1000).await.unwrap();
    blobs.append(&id, 0, &TINY_MP4[..300]).await.unwrap();
    assert_eq!(files_under(&uploads).len(), 2);
    blobs.abort(&id).await.unwrap();
    assert!(files_under(&uploads).is_empty());
    assert!(matches!(blobs.status(&id).await, Err(BlobError::UnknownUpload)));
    assert!(matches!(blobs.append(&id, 300, &TINY_MP4[300..400]).await, Err(BlobError::UnknownUpload)));
    blobs.abort(&id).await.unwrap();

    // Two abandoned uploads and a file that is not ours.
    let a = blobs.begin("a.mp4", 1000).await.unwrap();
    blobs.append(&a, 0, &TINY_MP4[..100]).await.unwrap();
    blobs.begin("b.pdf", 1000).await.unwrap();
    std::fs::write(uploads.join("README"), "not an upload").unwrap();
    assert_eq!(blobs.sweep_stale(Duration::from_secs(3600)).await, 0, "recent uploads stay");
    assert_eq!(files_under(&uploads).len(), 5);
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(blobs.sweep_stale(Duration::from_millis(10)).await, 2);
    assert_eq!(files_under(&uploads), [uploads.join("README")]);
    assert!(matches!(blobs.status(&a).await, Err(BlobError::UnknownUpload)));
}

#[tokio::test]
async fn ranges_serve_video_seeking() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = Blobs::open(dir.path(), Limits::default()).unwrap();
    let stored = blobs.put("微课.mp4", Bytes::from_static(TINY_MP4)).await.unwrap();
    let sha = stored.sha256.as_str();
    let size = TINY_MP4.len() as u64;
    assert_eq!(blobs.size(sha).await.unwrap(), size);
    assert_eq!(blobs.get_range(sha, 0..8).await.unwrap(), TINY_MP4[..8]);
    assert_eq!(blobs.get_range(sha, 1000..2345).await.unwrap(), TINY_MP4[1000..2345]);
    assert_eq!(blobs.get_range(sha, size - 1..size).await.unwrap(), TINY_MP4[TINY_MP4.len() - 1..]);
    for bad in [0..size + 1, 10..10, size..size + 5] {
        let err = blobs.get_range(sha, bad.clone()).await.unwrap_err();
        assert!(matches!(err, BlobError::BadRange { size: s } if s == size), "{bad:?}: {err:?}");
    }
    // Described again from the stored content alone, e.g. after a restart.
    let described = blobs.describe(sha, "微课.mp4").await.unwrap();
    assert_eq!(
        (described.size, described.file_type, described.media_type.as_str()),
        (size, FileType::Mp4, "video/mp4")
    );
    assert!((described.duration_seconds.unwrap() - 3.0).abs() < 0.05);
    let missing = "0".repeat(64);
    assert!(matches!(blobs.describe(&missing, "x.mp4").await, Err(BlobError::NotFound)));
    assert!(matches!(blobs.get(&missing).await, Err(BlobError::NotFound)));
    assert!(matches!(blobs.get_range(&missing, 0..1).await, Err(BlobError::NotFound)));
    for bad in ["../../etc/passwd", &sha.to_uppercase(), &sha[..63]] {
        assert!(matches!(blobs.get(bad).await, Err(BlobError::BadHash)), "{bad}");
    }
}

#[tokio::test]
async fn upload_ids_are_random_hex_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let blobs = Blobs::open(dir.path(), Limits::default()).unwrap();
    let a = blobs.begin("a.mp4", 10).await.unwrap();
    let b = blobs.begin("a.mp4", 10).await.unwrap();
    assert_ne!(a, b);
    assert_eq!(a.as_str().len(), 32);
    assert_eq!(UploadId::parse(a.as_str()).unwrap(), a);
    for bad in [
        "../uploads/x",
        "",
        "ABCDEF0123456789ABCDEF0123456789",
        "0123456789abcdef0123456789abcde",
        "0123456789abcdef0123456789abcdeg",
    ] {
        assert!(matches!(UploadId::parse(bad), Err(BlobError::UnknownUpload)), "{bad}");
    }
}

#[tokio::test]
async fn other_object_stores_receive_finished_uploads_by_copy() {
    let dir = tempfile::tempdir().unwrap();
    let memory = Arc::new(object_store::memory::InMemory::new());
    let blobs = Blobs::with_store(memory, &dir.path().join("staging"), Limits::default()).unwrap();
    let video = padded_mp4(200 << 10);
    let id = blobs.begin("微课.mp4", video.len() as u64).await.unwrap();
    for (i, piece) in video.chunks(50_000).enumerate() {
        blobs.append(&id, (i * 50_000) as u64, piece).await.unwrap();
    }
    let stored = blobs.finish(&id).await.unwrap();
    assert!(!stored.deduplicated);
    assert_eq!(blobs.get(&stored.sha256).await.unwrap(), video);
    assert_eq!(blobs.get_range(&stored.sha256, 5..500).await.unwrap(), video[5..500]);
    assert!(files_under(&dir.path().join("staging")).is_empty());
    assert!(blobs.put("again.mp4", Bytes::from(video)).await.unwrap().deduplicated);
    let described = blobs.describe(&stored.sha256, "微课.mp4").await.unwrap();
    assert_eq!(described, blobs::StoredBlob { deduplicated: true, ..stored });
}
