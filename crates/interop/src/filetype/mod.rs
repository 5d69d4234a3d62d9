//! What an uploaded file really is, decided from its content and never from its name.
//!
//! Teachers rename files, phones save videos under odd names and a `.pdf` that is really a zip must
//! not be served as a PDF. [`sniff`] looks at magic numbers in the first few KiB and, for zip
//! archives, at the central directory (which sits at the *end* of the file) to tell Office Open XML
//! documents from plain archives. It therefore needs the whole file: either all its bytes
//! ([`sniff`]) or a seekable reader over it ([`sniff_reader`], which reads only the head and, for a
//! zip, the directory — so a 2 GiB video staged on disk is never loaded whole). The caller opens
//! the reader; this module does no I/O of its own.
//!
//! [`check_declared`] then compares the detected type with the extension the file was uploaded
//! under, and [`mp4_duration_seconds`] reads a video's length from its `moov/mvhd` box.

mod isobmff;

use std::fmt;
use std::io::{self, Cursor, Read, Seek, SeekFrom};

pub use isobmff::{mp4_duration_seconds, mp4_duration_seconds_reader};

/// How much of a file's start [`sniff`] looks at for magic numbers and text.
pub const HEAD_BYTES: usize = 8 * 1024;

/// A file type recognised from content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileType {
    /// A file of zero bytes.
    Empty,
    Pdf,
    /// Office Open XML word-processing document.
    Docx,
    /// Office Open XML presentation.
    Pptx,
    /// Office Open XML spreadsheet.
    Xlsx,
    /// A legacy binary Office file (OLE compound file): `.doc`, `.ppt` or `.xls`. Which of the three
    /// is not told apart; [`FileType::media_type_for`] takes it from the (checked) file name.
    LegacyOffice,
    /// A zip archive that is not an Office Open XML document.
    Zip,
    /// An ISO base media file with a video brand (`isom`, `mp42`, `avc1`, …).
    Mp4,
    /// A QuickTime movie (`qt  ` brand, or an old file starting with a `moov`/`mdat`/`wide` box).
    Mov,
    /// An MPEG-4 audio file (`M4A `/`M4B ` brand).
    M4a,
    WebM,
    /// Matroska other than WebM (`.mkv`).
    Matroska,
    Mp3,
    Png,
    Jpeg,
    Gif,
    Webp,
    /// UTF-8 text without control characters (in the part looked at).
    Text,
    /// Anything else.
    Unknown,
}

