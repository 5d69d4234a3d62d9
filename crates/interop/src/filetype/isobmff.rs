//! ISO base media files (MP4, QuickTime, M4A): the brand in the `ftyp` box and the length in the
//! `moov/mvhd` box.
//!
//! A file is a sequence of boxes: a 32-bit size (1 means a 64-bit size follows the type, 0 means
//! "to the end of the file"), a four-character type, then the content. Encoders that do not
//! "fast-start" write `moov` after the media data, so finding it means walking the top-level boxes
//! to the end of the file — by seeking, never by reading the media data.

use std::io::{self, Cursor, Read, Seek, SeekFrom};

use super::FileType;

/// Brands of still images in the HEIF/AVIF family, which share the box structure but are no video.
const IMAGE_BRANDS: &[&[u8; 4]] =
    &[b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"];

/// Brands of audio-only MPEG-4 files.
const AUDIO_BRANDS: &[&[u8; 4]] = &[b"M4A ", b"M4B ", b"M4P "];

/// Top-level boxes that may open an old QuickTime file that has no `ftyp`.
const QUICKTIME_OPENERS: &[&[u8; 4]] = &[b"moov", b"mdat", b"wide"];

/// How many boxes the walk visits before giving up, so a file of millions of tiny boxes cannot
/// keep a request busy.
const MAX_BOXES: usize = 100_000;

/// The type of an ISO base media file from its first bytes, or `None` if it is not one.
pub(super) fn kind_from_head(head: &[u8]) -> Option<FileType> {
    let box_type = head.get(4..8)?;
    if box_type == b"ftyp" {
        let major = head.get(8..12)?;
        let size = head.get(0..4).map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as usize)?;
        // Compatible brands follow the major brand and the minor version.
        let compatible = head.get(16..size.min(head.len())).unwrap_or(&[]);
        let brands = std::iter::once(major).chain(compatible.chunks_exact(4));
        let is = |list: &[&[u8; 4]], brand: &[u8]| list.iter().any(|b| b.as_slice() == brand);
        return Some(if major == b"qt  " {
            FileType::Mov
        } else if is(AUDIO_BRANDS, major) {
            FileType::M4a
        } else if is(IMAGE_BRANDS, major) || brands.clone().all(|b| is(IMAGE_BRANDS, b)) {
            FileType::Unknown
        } else {
            FileType::Mp4
        });
    }
    QUICKTIME_OPENERS.iter().any(|o| o.as_slice() == box_type).then_some(FileType::Mov)
}

/// The presentation length in seconds of an MP4/MOV/M4A file held in memory: `duration / timescale`
/// of `moov/mvhd` (versions 0 and 1), or of `moov/mvex/mehd` for a fragmented file whose `mvhd`
/// says 0 or "unknown". `None` when there is no such box or it makes no sense.
pub fn mp4_duration_seconds(bytes: &[u8]) -> Option<f64> {
    mp4_duration_seconds_reader(&mut Cursor::new(bytes)).ok().flatten()
}

/// [`mp4_duration_seconds`] over a seekable reader, reading only box headers and the few boxes
/// needed, wherever `moov` is.
pub fn mp4_duration_seconds_reader<R: Read + Seek>(reader: &mut R) -> io::Result<Option<f64>> {
    let end = reader.seek(SeekFrom::End(0))?;
    let mut budget = MAX_BOXES;
    let Some(moov) = find_box(reader, 0, end, b"moov", &mut budget)? else { return Ok(None) };
    let Some(mvhd) = find_box(reader, moov.start, moov.end, b"mvhd", &mut budget)? else { return Ok(None) };
    let Some((timescale, duration)) = read_mvhd(reader, mvhd)? else { return Ok(None) };
    if timescale == 0 {
        return Ok(None);
    }
    let duration = match duration {
        Some(d) if d > 0 => d,
        _ => match fragment_duration(reader, moov, &mut budget)? {
            Some(d) if d > 0 => d,
            _ => return Ok(None),
        },
    };
    Ok(Some(duration as f64 / f64::from(timescale)))
}

