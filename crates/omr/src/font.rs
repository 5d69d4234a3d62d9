//! The embedded CJK font and the small TrueType subsetter that keeps each PDF small: glyph ids
//! stay as they are, the outlines of unused glyphs are dropped.
//!
//! The font is WenQuanYi Micro Hei (文泉驿微米黑), from Debian's `fonts-wqy-microhei` package,
//! licensed under the Apache License 2.0 (or GPLv3 with a font embedding exception); it is cut
//! down to GB 2312 (6,763 hanzi) plus ASCII, CJK punctuation and full-width forms by
//! `fonts/make-subset.sh`, which documents the exact steps. See `fonts/README.md`.

use std::collections::BTreeSet;

use crate::OmrError;

/// The font file (TrueType, 1.3 MB).
pub const FONT: &[u8] = include_bytes!("../fonts/wqy-microhei-gb2312.ttf");

/// The PostScript-style name used in PDFs.
pub const FONT_NAME: &str = "WenQuanYiMicroHei";

/// A TrueType font reduced to the glyphs in `keep` (plus .notdef and the components of
/// composite glyphs). Glyph ids are unchanged, so text can be written with the original ids.
pub fn subset(data: &[u8], keep: &BTreeSet<u16>) -> Result<Vec<u8>, OmrError> {
    let bad = |what: &str| OmrError::Internal(format!("embedded font: {what}"));
    let u16_at = |o: usize| -> Result<u16, OmrError> {
        data.get(o..o + 2).map(|b| u16::from_be_bytes([b[0], b[1]])).ok_or_else(|| bad("truncated"))
    };
    let u32_at = |o: usize| -> Result<u32, OmrError> {
        data.get(o..o + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]])).ok_or_else(|| bad("truncated"))
    };
    let num_tables = u16_at(4)? as usize;
    let mut tables: Vec<([u8; 4], usize, usize)> = Vec::with_capacity(num_tables);
    for i in 0..num_tables {
        let e = 12 + 16 * i;
        let tag: [u8; 4] = data.get(e..e + 4).and_then(|t| t.try_into().ok()).ok_or_else(|| bad("truncated"))?;
        tables.push((tag, u32_at(e + 8)? as usize, u32_at(e + 12)? as usize));
    }
    let find =
        |tag: &[u8; 4]| tables.iter().find(|t| &t.0 == tag).map(|t| (t.1, t.2)).ok_or_else(|| bad("table missing"));
    let (head, _) = find(b"head")?;
    let (maxp, _) = find(b"maxp")?;
    let (loca, _) = find(b"loca")?;
    let (glyf, glyf_len) = find(b"glyf")?;
    let long = u16_at(head + 50)? == 1;
    let num_glyphs = u16_at(maxp + 4)? as usize;
    let offset = |g: usize| -> Result<usize, OmrError> {
        Ok(if long { u32_at(loca + 4 * g)? as usize } else { 2 * u16_at(loca + 2 * g)? as usize })
    };
    // Glyphs to keep, with the components of composite glyphs.
    let mut kept: BTreeSet<u16> = keep.iter().copied().filter(|&g| (g as usize) < num_glyphs).collect();
    kept.insert(0);
    let mut stack: Vec<u16> = kept.iter().copied().collect();
    while let Some(g) = stack.pop() {
        let (start, end) = (offset(g as usize)?, offset(g as usize + 1)?);
        if end <= start || end > glyf_len {
            continue;
        }
        let at = glyf + start;
        if (u16_at(at)? as i16) >= 0 {
            continue;
        }
        let mut p = at + 10;
        loop {
            let flags = u16_at(p)?;
            let component = u16_at(p + 2)?;
            if kept.insert(component) {
                stack.push(component);
            }
            p += 4 + if flags & 0x0001 != 0 { 4 } else { 2 };
            p += if flags & 0x0008 != 0 {
                2
            } else if flags & 0x0040 != 0 {
                4
            } else if flags & 0x0080 != 0 {
                8
            } else {
                0
            };
            if flags & 0x0020 == 0 {
                break;
            }
        }
    }
    let mut new_glyf = Vec::new();
    let mut new_loca = Vec::with_capacity(4 * (num_glyphs + 1));
    for g in 0..num_glyphs {
        new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
        if kept.contains(&(g as u16)) {
            let (start, end) = (offset(g)?, offset(g + 1)?);
            if end > start && end <= glyf_len {
                new_glyf.extend_from_slice(&data[glyf + start..glyf + end]);
                while new_glyf.len() % 4 != 0 {
                    new_glyf.push(0);
                }
            }
        }
    }
    new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
    // Write the font back: same tables, new glyf and loca, long offsets.
    let mut bodies: Vec<([u8; 4], Vec<u8>)> = Vec::new();
    for (tag, off, len) in &tables {
        let body = match tag {
            b"glyf" => new_glyf.clone(),
            b"loca" => new_loca.clone(),
            b"head" => {
                let mut h = data.get(*off..off + len).ok_or_else(|| bad("truncated"))?.to_vec();
                h[8..12].copy_from_slice(&[0, 0, 0, 0]);
                h[50..52].copy_from_slice(&1u16.to_be_bytes());
                h
            }
            _ => data.get(*off..off + len).ok_or_else(|| bad("truncated"))?.to_vec(),
        };
        bodies.push((*tag, body));
    }
    let n = bodies.len();
    let mut out = Vec::new();
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    out.extend_from_slice(&(n as u16).to_be_bytes());
    let mut pow = 1;
    let mut log = 0u16;
    while pow * 2 <= n {
        pow *= 2;
        log += 1;
    }
    out.extend_from_slice(&((pow * 16) as u16).to_be_bytes());
    out.extend_from_slice(&log.to_be_bytes());
    out.extend_from_slice(&((n * 16 - pow * 16) as u16).to_be_bytes());
    let mut pos = 12 + 16 * n;
    let mut head_at = 0;
    for (tag, body) in &bodies {
        if tag == b"head" {
            head_at = pos;
        }
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(body).to_be_bytes());
        out.extend_from_slice(&(pos as u32).to_be_bytes());
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        pos += body.len().div_ceil(4) * 4;
    }
    for (_, body) in &bodies {
        out.extend_from_slice(body);
        while out.len() % 4 != 0 {
            out.push(0);
        }
    }
    let adjust = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
    out[head_at + 8..head_at + 12].copy_from_slice(&adjust.to_be_bytes());
    Ok(out)
}

fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |acc, c| {
        let mut b = [0u8; 4];
        b[..c.len()].copy_from_slice(c);
        acc.wrapping_add(u32::from_be_bytes(b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subset_keeps_the_requested_glyphs_and_stays_parseable() {
        let face = ttf_parser::Face::parse(FONT, 0).unwrap();
        let ids: BTreeSet<u16> = "学号姓名ABC".chars().map(|c| face.glyph_index(c).unwrap().0).collect();
        let small = subset(FONT, &ids).unwrap();
        assert!(small.len() < FONT.len() / 5, "{} bytes", small.len());
        let sub = ttf_parser::Face::parse(&small, 0).unwrap();
        assert_eq!(sub.number_of_glyphs(), face.number_of_glyphs());
        let g = face.glyph_index('学').unwrap();
        assert!(sub.glyph_bounding_box(g).is_some(), "kept glyph lost its outline");
        let other = face.glyph_index('猫').unwrap();
        assert!(sub.glyph_bounding_box(other).is_none(), "unused glyph kept");
    }
}