impl FileType {
    /// Every type, for tables and tests.
    pub const ALL: &'static [FileType] = &[
        FileType::Empty,
        FileType::Pdf,
        FileType::Docx,
        FileType::Pptx,
        FileType::Xlsx,
        FileType::LegacyOffice,
        FileType::Zip,
        FileType::Mp4,
        FileType::Mov,
        FileType::M4a,
        FileType::WebM,
        FileType::Matroska,
        FileType::Mp3,
        FileType::Png,
        FileType::Jpeg,
        FileType::Gif,
        FileType::Webp,
        FileType::Text,
        FileType::Unknown,
    ];

    /// A stable snake_case code, for storage and API clients.
    pub fn code(self) -> &'static str {
        match self {
            FileType::Empty => "empty",
            FileType::Pdf => "pdf",
            FileType::Docx => "docx",
            FileType::Pptx => "pptx",
            FileType::Xlsx => "xlsx",
            FileType::LegacyOffice => "legacy_office",
            FileType::Zip => "zip",
            FileType::Mp4 => "mp4",
            FileType::Mov => "mov",
            FileType::M4a => "m4a",
            FileType::WebM => "webm",
            FileType::Matroska => "matroska",
            FileType::Mp3 => "mp3",
            FileType::Png => "png",
            FileType::Jpeg => "jpeg",
            FileType::Gif => "gif",
            FileType::Webp => "webp",
            FileType::Text => "text",
            FileType::Unknown => "unknown",
        }
    }

    /// The IANA media type. For [`FileType::LegacyOffice`] this is the generic
    /// `application/vnd.ms-office`; prefer [`FileType::media_type_for`] when the name is known.
    pub fn media_type(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            FileType::Pptx => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            FileType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileType::LegacyOffice => "application/vnd.ms-office",
            FileType::Zip => "application/zip",
            FileType::Mp4 => "video/mp4",
            FileType::Mov => "video/quicktime",
            FileType::M4a => "audio/mp4",
            FileType::WebM => "video/webm",
            FileType::Matroska => "video/x-matroska",
            FileType::Mp3 => "audio/mpeg",
            FileType::Png => "image/png",
            FileType::Jpeg => "image/jpeg",
            FileType::Gif => "image/gif",
            FileType::Webp => "image/webp",
            FileType::Text => "text/plain; charset=utf-8",
            FileType::Empty | FileType::Unknown => "application/octet-stream",
        }
    }

    /// The media type, using the declared file name to say which legacy Office format an OLE file
    /// is (`.doc` → `application/msword`, …). Call it after [`check_declared`] accepted the name.
    pub fn media_type_for(self, file_name: &str) -> &'static str {
        if self != FileType::LegacyOffice {
            return self.media_type();
        }
        match extension_of(file_name).as_deref() {
            Some("doc" | "dot") => "application/msword",
            Some("ppt" | "pps" | "pot") => "application/vnd.ms-powerpoint",
            Some("xls" | "xlt") => "application/vnd.ms-excel",
            _ => self.media_type(),
        }
    }

    /// The usual extension (lower case, no dot); empty for [`FileType::Empty`] and
    /// [`FileType::Unknown`].
    pub fn extension(self) -> &'static str {
        self.extensions().first().copied().unwrap_or("")
    }

    /// Every extension a file of this type may be named with, the usual one first.
    ///
    /// MP4 and QuickTime accept each other's extension: both are ISO base media files that every
    /// player reads alike, and phones save one under the other's name all the time. A WebM file may
    /// be called `.mkv` (WebM is a subset of Matroska), not the other way round.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileType::Pdf => &["pdf"],
            FileType::Docx => &["docx", "docm", "dotx", "dotm"],
            FileType::Pptx => &["pptx", "pptm", "ppsx", "ppsm", "potx", "potm"],
            FileType::Xlsx => &["xlsx", "xlsm", "xltx", "xltm"],
            FileType::LegacyOffice => &["doc", "ppt", "xls", "dot", "pps", "pot", "xlt"],
            FileType::Zip => &["zip"],
            FileType::Mp4 => &["mp4", "m4v", "mov"],
            FileType::Mov => &["mov", "qt", "mp4"],
            FileType::M4a => &["m4a", "m4b"],
            FileType::WebM => &["webm", "mkv"],
            FileType::Matroska => &["mkv", "mka", "mk3d"],
            FileType::Mp3 => &["mp3"],
            FileType::Png => &["png"],
            FileType::Jpeg => &["jpg", "jpeg", "jpe", "jfif"],
            FileType::Gif => &["gif"],
            FileType::Webp => &["webp"],
            FileType::Text => &["txt", "csv", "tsv", "md", "json", "xml", "html", "htm", "svg", "tex"],
            FileType::Empty | FileType::Unknown => &[],
        }
    }

    /// Whether this is a video container.
    pub fn is_video(self) -> bool {
        matches!(self, FileType::Mp4 | FileType::Mov | FileType::WebM | FileType::Matroska)
    }

    /// Whether this is an audio file.
    pub fn is_audio(self) -> bool {
        matches!(self, FileType::Mp3 | FileType::M4a)
    }

    /// Whether this is an image.
    pub fn is_image(self) -> bool {
        matches!(self, FileType::Png | FileType::Jpeg | FileType::Gif | FileType::Webp)
    }

    /// Whether this is a document (PDF or Office).
    pub fn is_document(self) -> bool {
        matches!(self, FileType::Pdf | FileType::Docx | FileType::Pptx | FileType::Xlsx | FileType::LegacyOffice)
    }

    /// Whether an ISO base media file (MP4, MOV, M4A), whose length [`mp4_duration_seconds`] reads.
    pub fn is_iso_media(self) -> bool {
        matches!(self, FileType::Mp4 | FileType::Mov | FileType::M4a)
    }

    /// A guess from the extension alone, for decisions that must be made before the content has
    /// arrived (e.g. which size limit applies to a resumable upload). Never a substitute for [`sniff`].
    pub fn guess_from_name(file_name: &str) -> Option<FileType> {
        let ext = extension_of(file_name)?;
        FileType::ALL.iter().copied().find(|t| t.extensions().contains(&ext.as_str()))
    }
}