/// The content of one box: from just after its header to its end.
#[derive(Debug, Clone, Copy)]
struct Content {
    start: u64,
    end: u64,
}

/// Walks the boxes between `from` and `to` and returns the content of the first of type `wanted`.
fn find_box<R: Read + Seek>(
    reader: &mut R,
    from: u64,
    to: u64,
    wanted: &[u8; 4],
    budget: &mut usize,
) -> io::Result<Option<Content>> {
    let mut at = from;
    while at + 8 <= to {
        if *budget == 0 {
            return Ok(None);
        }
        *budget -= 1;
        let mut header = [0u8; 8];
        reader.seek(SeekFrom::Start(at))?;
        if !read_full(reader, &mut header)? {
            return Ok(None);
        }
        let size32 = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        let (header_len, size) = match size32 {
            0 => (8, to - at),
            1 => {
                let mut large = [0u8; 8];
                if !read_full(reader, &mut large)? {
                    return Ok(None);
                }
                (16, u64::from_be_bytes(large))
            }
            n => (8, u64::from(n)),
        };
        // A box smaller than its header, or one that overruns its parent, means the file is broken.
        let Some(box_end) = at.checked_add(size).filter(|&e| size >= header_len && e <= to) else {
            return Ok(None);
        };
        if &header[4..8] == wanted {
            return Ok(Some(Content { start: at + header_len, end: box_end }));
        }
        at = box_end;
    }
    Ok(None)
}

/// The timescale and duration of an `mvhd` box; the duration is `None` when it is "unknown"
/// (all ones).
fn read_mvhd<R: Read + Seek>(reader: &mut R, mvhd: Content) -> io::Result<Option<(u32, Option<u64>)>> {
    let mut buf = [0u8; 32];
    let available = (mvhd.end - mvhd.start).min(buf.len() as u64) as usize;
    reader.seek(SeekFrom::Start(mvhd.start))?;
    if !read_full(reader, &mut buf[..available])? {
        return Ok(None);
    }
    let be32 = |at: usize| buf.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    let be64 =
        |at: usize| buf.get(at..at + 8).map(|b| u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]));
    // version(1) flags(3), then creation and modification times (32 or 64 bits), timescale, duration.
    let parsed = match buf[0] {
        0 if available >= 20 => be32(12).zip(be32(16)).map(|(t, d)| (t, (d != u32::MAX).then_some(u64::from(d)))),
        1 if available >= 32 => be32(20).zip(be64(24)).map(|(t, d)| (t, (d != u64::MAX).then_some(d))),
        _ => None,
    };
    Ok(parsed)
}

/// The whole length of a fragmented file, from `moov/mvex/mehd`, in the `mvhd` timescale.
fn fragment_duration<R: Read + Seek>(reader: &mut R, moov: Content, budget: &mut usize) -> io::Result<Option<u64>> {
    let Some(mvex) = find_box(reader, moov.start, moov.end, b"mvex", budget)? else { return Ok(None) };
    let Some(mehd) = find_box(reader, mvex.start, mvex.end, b"mehd", budget)? else { return Ok(None) };
    let mut buf = [0u8; 12];
    let available = (mehd.end - mehd.start).min(buf.len() as u64) as usize;
    reader.seek(SeekFrom::Start(mehd.start))?;
    if !read_full(reader, &mut buf[..available])? {
        return Ok(None);
    }
    Ok(match buf[0] {
        0 if available >= 8 => Some(u64::from(u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]))),
        1 if available >= 12 => {
            Some(u64::from_be_bytes([buf[4], buf[5], buf[6], buf[7], buf[8], buf[9], buf[10], buf[11]]))
        }
        _ => None,
    })
}

/// Fills `buf` completely; `false` if the file ends first.
fn read_full<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<bool> {
    match reader.read_exact(buf) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}
