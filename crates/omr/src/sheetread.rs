//! Reading our own sheets from scans and phone photos: find the four corner markers, tell up
//! from down, solve the perspective, read the QR code, classify every bubble against the sheet's
//! own levels, read the student number (never guessed) and cut out the subjective boxes.

use serde::Serialize;

use crate::OmrError;
use crate::classify::{ClassifyConfig, MarkState, SheetLevels, classify, settle_in_field};
use crate::geometry::{Homography, Point};
use crate::imaging::{Gray, Integral, WORK_LONG_SIDE, components, decode};
use crate::layout::{FieldKind, Page, QrPayload, Rect, Sheet};
use crate::locate::warp;
use crate::reading::{BubbleReading, FieldReading, FieldValue};

/// Pixels per millimetre of the cut-out answer boxes (about 200 dpi).
pub const CROP_PX_PER_MM: f64 = 8.0;

/// Reads photos of one laid-out sheet.
#[derive(Debug, Clone)]
pub struct SheetReader {
    pub sheet: Sheet,
    pub classify: ClassifyConfig,
}

/// What could not be read for the student number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum StudentNumber {
    /// Printed on the sheet for this student (from the QR code).
    Printed(String),
    /// Read from the bubble grid, every digit clear.
    Read(String),
    /// Some digit blank, double or ambiguous: `?` stands in for it. Goes to review.
    Unreadable(String),
    /// The layout has neither a grid nor a printed number.
    Absent,
}

/// One page as read.
#[derive(Debug, Clone, Serialize)]
pub struct PageReading {
    pub page: u32,
    /// `None` when the QR code could not be read (the sheet's only page is then assumed).
    pub qr: Option<QrPayload>,
    pub student_number: StudentNumber,
    pub fields: Vec<FieldReading>,
    /// Subjective answer boxes cut out of the photo, straightened.
    #[serde(skip)]
    pub crops: Vec<(String, Gray)>,
    /// The photo showed the page upside down (or turned a quarter); it was read all the same.
    pub rotation_quarters: u8,
    pub levels: SheetLevels,
    /// Where the page's millimetres fall in the decoded image: for cutting out any region later
    /// ([`crop_region`]), such as a field a teacher must look at.
    #[serde(skip)]
    pub page_to_img: Homography,
}

impl PageReading {
    /// Whether a teacher must look at this page: an ambiguous mark, a double mark on a
    /// single-answer item, an unreadable student number or an unreadable QR code.
    pub fn needs_review(&self) -> bool {
        self.qr.is_none()
            || matches!(self.student_number, StudentNumber::Unreadable(_))
            || self.fields.iter().any(|f| f.value == FieldValue::Ambiguous)
    }
}

impl SheetReader {
    pub fn new(sheet: Sheet) -> SheetReader {
        SheetReader { sheet, classify: ClassifyConfig::default() }
    }

    /// Decodes and reads one image.
    pub fn read(&self, bytes: &[u8]) -> Result<PageReading, OmrError> {
        let img = decode(bytes, WORK_LONG_SIDE)?;
        self.read_gray(&img)
    }