impl fmt::Display for FileType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            FileType::Empty => "an empty file",
            FileType::Pdf => "a PDF document",
            FileType::Docx => "a Word document (.docx)",
            FileType::Pptx => "a PowerPoint presentation (.pptx)",
            FileType::Xlsx => "an Excel workbook (.xlsx)",
            FileType::LegacyOffice => "a legacy Office file (.doc/.ppt/.xls)",
            FileType::Zip => "a zip archive",
            FileType::Mp4 => "an MP4 video",
            FileType::Mov => "a QuickTime video",
            FileType::M4a => "an MPEG-4 audio file",
            FileType::WebM => "a WebM video",
            FileType::Matroska => "a Matroska video",
            FileType::Mp3 => "an MP3 audio file",
            FileType::Png => "a PNG image",
            FileType::Jpeg => "a JPEG image",
            FileType::Gif => "a GIF image",
            FileType::Webp => "a WebP image",
            FileType::Text => "a text file",
            FileType::Unknown => "a file of unknown type",
        };
        f.write_str(name)
    }
}

/// A file whose name claims a different type than its content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the file is named .{declared} but is {detected}")]
pub struct Mismatch {
    /// The declared extension, lower case, without the dot.
    pub declared: String,
    pub detected: FileType,
}

/// Decides the type of a whole file held in memory.
pub fn sniff(bytes: &[u8]) -> FileType {
    // Reading from a slice cannot fail; a read error would only mean "unknown".
    sniff_reader(&mut Cursor::new(bytes)).unwrap_or(FileType::Unknown)
}

/// Decides the type of a file behind a seekable reader, reading its first [`HEAD_BYTES`] and, for a
/// zip, its central directory. The reader's position afterwards is unspecified.
pub fn sniff_reader<R: Read + Seek>(reader: &mut R) -> io::Result<FileType> {
    reader.seek(SeekFrom::Start(0))?;
    let mut head = Vec::with_capacity(HEAD_BYTES);
    reader.by_ref().take(HEAD_BYTES as u64).read_to_end(&mut head)?;
    let by_magic = sniff_head(&head);
    if by_magic != FileType::Zip {
        return Ok(by_magic);
    }
    reader.seek(SeekFrom::Start(0))?;
    Ok(classify_zip(reader))
}

/// Compares the extension a file was uploaded under with what it is.
///
/// A name without an extension declares nothing and passes. An extension of the detected type
/// passes. An extension that belongs to another type fails (a `.pdf` that is a zip). An extension
/// no type claims passes only for generic content (zip, text, unknown), whose extensions are
/// countless (`.epub`, `.ggb`, `.py`…), and fails for a specific type (a `.exe` that is a PNG).
pub fn check_declared(file_name: &str, detected: FileType) -> Result<(), Mismatch> {
    let Some(declared) = extension_of(file_name) else { return Ok(()) };
    if detected.extensions().contains(&declared.as_str()) {
        return Ok(());
    }
    let claimed = FileType::ALL.iter().any(|t| t.extensions().contains(&declared.as_str()));
    let generic = matches!(detected, FileType::Zip | FileType::Text | FileType::Unknown | FileType::Empty);
    if claimed || !generic { Err(Mismatch { declared, detected }) } else { Ok(()) }
}

