//! Tests of content sniffing, declared-extension checks and MP4 durations, on files made here or
//! tiny real files made by ffmpeg (`tests/fixtures/README.md`).
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::io::{Cursor, Read, Seek, SeekFrom, Write};

use super::*;

const TINY_MP4: &[u8] = include_bytes!("../../tests/fixtures/tiny.mp4");
const FRAG_MP4: &[u8] = include_bytes!("../../tests/fixtures/frag.mp4");
const TINY_WEBM: &[u8] = include_bytes!("../../tests/fixtures/tiny.webm");
const TINY_MP3: &[u8] = include_bytes!("../../tests/fixtures/tiny.mp3");

/// A minimal PDF that readers open: one empty page, a correct cross-reference table.
fn minimal_pdf() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ];
    let mut pdf = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(format!("trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    pdf
}

/// A zip with the given entries, like Office writes them (deflated).
fn zip_with(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in entries {
        writer.start_file(*name, options).unwrap();
        writer.write_all(content.as_bytes()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#;

fn docx() -> Vec<u8> {
    zip_with(&[
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", "<Relationships/>"),
        ("word/document.xml", "<w:document/>"),
    ])
}

fn pptx() -> Vec<u8> {
    zip_with(&[
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", "<Relationships/>"),
        ("ppt/presentation.xml", "<p:presentation/>"),
        ("ppt/slides/slide1.xml", "<p:sld/>"),
    ])
}

/// The 512-byte header of an OLE compound file (what `.doc`/`.ppt`/`.xls` are), then one sector.
fn ole_header() -> Vec<u8> {
    let mut bytes = vec![0u8; 1024];
    bytes[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    bytes[0x1A..0x1C].copy_from_slice(&3u16.to_le_bytes()); // major version 3
    bytes[0x1C..0x1E].copy_from_slice(&0xFFFEu16.to_le_bytes()); // little endian
    bytes[0x1E..0x20].copy_from_slice(&9u16.to_le_bytes()); // 512-byte sectors
    bytes
}

/// One ISO box: 32-bit size, type, content.
fn mp4_box(kind: &[u8; 4], content: &[u8]) -> Vec<u8> {
    let mut b = ((content.len() + 8) as u32).to_be_bytes().to_vec();
    b.extend_from_slice(kind);
    b.extend_from_slice(content);
    b
}

fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
    let mut content = major.to_vec();
    content.extend_from_slice(&0u32.to_be_bytes());
    for c in compatible {
        content.extend_from_slice(*c);
    }
    mp4_box(b"ftyp", &content)
}

/// An `mvhd` box of version 0 or 1 with the given timescale and duration (the rest zeros, as the
/// parser only reads those two fields).
fn mvhd(version: u8, timescale: u32, duration: u64) -> Vec<u8> {
    let mut c = vec![version, 0, 0, 0];
    if version == 0 {
        c.extend_from_slice(&[0; 8]);
        c.extend_from_slice(&timescale.to_be_bytes());
        c.extend_from_slice(&(duration as u32).to_be_bytes());
    } else {
        c.extend_from_slice(&[0; 16]);
        c.extend_from_slice(&timescale.to_be_bytes());
        c.extend_from_slice(&duration.to_be_bytes());
    }
    c.extend_from_slice(&[0; 80]); // rate, volume, matrix, next track id
    mp4_box(b"mvhd", &c)
}

/// A large `mdat` written with a 64-bit size (size field 1), as encoders do past 4 GiB.
fn mdat_large(len: usize) -> Vec<u8> {
    let mut b = 1u32.to_be_bytes().to_vec();
    b.extend_from_slice(b"mdat");
    b.extend_from_slice(&((len + 16) as u64).to_be_bytes());
    b.resize(len + 16, 0xAB);
    b
}

/// A reader that counts how many bytes were read, to prove the sniffers skip what they don't need.
struct Counting<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

impl<R: Seek> Seek for Counting<R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

#[test]
fn sniffs_documents_and_archives_from_content() {
    assert_eq!(sniff(b""), FileType::Empty);
    assert_eq!(sniff(&minimal_pdf()), FileType::Pdf);
    assert_eq!(sniff(&docx()), FileType::Docx);
    assert_eq!(sniff(&pptx()), FileType::Pptx);
    let xlsx = zip_with(&[("[Content_Types].xml", CONTENT_TYPES), ("xl/workbook.xml", "<workbook/>")]);
    assert_eq!(sniff(&xlsx), FileType::Xlsx);
    // Office folders without the content-types part, or the part alone, are plain archives.
    assert_eq!(sniff(&zip_with(&[("word/document.xml", "<w:document/>")])), FileType::Zip);
    assert_eq!(sniff(&zip_with(&[("[Content_Types].xml", CONTENT_TYPES), ("a.txt", "x")])), FileType::Zip);
    assert_eq!(sniff(&zip_with(&[])), FileType::Zip, "an empty archive is still a zip");
    // A zip cut short has lost its central directory: it can't be opened, so it is not trusted.
    let docx = docx();
    assert_eq!(sniff(&docx[..docx.len() / 2]), FileType::Unknown);
    assert_eq!(sniff(&ole_header()), FileType::LegacyOffice);
}

#[test]
fn sniffs_media_and_images_from_content() {
    assert_eq!(sniff(TINY_MP4), FileType::Mp4);
    assert_eq!(sniff(FRAG_MP4), FileType::Mp4);
    assert_eq!(sniff(TINY_WEBM), FileType::WebM);
    assert_eq!(sniff(TINY_MP3), FileType::Mp3);
    // The same MP3 without its ID3 tag starts with a bare frame header.
    let frame = TINY_MP3.windows(2).position(|w| w[0] == 0xFF && w[1] & 0xE0 == 0xE0).unwrap();
    assert_eq!(sniff(&TINY_MP3[frame..]), FileType::Mp3);
    // ADTS AAC has the same sync bits but layer 00: not MP3.
    assert_eq!(sniff(&[0xFF, 0xF1, 0x50, 0x80, 0x02, 0x1F, 0xFC]), FileType::Unknown);

    let mut matroska = TINY_WEBM[..64].to_vec();
    let doc_type = matroska.windows(4).position(|w| w == b"webm").unwrap();
    matroska.splice(doc_type..doc_type + 4, *b"mkv\0");
    assert_eq!(sniff(&matroska), FileType::Matroska);

    assert_eq!(sniff(&ftyp(b"qt  ", &[b"qt  "])), FileType::Mov);
    assert_eq!(sniff(&mp4_box(b"moov", &mvhd(0, 600, 600))), FileType::Mov, "old QuickTime without ftyp");
    assert_eq!(sniff(&ftyp(b"M4A ", &[b"M4A ", b"mp42", b"isom"])), FileType::M4a);
    assert_eq!(sniff(&ftyp(b"mp42", &[b"isom", b"avc1"])), FileType::Mp4);
    assert_eq!(sniff(&ftyp(b"heic", &[b"mif1", b"heic"])), FileType::Unknown, "a HEIC photo is no video");
    assert_eq!(sniff(&ftyp(b"avif", &[])), FileType::Unknown);
    assert_eq!(sniff(&b"\0\0\0\x0cftyp"[..]), FileType::Unknown, "too short to hold a brand");

    assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR"), FileType::Png);
    assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F']), FileType::Jpeg);
    assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), FileType::Gif);
    assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 "), FileType::Webp);
    assert_eq!(sniff(b"RIFF\x24\0\0\0WAVEfmt "), FileType::Unknown, "RIFF alone is not WebP");
}

#[test]
fn sniffs_text_only_when_it_is_clean_utf8() {
    assert_eq!(sniff("第一章 有理数\n1.1 正数和负数\r\n".as_bytes()), FileType::Text);
    // A long text whose 8 KiB head cuts a three-byte character in half is still text.
    let long = "数".repeat(HEAD_BYTES / 3 + 10);
    assert_ne!(HEAD_BYTES % 3, 0, "the head must end inside a character for this test");
    assert_eq!(sniff(long.as_bytes()), FileType::Text);
    // GBK text is not UTF-8; it is reported unknown rather than guessed.
    let (gbk, _, _) = encoding_rs::GBK.encode("第一章 有理数");
    assert_eq!(sniff(&gbk), FileType::Unknown);
    assert_eq!(sniff(b"abc\0def"), FileType::Unknown);
    assert_eq!(sniff(b"\x01\x02\x03\x04"), FileType::Unknown);
}

#[test]
fn sniff_reader_reads_only_the_head_and_the_zip_directory() {
    // A big stored (uncompressed) entry: the directory is at the end, after 4 MiB of content.
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    writer.start_file("[Content_Types].xml", stored).unwrap();
    writer.write_all(CONTENT_TYPES.as_bytes()).unwrap();
    writer.start_file("ppt/media/video1.bin", stored).unwrap();
    writer.write_all(&vec![7u8; 4 << 20]).unwrap();
    let big = writer.finish().unwrap().into_inner();
    let mut reader = Counting { inner: Cursor::new(&big), read: 0 };
    assert_eq!(sniff_reader(&mut reader).unwrap(), FileType::Pptx);
    assert!(reader.read < 64 * 1024, "read {} bytes of {}", reader.read, big.len());
    assert_eq!(sniff(&big), FileType::Pptx);
}

#[test]
fn reads_the_duration_of_a_real_mp4_with_moov_at_the_end() {
    let moov = TINY_MP4.windows(4).position(|w| w == b"moov").unwrap();
    let mdat = TINY_MP4.windows(4).position(|w| w == b"mdat").unwrap();
    assert!(moov > mdat, "the fixture must keep moov after the media data");
    let seconds = mp4_duration_seconds(TINY_MP4).unwrap();
    assert!((seconds - 3.0).abs() < 0.05, "{seconds}");
    // A fragmented file whose mvhd says 0 and that has no mehd has no length to read.
    assert_eq!(mp4_duration_seconds(FRAG_MP4), None);
    assert_eq!(mp4_duration_seconds(TINY_WEBM), None);
    assert_eq!(mp4_duration_seconds(b""), None);
}

#[test]
fn reads_mvhd_versions_and_large_boxes_without_reading_media_data() {
    // Version 1 (64-bit) mvhd after a 10 MiB mdat with a 64-bit size: 90 000 units at 1 000/s.
    let mut file = ftyp(b"isom", &[b"isom", b"mp41"]);
    file.extend(mdat_large(10 << 20));
    file.extend(mp4_box(b"moov", &[mp4_box(b"udta", &[1, 2, 3]), mvhd(1, 1000, 90_000)].concat()));
    let mut reader = Counting { inner: Cursor::new(&file), read: 0 };
    assert_eq!(mp4_duration_seconds_reader(&mut reader).unwrap(), Some(90.0));
    assert!(reader.read < 1024, "read {} bytes", reader.read);

    // Version 0 at the front (fast start): 5 min 30 s at 600/s.
    let mut front = ftyp(b"mp42", &[]);
    front.extend(mp4_box(b"moov", &mvhd(0, 600, 330 * 600)));
    front.extend(mp4_box(b"mdat", &[0; 100]));
    assert_eq!(mp4_duration_seconds(&front), Some(330.0));

    // A last box with size 0 runs to the end of the file.
    let mut open_ended = ftyp(b"isom", &[]);
    let mut moov = mp4_box(b"moov", &mvhd(0, 10, 25));
    moov[..4].copy_from_slice(&0u32.to_be_bytes());
    open_ended.extend(moov);
    assert_eq!(mp4_duration_seconds(&open_ended), Some(2.5));
}

#[test]
fn falls_back_to_mehd_and_refuses_nonsense() {
    // Fragmented file: mvhd duration 0, the whole length in moov/mvex/mehd (version 1 and 0).
    for mehd in [
        mp4_box(b"mehd", &[[1, 0, 0, 0].as_slice(), &4500u64.to_be_bytes()].concat()),
        mp4_box(b"mehd", &[[0, 0, 0, 0].as_slice(), &4500u32.to_be_bytes()].concat()),
    ] {
        let moov = mp4_box(b"moov", &[mvhd(0, 90, 0), mp4_box(b"mvex", &mehd)].concat());
        let file = [ftyp(b"iso6", &[]), moov].concat();
        assert_eq!(mp4_duration_seconds(&file), Some(50.0));
    }
    // Unknown duration (all ones) and no mehd; timescale 0; no moov; a moov cut short; a box whose
    // size overruns the file.
    let unknown = [ftyp(b"isom", &[]), mp4_box(b"moov", &mvhd(0, 600, u64::from(u32::MAX)))].concat();
    assert_eq!(mp4_duration_seconds(&unknown), None);
    let no_scale = [ftyp(b"isom", &[]), mp4_box(b"moov", &mvhd(1, 0, 100))].concat();
    assert_eq!(mp4_duration_seconds(&no_scale), None);
    assert_eq!(mp4_duration_seconds(&[ftyp(b"isom", &[]), mp4_box(b"mdat", &[0; 32])].concat()), None);
    let whole = [ftyp(b"isom", &[]), mp4_box(b"moov", &mvhd(0, 600, 6000))].concat();
    assert_eq!(mp4_duration_seconds(&whole), Some(10.0));
    assert_eq!(mp4_duration_seconds(&whole[..whole.len() - 90]), None);
    let mut overrun = whole.clone();
    let at = overrun.windows(4).position(|w| w == b"moov").unwrap() - 4;
    overrun[at..at + 4].copy_from_slice(&10_000u32.to_be_bytes());
    assert_eq!(mp4_duration_seconds(&overrun), None);
    let mut tiny = whole;
    tiny[at..at + 4].copy_from_slice(&4u32.to_be_bytes());
    assert_eq!(mp4_duration_seconds(&tiny), None, "a box smaller than its header");
}

#[test]
fn declared_extensions_are_checked_against_content() {
    use FileType::*;
    // (file name, detected type, accepted)
    let table: &[(&str, FileType, bool)] = &[
        ("第三章 课件.pdf", Pdf, true),
        ("SCAN.PDF", Pdf, true),
        ("第三章 课件.pdf", Zip, false),
        ("教案.docx", Zip, false),
        ("教案.docx", Docx, true),
        ("教案.doc", Docx, false),
        ("教案.doc", LegacyOffice, true),
        ("课件.ppt", LegacyOffice, true),
        ("课件.pptx", LegacyOffice, false),
        ("微课.mp4", Mp4, true),
        ("微课.mov", Mp4, true),
        ("IMG_0001.MP4", Mov, true),
        ("微课.mp4", WebM, false),
        ("微课.mkv", WebM, true),
        ("微课.webm", Matroska, false),
        ("photo.exe", Png, false),
        ("photo.jpg", Png, false),
        ("几何画板.ggb", Zip, true),
        ("资料.zip", Zip, true),
        ("资料.zip", Docx, false),
        ("readme", Pdf, true),
        (".bashrc", Text, true),
        ("notes.txt", Text, true),
        ("notes.txt", Unknown, false),
        ("data.bin", Unknown, true),
        ("dir.v2/file", Pdf, true),
    ];
    for &(name, detected, accepted) in table {
        let result = check_declared(name, detected);
        assert_eq!(result.is_ok(), accepted, "{name} as {detected}: {result:?}");
    }
    let err = check_declared("第三章 课件.PDF", Zip).unwrap_err();
    assert_eq!(err, Mismatch { declared: "pdf".into(), detected: Zip });
    assert_eq!(err.to_string(), "the file is named .pdf but is a zip archive");
}

#[test]
fn media_types_and_extensions() {
    for &t in FileType::ALL {
        assert!(!t.media_type().is_empty());
        assert_eq!(t.extension(), t.extensions().first().copied().unwrap_or(""));
        for ext in t.extensions() {
            assert_eq!(check_declared(&format!("f.{ext}"), t), Ok(()), "{t:?} .{ext}");
        }
    }
    assert_eq!(FileType::Pdf.media_type(), "application/pdf");
    assert_eq!(FileType::Docx.extension(), "docx");
    assert_eq!(FileType::LegacyOffice.media_type_for("教案.DOC"), "application/msword");
    assert_eq!(FileType::LegacyOffice.media_type_for("课件.ppt"), "application/vnd.ms-powerpoint");
    assert_eq!(FileType::LegacyOffice.media_type_for("成绩.xls"), "application/vnd.ms-excel");
    assert_eq!(FileType::LegacyOffice.media_type_for("noname"), "application/vnd.ms-office");
    assert_eq!(FileType::Mp4.media_type_for("x.doc"), "video/mp4");
    assert_eq!(FileType::guess_from_name("微课.MP4"), Some(FileType::Mp4));
    assert_eq!(FileType::guess_from_name("课件.pptx"), Some(FileType::Pptx));
    assert_eq!(FileType::guess_from_name("x.unknown"), None);
    assert_eq!(FileType::guess_from_name("noext"), None);
    let codes: std::collections::HashSet<_> = FileType::ALL.iter().map(|t| t.code()).collect();
    assert_eq!(codes.len(), FileType::ALL.len(), "codes are unique");
}