    /// Reads one decoded image.
    pub fn read_gray(&self, img: &Gray) -> Result<PageReading, OmrError> {
        let first = self.sheet.pages.first().ok_or_else(|| OmrError::Internal("sheet without pages".into()))?;
        let found = find_markers(img)?;
        // All pages share marker and orientation-mark positions, so the first page settles
        // orientation and perspective.
        let (page_to_img, quarters) = orient(img, first, &found)?;
        let qr = read_qr(img, first, &page_to_img);
        let page = match &qr {
            Some(q) if q.sheet_id != self.sheet.layout.id => {
                return Err(OmrError::WrongSheet { expected: self.sheet.layout.id.clone(), found: q.sheet_id.clone() });
            }
            Some(q) => self.sheet.pages.iter().find(|p| p.number == q.page).ok_or_else(|| {
                OmrError::image(format!(
                    "the QR code names page {}, but the sheet has {}",
                    q.page,
                    self.sheet.pages.len()
                ))
            })?,
            // Without the QR code the page is told by its printed bubbles; the reading then
            // goes to review, because the homework itself cannot be confirmed.
            None if self.sheet.pages.len() == 1 => first,
            None => best_fitting_page(img, &self.sheet.pages, &page_to_img).ok_or_else(|| {
                OmrError::image("QR code unreadable, and the printed layout does not tell which page this is")
            })?,
        };
        let ink = ink_contrast(img, page, &page_to_img);
        // A wrong alignment (a blob taken for a marker) would read confident nonsense: the
        // printed bubble outlines must be where the layout puts them, clearly more than half a
        // bubble pitch away from there.
        let fit_at = |dx: f64, dy: f64| {
            let shifted = |b: &crate::layout::Bubble| crate::layout::Bubble {
                center: Point::new(b.center.x + dx, b.center.y + dy),
                ..b.clone()
            };
            page.bubbles.iter().map(|b| outline_contrast(img, &shifted(b), &page_to_img)).sum::<f64>()
                / page.bubbles.len().max(1) as f64
        };
        let fit = fit_at(0.0, 0.0);
        let off = fit_at(3.5, 0.0).max(fit_at(0.0, 2.8));
        if !page.bubbles.is_empty() && fit < 1.5 * off.max(0.0) + 0.01 {
            return Err(OmrError::image(format!(
                "the sheet could not be aligned: printed bubbles not found where expected ({fit:.3} against {off:.3} off position)"
            )));
        }
        let darkness: Vec<f64> = page.bubbles.iter().map(|b| bubble_darkness(img, &page_to_img, b, ink)).collect();
        let (states, levels) = classify(&darkness, &self.classify);
        let mut fields = Vec::with_capacity(page.fields.len());
        for info in &page.fields {
            let idx: Vec<usize> = (0..page.bubbles.len()).filter(|&i| page.bubbles[i].field == info.field).collect();
            let ds: Vec<f64> = idx.iter().map(|&i| darkness[i]).collect();
            let mut fs: Vec<(MarkState, f64)> = idx.iter().map(|&i| states[i]).collect();
            settle_in_field(&mut fs, &ds, &levels);
            let bubbles = idx
                .iter()
                .zip(fs)
                .map(|(&i, (state, confidence))| BubbleReading {
                    value: page.bubbles[i].value.clone(),
                    darkness: darkness[i],
                    state,
                    confidence,
                })
                .collect();
            let mut f = FieldReading::from_bubbles(info.field.clone(), bubbles);
            // A single-answer item with two marks is the student's answer as written (graded
            // wrong later), not a reading problem; a digit with two marks is unreadable.
            if info.kind == FieldKind::Digit && matches!(&f.value, FieldValue::Marked(v) if v.len() > 1) {
                f.value = FieldValue::Ambiguous;
            }
            fields.push(f);
        }
        let student_number = match qr.as_ref().and_then(|q| q.student.clone()) {
            Some(s) => StudentNumber::Printed(s),
            None => student_from_fields(&fields),
        };
        let crops = page.boxes.iter().map(|b| (b.field.clone(), crop(img, &page_to_img, b.rect))).collect();
        Ok(PageReading {
            page: page.number,
            qr,
            student_number,
            fields,
            crops,
            rotation_quarters: quarters,
            levels,
            page_to_img,
        })
    }
}

fn student_from_fields(fields: &[FieldReading]) -> StudentNumber {
    let digits: Vec<&FieldReading> = fields.iter().filter(|f| f.field.starts_with("student.")).collect();
    if digits.is_empty() {
        return StudentNumber::Absent;
    }
    let mut s = String::new();
    let mut ok = true;
    for d in digits {
        match &d.value {
            FieldValue::Marked(v) if v.len() == 1 => s.push_str(v),
            _ => {
                s.push('?');
                ok = false;
            }
        }
    }
    if ok { StudentNumber::Read(s) } else { StudentNumber::Unreadable(s) }
}

/// A marker candidate: centroid and area in full-image pixels.
#[derive(Debug, Clone, Copy)]
struct Blob {
    c: Point,
    area: f64,
}

