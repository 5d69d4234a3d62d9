//! Printing sheets as PDF: corner markers, the orientation mark, the QR code, bubbles with their
//! labels, numeric grids, answer boxes and Chinese text in the embedded font (subset to the
//! glyphs used, with a ToUnicode map so text can be searched and copied).

use std::collections::{BTreeMap, BTreeSet};

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect as PdfRect, Ref, Str};
use qrcode::{EcLevel, QrCode};

use crate::OmrError;
use crate::font::{FONT, FONT_NAME, subset};
use crate::layout::{Page, PrintedStudent, Rect, Sheet, Text, qr_payload};

const PT_PER_MM: f64 = 72.0 / 25.4;

/// A printed PDF and the characters the embedded font lacks (printed as empty boxes).
#[derive(Debug, Clone)]
pub struct PdfOutput {
    pub bytes: Vec<u8>,
    pub missing_chars: Vec<char>,
}

/// Prints the sheet: once with an empty name line and the student-number grid when `students`
/// is empty, otherwise one copy per student with name and number printed (and carried in the
/// QR code, so the number need not be bubbled).
pub fn sheet_pdf(sheet: &Sheet, students: &[PrintedStudent]) -> Result<PdfOutput, OmrError> {
    let face = ttf_parser::Face::parse(FONT, 0).map_err(|e| OmrError::Internal(format!("embedded font: {e}")))?;
    let upem = face.units_per_em() as f64;
    let copies: Vec<Option<&PrintedStudent>> =
        if students.is_empty() { vec![None] } else { students.iter().map(Some).collect() };
    let mut used: BTreeMap<u16, char> = BTreeMap::new();
    let mut missing: BTreeSet<char> = BTreeSet::new();
    let mut streams = Vec::new();
    for student in &copies {
        for page in &sheet.pages {
            let mut texts = page.texts.clone();
            if let Some(s) = student {
                // The printed identity replaces the blank name line.
                if let Some(t) = texts.iter_mut().find(|t| t.text.starts_with("姓名")) {
                    t.text = format!("姓名 {}  学号 {}  {}", s.name, s.number, s.class);
                }
            }
            let qr = qr_payload(&sheet.layout.id, page.number, student.map(|s| s.number.as_str()));
            let mut enc = |text: &str| -> (Vec<u8>, f64) {
                let mut bytes = Vec::with_capacity(text.len() * 2);
                let mut width = 0.0;
                for ch in text.chars() {
                    let gid = face.glyph_index(ch).map(|g| g.0).unwrap_or_else(|| {
                        missing.insert(ch);
                        0
                    });
                    used.entry(gid).or_insert(ch);
                    bytes.extend_from_slice(&gid.to_be_bytes());
                    width += face.glyph_hor_advance(ttf_parser::GlyphId(gid)).unwrap_or(0) as f64 / upem;
                }
                (bytes, width)
            };
            streams.push(page_content(page, &texts, &qr, &mut enc)?);
        }
    }
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let type0 = Ref::new(3);
    let cid = Ref::new(4);
    let descriptor = Ref::new(5);
    let file = Ref::new(6);
    let cmap = Ref::new(7);
    let mut next = 8;
    let mut page_ids = Vec::new();
    for content in &streams {
        let (pid, cid_ref) = (Ref::new(next), Ref::new(next + 1));
        next += 2;
        page_ids.push(pid);
        let (w, h) = (content.0 * PT_PER_MM, content.1 * PT_PER_MM);
        let mut page = pdf.page(pid);
        page.media_box(PdfRect::new(0.0, 0.0, w as f32, h as f32));
        page.parent(tree);
        page.contents(cid_ref);
        page.resources().fonts().pair(Name(b"F1"), type0);
        page.finish();
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&content.2, 6);
        pdf.stream(cid_ref, &compressed).filter(Filter::FlateDecode);
    }
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_ids.iter().copied()).count(page_ids.len() as i32);
    let name = Name(FONT_NAME.as_bytes());
    let info = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };
    pdf.type0_font(type0)
        .base_font(name)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap);
    {
        let mut c = pdf.cid_font(cid);
        c.subtype(CidFontType::Type2).base_font(name).system_info(info).font_descriptor(descriptor);
        c.cid_to_gid_map_predefined(Name(b"Identity"));
        let mut widths = c.widths();
        for &gid in used.keys() {
            let adv = face.glyph_hor_advance(ttf_parser::GlyphId(gid)).unwrap_or(0) as f64 / upem * 1000.0;
            widths.consecutive(gid, [adv as f32]);
        }
        widths.finish();
        c.finish();
    }
    let bb = face.global_bounding_box();
    let s = 1000.0 / upem;
    pdf.font_descriptor(descriptor)
        .name(name)
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(PdfRect::new(
            (bb.x_min as f64 * s) as f32,
            (bb.y_min as f64 * s) as f32,
            (bb.x_max as f64 * s) as f32,
            (bb.y_max as f64 * s) as f32,
        ))
        .italic_angle(0.0)
        .ascent((face.ascender() as f64 * s) as f32)
        .descent((face.descender() as f64 * s) as f32)
        .cap_height((face.capital_height().unwrap_or(face.ascender()) as f64 * s) as f32)
        .stem_v(80.0)
        .font_file2(file);
    let keep: BTreeSet<u16> = used.keys().copied().collect();
    let font_bytes = subset(FONT, &keep)?;
    let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&font_bytes, 6);
    pdf.stream(file, &compressed).filter(Filter::FlateDecode).pair(Name(b"Length1"), font_bytes.len() as i32);
    let mut unicode = UnicodeCmap::new(Name(b"Custom"), info);
    for (&gid, &ch) in &used {
        if gid != 0 {
            unicode.pair(gid, ch);
        }
    }
    let cmap_bytes = unicode.finish();
    pdf.stream(cmap, cmap_bytes.as_slice());
    Ok(PdfOutput { bytes: pdf.finish(), missing_chars: missing.into_iter().collect() })
}