/// The lower-case extension of the last path component, if it has one (`.bashrc` has none).
fn extension_of(file_name: &str) -> Option<String> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let (stem, ext) = base.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

/// Decides from magic numbers alone; a zip is reported as [`FileType::Zip`] for the caller to open.
fn sniff_head(head: &[u8]) -> FileType {
    if head.is_empty() {
        return FileType::Empty;
    }
    let starts = |magic: &[u8]| head.starts_with(magic);
    if starts(b"%PDF-") {
        FileType::Pdf
    } else if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") || starts(b"PK\x07\x08") {
        FileType::Zip
    } else if starts(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        FileType::LegacyOffice
    } else if starts(&[0x1A, 0x45, 0xDF, 0xA3]) {
        ebml_kind(head)
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        FileType::Png
    } else if starts(&[0xFF, 0xD8, 0xFF]) {
        FileType::Jpeg
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        FileType::Gif
    } else if starts(b"RIFF") && head.get(8..12) == Some(b"WEBP") {
        FileType::Webp
    } else if let Some(kind) = isobmff::kind_from_head(head) {
        kind
    } else if starts(b"ID3") || is_mpeg_audio_frame(head) {
        FileType::Mp3
    } else if looks_like_text(head) {
        FileType::Text
    } else {
        FileType::Unknown
    }
}

/// WebM and Matroska share the EBML header; its DocType element (ID `42 82`) names which.
fn ebml_kind(head: &[u8]) -> FileType {
    let window = &head[..head.len().min(64)];
    let is_webm = window.windows(6).any(|w| w[..2] == [0x42, 0x82] && &w[3..6] == b"web");
    if is_webm { FileType::WebM } else { FileType::Matroska }
}

/// An MPEG audio layer III frame header: 11 sync bits, a valid version, layer III, and a bitrate
/// index that is neither free (0) nor invalid (15). AAC ADTS (layer bits 00) does not match.
fn is_mpeg_audio_frame(head: &[u8]) -> bool {
    let [a, b, c, ..] = head else { return false };
    let sync = *a == 0xFF && b & 0xE0 == 0xE0;
    let version_ok = (b >> 3) & 0b11 != 0b01;
    let layer_three = (b >> 1) & 0b11 == 0b01;
    let bitrate = c >> 4;
    sync && version_ok && layer_three && bitrate != 0 && bitrate != 0xF
}

/// UTF-8 without NUL or control characters other than tab, line feed, form feed and carriage
/// return. The head may cut a multi-byte character in half, which is allowed at its very end.
fn looks_like_text(head: &[u8]) -> bool {
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(e) if e.error_len().is_none() && head.len() - e.valid_up_to() < 4 => {
            // Only an incomplete character at the end: valid_up_to() is a char boundary.
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or("")
        }
        Err(_) => return false,
    };
    !text.is_empty() && text.chars().all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\x0c'))
}

/// Opens a zip's central directory and tells Office Open XML documents from plain archives by their
/// entries. A file that starts like a zip but cannot be opened as one (e.g. truncated) is unknown.
fn classify_zip<R: Read + Seek>(reader: &mut R) -> FileType {
    let Ok(archive) = zip::ZipArchive::new(reader) else { return FileType::Unknown };
    let names: Vec<&str> = archive.file_names().collect();
    let has = |prefix: &str| names.iter().any(|n| n.starts_with(prefix));
    if !names.contains(&"[Content_Types].xml") {
        FileType::Zip
    } else if has("word/") {
        FileType::Docx
    } else if has("ppt/") {
        FileType::Pptx
    } else if has("xl/") {
        FileType::Xlsx
    } else {
        FileType::Zip
    }
}

#[cfg(test)]
mod tests;