/// Finds the four corner markers in image order (top-left, top-right, bottom-right,
/// bottom-left as seen in the photo), or says which corners are missing.
fn find_markers(img: &Gray) -> Result<[Blob; 4], OmrError> {
    let long = img.width.max(img.height);
    let f = long.div_ceil(1000).max(1);
    let small = img.shrink(f);
    let (w, h) = (small.width, small.height);
    if w < 50 || h < 50 {
        return Err(OmrError::image("the image is too small to hold a sheet"));
    }
    // Dark relative to the neighbourhood: robust to shadows and uneven light.
    let integral = Integral::new(&small);
    let r = (w.max(h) / 14).max(8);
    let mut mask = vec![false; w * h];
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
            let m = integral.mean(x0, y0, x1, y1);
            mask[y * w + x] = (small.get(x, y) as f64) < 0.55 * m;
        }
    }
    let comps = components(&mask, w, h, None);
    let min_area = ((w.max(h) as f64) * 0.008).powi(2);
    let max_area = ((w.max(h) as f64) * 0.08).powi(2);
    let cands: Vec<(Blob, f64)> = comps
        .iter()
        .filter(|c| {
            let a = c.area as f64;
            let aspect = c.bbox_w() as f64 / c.bbox_h() as f64;
            a >= min_area
                && a <= max_area
                && c.fill() >= 0.55
                && (0.5..=2.0).contains(&aspect)
                && !c.touches_border
                && on_paper(&integral, c, w, h)
        })
        .map(|c| {
            let (cx, cy) = c.centroid();
            (
                Blob {
                    c: Point::new((cx + 0.5) * f as f64 - 0.5, (cy + 0.5) * f as f64 - 0.5),
                    area: c.area as f64 * (f * f) as f64,
                },
                c.fill(),
            )
        })
        .collect();
    if cands.is_empty() {
        return Err(OmrError::image(
            "corner markers not found: found 0 of 4 (is this an answer sheet, and is it all in the photo?)",
        ));
    }
    // The markers are four solid squares of one size: the largest blob with at least three
    // peers of similar area sets the size (a QR code blurred into one blob has no peers).
    let mut by_area: Vec<f64> = cands.iter().map(|(b, _)| b.area).collect();
    by_area.sort_by(|a, b| b.total_cmp(a));
    let reference = by_area
        .iter()
        .copied()
        .find(|&a| by_area.iter().filter(|&&o| o >= 0.4 * a && o <= 2.5 * a).count() >= 4)
        .unwrap_or(by_area[0]);
    // Perspective makes near markers up to about twice the area of far ones.
    let cands: Vec<Blob> = cands
        .into_iter()
        .filter(|(b, _)| b.area >= 0.4 * reference && b.area <= 4.0 * reference)
        .map(|(b, _)| b)
        .collect();
    let dirs = [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)];
    let mut picks: [Option<usize>; 4] = [None; 4];
    for (k, (dx, dy)) in dirs.iter().enumerate() {
        picks[k] = (0..cands.len()).max_by(|&a, &b| {
            (cands[a].c.x * dx + cands[a].c.y * dy).total_cmp(&(cands[b].c.x * dx + cands[b].c.y * dy))
        });
    }
    // With a marker missing, a neighbouring marker is the extreme in two directions: it stays
    // with the corner it lies towards (seen from the middle of the picks), the other corner is
    // missing.
    let chosen: Vec<usize> = picks.iter().flatten().copied().collect();
    let (mx, my) = (
        chosen.iter().map(|&i| cands[i].c.x).sum::<f64>() / chosen.len().max(1) as f64,
        chosen.iter().map(|&i| cands[i].c.y).sum::<f64>() / chosen.len().max(1) as f64,
    );
    let toward = |i: usize, k: usize| (cands[i].c.x - mx) * dirs[k].0 + (cands[i].c.y - my) * dirs[k].1;
    for k in 0..4 {
        for j in 0..4 {
            if let Some(i) = picks[k]
                && j != k
                && picks[j] == Some(i)
                && toward(i, k) < toward(i, j)
            {
                picks[k] = None;
            }
        }
    }
    // Check the four: of similar size and far apart. A corner whose pick is much smaller than the
    // others is missing too.
    let mut areas: Vec<f64> = picks.iter().flatten().map(|&i| cands[i].area).collect();
    areas.sort_by(f64::total_cmp);
    let typical = areas.get(areas.len().saturating_sub(2)).copied().unwrap_or(0.0);
    let names = ["top-left", "top-right", "bottom-right", "bottom-left"];
    let mut missing = Vec::new();
    let mut out = [Blob { c: Point::default(), area: 0.0 }; 4];
    for k in 0..4 {
        match picks[k] {
            Some(i) if cands[i].area >= 0.4 * typical => out[k] = cands[i],
            _ => missing.push(names[k]),
        }
    }
    // Two neighbouring corners picked almost the same place: the one that lies less towards its
    // own corner is a stand-in for a missing marker.
    let diag = out[0].c.dist(out[2].c).max(out[1].c.dist(out[3].c));
    if missing.is_empty() {
        for k in 0..4 {
            let j = (k + 1) % 4;
            if out[k].c.dist(out[j].c) < 0.2 * diag {
                let along = |b: &Blob, d: usize| (b.c.x - mx) * dirs[d].0 + (b.c.y - my) * dirs[d].1;
                missing.push(if along(&out[k], k) < along(&out[j], j) { names[k] } else { names[j] });
            }
        }
        missing.dedup();
    }
    if !missing.is_empty() {
        return Err(OmrError::image(format!(
            "corner markers: found {} of 4; not found: {} (keep all four corners in the photo)",
            4 - missing.len().min(4),
            missing.join(", ")
        )));
    }
    Ok(out)
}

