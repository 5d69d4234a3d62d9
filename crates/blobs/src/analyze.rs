//! What a file is and whether the library keeps it: type from content, SHA-256, video length, and
//! the admission rules (size per kind, allowed types, a name that matches the content).

use std::io::{self, Read, Seek};

use interop::filetype::{self, FileType};
use sha2::{Digest, Sha256};

use crate::{BlobError, Limits};

/// The facts about one file's content.
#[derive(Debug, Clone)]
pub(crate) struct Analysis {
    pub sha256: String,
    pub size: u64,
    pub file_type: FileType,
    pub duration_seconds: Option<f64>,
}

/// Whether the library keeps files of this type: documents (PDF, Word, PowerPoint, Excel, also the
/// legacy binary formats), videos browsers play (MP4, QuickTime, WebM), audio (MP3, M4A) and images
/// (for exercise stems). Plain archives, text, Matroska and unknown content are refused: nothing in
/// the library uses them and they cannot be previewed.
pub fn is_allowed(file_type: FileType) -> bool {
    file_type.is_document()
        || file_type.is_image()
        || file_type.is_audio()
        || matches!(file_type, FileType::Mp4 | FileType::Mov | FileType::WebM)
}

/// Analyses a file held in memory.
pub(crate) fn analyze_bytes(bytes: &[u8]) -> Analysis {
    let file_type = filetype::sniff(bytes);
    let duration_seconds = if file_type.is_iso_media() { filetype::mp4_duration_seconds(bytes) } else { None };
    Analysis { sha256: hex(&Sha256::digest(bytes)), size: bytes.len() as u64, file_type, duration_seconds }
}

/// Analyses a staged file: sniffs its head (and zip directory), for MP4/MOV walks its boxes to
/// `moov` wherever it is, and hashes it in one streaming pass.
pub(crate) fn analyze_file(file: &mut std::fs::File) -> io::Result<Analysis> {
    let (file_type, duration_seconds) = inspect_file(file)?;
    file.rewind()?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok(Analysis { sha256: hex(&hasher.finalize()), size, file_type, duration_seconds })
}

/// The type and (for MP4/MOV/M4A) length of a file, reading only its head, its zip directory or
/// its box headers.
pub(crate) fn inspect_file<R: Read + Seek>(file: &mut R) -> io::Result<(FileType, Option<f64>)> {
    let file_type = filetype::sniff_reader(file)?;
    let duration_seconds = if file_type.is_iso_media() { filetype::mp4_duration_seconds_reader(file)? } else { None };
    Ok((file_type, duration_seconds))
}

/// Applies the admission rules, the most telling refusal first: a name that lies about the content,
/// then a type the library does not keep, then a size over the limit for its kind.
pub(crate) fn admit(file_name: &str, analysis: &Analysis, limits: &Limits) -> Result<(), BlobError> {
    if analysis.size == 0 {
        return Err(BlobError::Empty);
    }
    filetype::check_declared(file_name, analysis.file_type)
        .map_err(|m| BlobError::ExtensionMismatch { declared: m.declared, detected: m.detected })?;
    if !is_allowed(analysis.file_type) {
        return Err(BlobError::TypeNotAllowed { detected: analysis.file_type });
    }
    let limit = limits.limit_for(analysis.file_type);
    if analysis.size > limit {
        return Err(BlobError::TooLarge { limit });
    }
    Ok(())
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Whether `s` is `len` lower-case hex digits: the only shape of names that reach a path.
pub(crate) fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