/// One page's drawing: (width mm, height mm, content bytes).
fn page_content(
    page: &Page,
    texts: &[Text],
    qr_text: &str,
    enc: &mut dyn FnMut(&str) -> (Vec<u8>, f64),
) -> Result<(f64, f64, Vec<u8>), OmrError> {
    let ph = page.height;
    let x = |mm: f64| (mm * PT_PER_MM) as f32;
    let y = |mm: f64| ((ph - mm) * PT_PER_MM) as f32;
    let mut c = Content::new();
    let fill_rect = |c: &mut Content, r: Rect| {
        c.rect(x(r.x), y(r.y + r.h), (r.w * PT_PER_MM) as f32, (r.h * PT_PER_MM) as f32);
    };
    // Markers, orientation mark and QR modules: solid black.
    c.set_fill_gray(0.0);
    for m in &page.markers {
        let half = page.marker_size / 2.0;
        fill_rect(&mut c, Rect { x: m.x - half, y: m.y - half, w: page.marker_size, h: page.marker_size });
    }
    fill_rect(&mut c, page.orientation_mark);
    let code = QrCode::with_error_correction_level(qr_text.as_bytes(), EcLevel::L)
        .map_err(|e| OmrError::Internal(format!("QR code: {e}")))?;
    let n = code.width();
    let module = page.qr.w / (n as f64 + 4.0);
    for (i, color) in code.to_colors().iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (mx, my) = (i % n, i / n);
            fill_rect(
                &mut c,
                Rect {
                    x: page.qr.x + (mx as f64 + 2.0) * module,
                    y: page.qr.y + (my as f64 + 2.0) * module,
                    w: module,
                    h: module,
                },
            );
        }
    }
    c.fill_nonzero();
    // Frames and answer boxes: thin grey lines.
    c.set_stroke_gray(0.45);
    c.set_line_width(0.6);
    for r in &page.frames {
        c.rect(x(r.x), y(r.y + r.h), (r.w * PT_PER_MM) as f32, (r.h * PT_PER_MM) as f32);
    }
    c.stroke();
    // Bubbles: ovals in a mid grey (dark enough to see, light next to a pencil mark).
    c.set_stroke_gray(0.35);
    c.set_line_width(0.7);
    const K: f64 = 0.552_284_75;
    for b in &page.bubbles {
        let (cx, cy, rx, ry) = (b.center.x, b.center.y, b.w / 2.0, b.h / 2.0);
        c.move_to(x(cx + rx), y(cy));
        c.cubic_to(x(cx + rx), y(cy + K * ry), x(cx + K * rx), y(cy + ry), x(cx), y(cy + ry));
        c.cubic_to(x(cx - K * rx), y(cy + ry), x(cx - rx), y(cy + K * ry), x(cx - rx), y(cy));
        c.cubic_to(x(cx - rx), y(cy - K * ry), x(cx - K * rx), y(cy - ry), x(cx), y(cy - ry));
        c.cubic_to(x(cx + K * rx), y(cy - ry), x(cx + rx), y(cy - K * ry), x(cx + rx), y(cy));
        c.close_path();
    }
    c.stroke();
    // Labels inside bubbles in light grey, text in black.
    c.begin_text();
    c.set_fill_gray(0.55);
    for b in &page.bubbles {
        let size = 2.4;
        let (bytes, w) = enc(&b.label);
        c.set_font(Name(b"F1"), (size * PT_PER_MM) as f32);
        c.set_text_matrix([1.0, 0.0, 0.0, 1.0, x(b.center.x - w * size / 2.0), y(b.center.y + size * 0.36)]);
        c.show(Str(&bytes));
    }
    c.set_fill_gray(0.0);
    for t in texts {
        let (bytes, _) = enc(&t.text);
        c.set_font(Name(b"F1"), (t.size * PT_PER_MM) as f32);
        c.set_text_matrix([1.0, 0.0, 0.0, 1.0, x(t.x), y(t.y)]);
        c.show(Str(&bytes));
    }
    c.end_text();
    Ok((page.width, page.height, c.finish().into_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{Item, Paper, SheetLayout};

    fn layout() -> SheetLayout {
        SheetLayout {
            id: "hw-pdf".into(),
            title: "八年级物理 单元测验".into(),
            paper: Paper::A4,
            student_number_digits: 6,
            items: vec![
                Item::Choice { options: 4, multiple: false },
                Item::TrueFalse,
                Item::Numeric { digits: 2 },
                Item::Subjective { height_mm: 40.0 },
            ],
        }
    }

    #[test]
    fn pdf_embeds_a_small_font_and_one_page_per_student() {
        let sheet = layout().lay_out().unwrap();
        let out = sheet_pdf(&sheet, &[]).unwrap();
        assert!(out.bytes.starts_with(b"%PDF-"));
        assert!(out.missing_chars.is_empty());
        assert!(out.bytes.len() < 200_000, "{} bytes", out.bytes.len());
        let text = String::from_utf8_lossy(&out.bytes);
        assert!(text.contains("/FontFile2") && text.contains("/Identity-H") && text.contains("/ToUnicode"));
        let students = [
            PrintedStudent { number: "20260101".into(), name: "张三".into(), class: "八(1)班".into() },
            PrintedStudent { number: "20260102".into(), name: "李四".into(), class: "八(1)班".into() },
        ];
        let out = sheet_pdf(&sheet, &students).unwrap();
        let text = String::from_utf8_lossy(&out.bytes);
        assert!(text.contains("/Count 2"), "one page per student");
    }

    #[test]
    fn characters_outside_the_font_are_reported() {
        let mut l = layout();
        l.title = "测试 𠀋".into();
        let out = sheet_pdf(&l.lay_out().unwrap(), &[]).unwrap();
        assert_eq!(out.missing_chars, vec!['𠀋']);
    }
}