/// Whether a blob is printed ink on paper: its box is much darker than the paper on each of its
/// four sides (a dark patch of a textured table, or one at the page's edge, is not). Sides cut
/// off by the image border are judged on what is left of them.
fn on_paper(integral: &Integral, c: &crate::imaging::Component, w: usize, h: usize) -> bool {
    let pad = c.bbox_w().max(c.bbox_h()) * 3 / 5 + 1;
    let (x0, y0, x1, y1) = (c.min_x, c.min_y, c.max_x + 1, c.max_y + 1);
    let inside = integral.mean(x0, y0, x1, y1);
    let sides = [
        (x0.saturating_sub(pad), y0, x0, y1),
        (x1, y0, (x1 + pad).min(w), y1),
        (x0, y0.saturating_sub(pad), x1, y0),
        (x0, y1, x1, (y1 + pad).min(h)),
    ];
    let mut seen = 0;
    for (sx0, sy0, sx1, sy1) in sides {
        if sx1 < sx0 + 2 || sy1 < sy0 + 2 {
            continue;
        }
        seen += 1;
        if inside >= 0.6 * integral.mean(sx0, sy0, sx1, sy1) {
            return false;
        }
    }
    seen >= 3
}

/// Tries the four ways the page can lie in the photo; the orientation mark beside the page's
/// top-left marker is dark for the right one. Returns the page→image homography and how many
/// quarter turns the page was rotated.
fn orient(img: &Gray, page: &Page, found: &[Blob; 4]) -> Result<(Homography, u8), OmrError> {
    let mut best: Option<(f64, Homography, u8)> = None;
    let m = page.orientation_mark;
    let c = m.center();
    let (pw, ph) = (page.width, page.height);
    // Where the mark would be if the page were turned: the page's other corners.
    let decoys = [Point::new(pw - c.x, c.y), Point::new(pw - c.x, ph - c.y), Point::new(c.x, ph - c.y)];
    for r in 0..4u8 {
        let dst: [Point; 4] = std::array::from_fn(|k| found[(k + r as usize) % 4].c);
        let Some(h) = Homography::from_points(&page.markers, &dst) else { continue };
        let mark = patch_mean(img, &h, c, m.w * 0.6);
        let decoy = decoys.iter().map(|&d| patch_mean(img, &h, d, m.w * 0.6)).fold(0.0, f64::max);
        let paper = patch_mean(img, &h, Point::new(c.x, c.y + m.h + 3.0), m.w * 0.6).max(decoy);
        // Dark mark, light decoys: the contrast decides.
        let score = paper - mark;
        if best.as_ref().is_none_or(|b| score > b.0) {
            best = Some((score, h, r));
        }
    }
    match best {
        Some((score, h, r)) if score > 40.0 => Ok((h, r)),
        _ => Err(OmrError::image("the orientation mark beside the top-left marker was not found")),
    }
}

/// Mean grey level of a small square patch around a page point.
fn patch_mean(img: &Gray, h: &Homography, c: Point, size: f64) -> f64 {
    let mut sum = 0.0;
    for j in 0..4 {
        for i in 0..4 {
            let p = h.apply(Point::new(
                c.x + size * ((i as f64 + 0.5) / 4.0 - 0.5),
                c.y + size * ((j as f64 + 0.5) / 4.0 - 0.5),
            ));
            sum += img.sample(p.x, p.y);
        }
    }
    sum / 16.0
}

/// The page whose printed bubble outlines best match the photo: outlines where the page has
/// bubbles and blank paper where another page has them. `None` unless clearly better than the
/// runner-up.
fn best_fitting_page<'a>(img: &Gray, pages: &'a [Page], h: &Homography) -> Option<&'a Page> {
    // Outline contrast at every bubble position of any page (positions shared by all pages,
    // such as the student grid, calibrate what a printed outline looks like).
    let key = |b: &crate::layout::Bubble| ((b.center.x * 10.0).round() as i64, (b.center.y * 10.0).round() as i64);
    let mut positions: std::collections::BTreeMap<(i64, i64), &crate::layout::Bubble> =
        std::collections::BTreeMap::new();
    for p in pages {
        for b in &p.bubbles {
            positions.entry(key(b)).or_insert(b);
        }
    }
    let on_page: Vec<std::collections::HashSet<(i64, i64)>> =
        pages.iter().map(|p| p.bubbles.iter().map(key).collect()).collect();
    let contrast: Vec<((i64, i64), f64)> = positions.iter().map(|(k, b)| (*k, outline_contrast(img, b, h))).collect();
    let shared: Vec<f64> =
        contrast.iter().filter(|(k, _)| on_page.iter().all(|s| s.contains(k))).map(|(_, c)| *c).collect();
    let printed = if shared.is_empty() {
        contrast.iter().map(|(_, c)| *c).fold(0.0, f64::max)
    } else {
        shared.iter().sum::<f64>() / shared.len() as f64
    };
    if printed < 0.03 {
        return None;
    }
    let mut errors: Vec<(f64, &Page)> = pages
        .iter()
        .zip(&on_page)
        .map(|(p, set)| {
            let err =
                contrast.iter().map(|(k, c)| (c - if set.contains(k) { printed } else { 0.0 }).abs()).sum::<f64>()
                    / contrast.len().max(1) as f64;
            (err, p)
        })
        .collect();
    errors.sort_by(|a, b| a.0.total_cmp(&b.0));
    match errors.as_slice() {
        [best, second, ..] if second.0 - best.0 > 0.1 * printed => Some(best.1),
        _ => None,
    }
}

/// Contrast of a bubble's printed outline against the paper just outside it. The outline is a
/// thin line, so each direction takes the darkest of a few radii around the nominal one: a small
/// misregistration must not hide it.
fn outline_contrast(img: &Gray, b: &crate::layout::Bubble, h: &Homography) -> f64 {
    let (rx, ry) = (b.w / 2.0, b.h / 2.0);
    let mut sum = 0.0;
    for k in 0..8 {
        let a = k as f64 * std::f64::consts::TAU / 8.0;
        let (c, s) = (a.cos(), a.sin());
        let ring = [0.8, 0.9, 1.0, 1.1, 1.2]
            .iter()
            .map(|&f| {
                let p = h.apply(Point::new(b.center.x + f * rx * c, b.center.y + f * ry * s));
                img.sample(p.x, p.y)
            })
            .fold(f64::MAX, f64::min);
        let off = h.apply(Point::new(b.center.x + 1.45 * rx * c, b.center.y + 1.45 * ry * s));
        let paper = img.sample(off.x, off.y).max(1.0);
        sum += 1.0 - ring / paper;
    }
    sum / 8.0
}

/// How much darker than the paper beside it the printed ink is (1 − ink / paper), measured on
/// the corner markers. Light falls on paper and ink alike, so this ratio holds across shadows
/// and gradients where a difference of grey levels would not.
fn ink_contrast(img: &Gray, page: &Page, h: &Homography) -> f64 {
    let centre = Point::new(page.width / 2.0, page.height / 2.0);
    let mut v: Vec<f64> = page
        .markers
        .iter()
        .map(|&m| {
            let ink = patch_mean(img, h, m, page.marker_size * 0.5);
            let toward = Point::new(m.x + (centre.x - m.x).signum() * 1.3 * page.marker_size, m.y);
            let paper = patch_mean(img, h, toward, page.marker_size * 0.5).max(1.0);
            1.0 - ink / paper
        })
        .collect();
    v.sort_by(f64::total_cmp);
    ((v[1] + v[2]) / 2.0).clamp(0.3, 1.0)
}

/// Darkness (0 = paper, 1 = ink as dark as the markers) inside a bubble, as contrast against
/// the paper just around it.
fn bubble_darkness(img: &Gray, h: &Homography, b: &crate::layout::Bubble, ink_contrast: f64) -> f64 {
    let (rx, ry) = (b.w / 2.0, b.h / 2.0);
    let mut sum = 0.0;
    let mut n = 0.0;
    const N: i32 = 7;
    for j in 0..N {
        for i in 0..N {
            let u = (i as f64 + 0.5) / N as f64 * 2.0 - 1.0;
            let v = (j as f64 + 0.5) / N as f64 * 2.0 - 1.0;
            if u * u + v * v > 1.0 {
                continue;
            }
            let p = h.apply(Point::new(b.center.x + u * rx * 0.72, b.center.y + v * ry * 0.72));
            sum += img.sample(p.x, p.y);
            n += 1.0;
        }
    }
    let inside = sum / n;
    // Paper all around the bubble; the median of eight points follows a shadow edge or a light
    // gradient across the bubble (symmetric points average it out) and ignores a neighbour's
    // mark or a frame line under one or two of them.
    let (ox, oy) = (rx + 1.0, ry + 1.1);
    let around = [(ox, 0.0), (-ox, 0.0), (0.0, oy), (0.0, -oy), (ox, oy), (-ox, oy), (ox, -oy), (-ox, -oy)];
    let mut paper: Vec<f64> = around
        .iter()
        .map(|&(dx, dy)| {
            let p = h.apply(Point::new(b.center.x + dx, b.center.y + dy));
            img.sample(p.x, p.y)
        })
        .collect();
    paper.sort_by(f64::total_cmp);
    let paper = (paper[3] + paper[4] + paper[5]) / 3.0;
    ((1.0 - inside / paper.max(1.0)) / ink_contrast).clamp(-0.5, 1.5)
}

/// Reads the QR code: the page region around it is straightened and handed to the decoder.
fn read_qr(img: &Gray, page: &Page, h: &Homography) -> Option<QrPayload> {
    let q = page.qr;
    let scale = 10.0;
    let pad = 2.0;
    let size = ((q.w + 2.0 * pad) * scale).round() as usize;
    let to_img = compose(h, &Homography([1.0 / scale, 0.0, q.x - pad, 0.0, 1.0 / scale, q.y - pad, 0.0, 0.0, 1.0]));
    let patch = warp(img, &to_img, size, size);
    // A phone photo blurs the modules; the decoder's own thresholding copes badly with soft
    // edges, so the straightened patch is binarised first at Otsu's level and a few levels
    // around it, plain and sharpened (unsharp mask).
    let soft = patch.blur(3);
    let sharp = Gray {
        width: patch.width,
        height: patch.height,
        data: patch
            .data
            .iter()
            .zip(&soft.data)
            .map(|(&p, &s)| (2.5 * p as f64 - 1.5 * s as f64).clamp(0.0, 255.0) as u8)
            .collect(),
    };
    for img in [&patch, &sharp] {
        let t = crate::imaging::otsu(&img.histogram()) as i32;
        for delta in [0, -25, 25] {
            let level = (t + delta).clamp(1, 254) as u8;
            let mut prepared =
                rqrr::PreparedImage::prepare_from_greyscale(
                    size,
                    size,
                    |x, y| if img.get(x, y) < level { 0 } else { 255 },
                );
            for grid in prepared.detect_grids() {
                if let Ok((_, content)) = grid.decode()
                    && let Some(p) = QrPayload::parse(&content)
                {
                    return Some(p);
                }
            }
        }
    }
    None
}

/// Cuts a region of the page (millimetres, as the layout gives them) out of the image the reading
/// was made from, straightened, at [`CROP_PX_PER_MM`].
pub fn crop_region(img: &Gray, reading: &PageReading, r: Rect) -> Gray {
    crop(img, &reading.page_to_img, r)
}

fn crop(img: &Gray, h: &Homography, r: Rect) -> Gray {
    let s = CROP_PX_PER_MM;
    let to_img = compose(h, &Homography([1.0 / s, 0.0, r.x, 0.0, 1.0 / s, r.y, 0.0, 0.0, 1.0]));
    warp(img, &to_img, (r.w * s).round() as usize, (r.h * s).round() as usize)
}

/// `a ∘ b`: first `b`, then `a`.
pub(crate) fn compose(a: &Homography, b: &Homography) -> Homography {
    let (x, y) = (&a.0, &b.0);
    let mut m = [0.0; 9];
    for r in 0..3 {
        for c in 0..3 {
            m[r * 3 + c] = (0..3).map(|k| x[r * 3 + k] * y[k * 3 + c]).sum();
        }
    }
    Homography(m)
}
