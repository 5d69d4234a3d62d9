//! Synthetic filled sheets photographed by a simulated phone: known answers, then rotation,
//! perspective, blur, JPEG compression, uneven light, a shadow band, light pencil and eraser
//! smudges. The accuracy tests and the benchmark measure the reader against these. Randomness
//! comes only from the seed passed in.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::OmrError;
use crate::geometry::{Homography, Point};
use crate::imaging::{Gray, decode};
use crate::layout::{FieldKind, Page, Sheet, qr_payload};
use crate::locate::rect_corners;
use crate::render::{Mark, MarkStyle, render_page};
use crate::sheetread::{PageReading, StudentNumber};
use crate::{MarkState, reading::FieldReading};

/// One way a phone photo can be bad; `All` combines every one at random strengths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    Clean,
    Rotation,
    Perspective,
    Blur,
    Jpeg40,
    UnevenLight,
    ShadowBand,
    LightPencil,
    EraserSmudge,
    UpsideDown,
    All,
}

impl Condition {
    pub const EVERY: [Condition; 11] = [
        Condition::Clean,
        Condition::Rotation,
        Condition::Perspective,
        Condition::Blur,
        Condition::Jpeg40,
        Condition::UnevenLight,
        Condition::ShadowBand,
        Condition::LightPencil,
        Condition::EraserSmudge,
        Condition::UpsideDown,
        Condition::All,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Condition::Clean => "clean",
            Condition::Rotation => "rotation ±15°",
            Condition::Perspective => "perspective ≤20°",
            Condition::Blur => "blur",
            Condition::Jpeg40 => "JPEG quality 40",
            Condition::UnevenLight => "uneven lighting",
            Condition::ShadowBand => "shadow band",
            Condition::LightPencil => "light pencil",
            Condition::EraserSmudge => "eraser smudge",
            Condition::UpsideDown => "upside down",
            Condition::All => "all combined",
        }
    }
}

/// A synthetic photo and what the student meant.
#[derive(Debug, Clone)]
pub struct SyntheticPhoto {
    /// JPEG bytes of a ~2-megapixel photo.
    pub jpeg: Vec<u8>,
    pub page: u32,
    /// Every intended mark (erased marks are not intended).
    pub intended: Vec<Mark>,
    pub student_number: String,
}

/// The photo's size: 1224×1632 ≈ 2 megapixels.
pub const PHOTO_W: usize = 1224;
pub const PHOTO_H: usize = 1632;

/// Fills page `page_index` of `sheet` with random answers and photographs it under `condition`.
pub fn photograph(
    sheet: &Sheet,
    page_index: usize,
    condition: Condition,
    seed: u64,
) -> Result<SyntheticPhoto, OmrError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let page = sheet.pages.get(page_index).ok_or_else(|| OmrError::layout("page", "no such page"))?;
    let all = condition == Condition::All;
    let pencil = condition == Condition::LightPencil || (all && rng.random_bool(0.5));
    let style = if pencil {
        MarkStyle::Pencil { level: rng.random_range(140..=160) }
    } else if rng.random_bool(0.5) {
        MarkStyle::Pen
    } else {
        MarkStyle::Pencil { level: rng.random_range(70..=100) }
    };
    let (intended, erased, student) = choose_marks(page, style, &mut rng);
    let mut marks = intended.clone();
    if condition == Condition::EraserSmudge || all {
        marks.extend(erased);
    }
    let px_per_mm = 6.0;
    let qr = qr_payload(&sheet.layout.id, page.number, None);
    let flat = render_page(page, &qr, px_per_mm, &marks)?;
    let mut p = Params::default();
    if matches!(condition, Condition::Rotation) || all {
        p.rotation_deg = rng.random_range(-15.0..=15.0);
    }
    if matches!(condition, Condition::Perspective) || all {
        p.tilt_deg = rng.random_range(8.0..=20.0) * if rng.random_bool(0.5) { 1.0 } else { -1.0 };
        p.tilt_axis_vertical = rng.random_bool(0.5);
    }
    if matches!(condition, Condition::UpsideDown) || (all && rng.random_bool(0.3)) {
        p.rotation_deg += 180.0;
    }
    if matches!(condition, Condition::Blur) || all {
        p.blur = rng.random_range(1..=2);
    }
    if matches!(condition, Condition::UnevenLight) || all {
        p.light_gradient = rng.random_range(0.25..=0.45);
        p.light_angle = rng.random_range(0.0..std::f64::consts::TAU);
    }
    if matches!(condition, Condition::ShadowBand) || all {
        p.shadow = Some((rng.random_range(0.2..0.8), rng.random_range(-0.6..0.6), rng.random_range(0.55..0.7)));
    }
    let quality = if matches!(condition, Condition::Jpeg40) || all { 40 } else { 85 };
    let photo = simulate(&flat, &p, &mut rng);
    let jpeg = photo.to_jpeg(quality)?;
    Ok(SyntheticPhoto { jpeg, page: page.number, intended, student_number: student })
}

/// Picks answers: one bubble per single item (a few left blank), one to three per multiple
/// item, a digit per number column, and the student number. Also returns erased marks (a changed
/// answer leaves an erased bubble in the same field).
fn choose_marks(page: &Page, style: MarkStyle, rng: &mut ChaCha8Rng) -> (Vec<Mark>, Vec<Mark>, String) {
    let mut intended = Vec::new();
    let mut erased = Vec::new();
    let mut student = String::new();
    for info in &page.fields {
        let values: Vec<&str> =
            page.bubbles.iter().filter(|b| b.field == info.field).map(|b| b.value.as_str()).collect();
        let student_digit = info.field.starts_with("student.");
        let chosen: Vec<&str> = match info.kind {
            FieldKind::Digit => vec![values[rng.random_range(0..values.len())]],
            FieldKind::Single if rng.random_bool(0.08) => Vec::new(),
            FieldKind::Single => vec![values[rng.random_range(0..values.len())]],
            FieldKind::Multiple => {
                let k = rng.random_range(1..=3.min(values.len()));
                let mut v = values.clone();
                for i in 0..k {
                    let j = rng.random_range(i..v.len());
                    v.swap(i, j);
                }
                v.truncate(k);
                v
            }
        };
        if student_digit {
            student.push_str(chosen.first().copied().unwrap_or("?"));
        }
        for v in &chosen {
            intended.push(Mark {
                field: info.field.clone(),
                value: v.to_string(),
                style,
                coverage: rng.random_range(0.8..=1.0),
                seed: rng.random(),
            });
        }
        if !student_digit && rng.random_bool(0.12) {
            let free: Vec<&&str> = values.iter().filter(|v| !chosen.contains(v)).collect();
            if let Some(v) = free.get(rng.random_range(0..free.len().max(1))) {
                erased.push(Mark {
                    field: info.field.clone(),
                    value: v.to_string(),
                    style: MarkStyle::Erased,
                    coverage: 1.0,
                    seed: rng.random(),
                });
            }
        }
    }
    (intended, erased, student)
}

#[derive(Debug, Default)]
struct Params {
    rotation_deg: f64,
    tilt_deg: f64,
    tilt_axis_vertical: bool,
    blur: usize,
    light_gradient: f64,
    light_angle: f64,
    /// (position 0..1 across the photo, slope, darkness factor)
    shadow: Option<(f64, f64, f64)>,
}

/// Places the flat page in a photo frame as a phone would see it.
fn simulate(flat: &Gray, p: &Params, rng: &mut ChaCha8Rng) -> Gray {
    // The phone is held the way the page lies: landscape for an A3 sheet.
    let (pw_px, ph_px) = if flat.width > flat.height { (PHOTO_H, PHOTO_W) } else { (PHOTO_W, PHOTO_H) };
    let (w, h) = (pw_px as f64, ph_px as f64);
    // The page fills about 80% of the frame, centred with a little jitter.
    let scale = 0.8 * (h / flat.height as f64).min(w / flat.width as f64);
    let (pw, ph) = (flat.width as f64 * scale, flat.height as f64 * scale);
    let mut corners = [
        Point::new(-pw / 2.0, -ph / 2.0),
        Point::new(pw / 2.0, -ph / 2.0),
        Point::new(pw / 2.0, ph / 2.0),
        Point::new(-pw / 2.0, ph / 2.0),
    ];
    // Tilt: the far edge shrinks, the page's depth shortens.
    let t = p.tilt_deg.to_radians();
    let shrink = 1.0 - 0.6 * t.abs().sin();
    let fore = t.cos();
    for c in &mut corners {
        if p.tilt_axis_vertical {
            let far = (c.x > 0.0) == (t > 0.0);
            c.x *= fore;
            if far {
                c.y *= shrink;
            }
        } else {
            let far = (c.y < 0.0) == (t > 0.0);
            c.y *= fore;
            if far {
                c.x *= shrink;
            }
        }
    }
    let r = p.rotation_deg.to_radians();
    let (s, co) = (r.sin(), r.cos());
    let jitter = (rng.random_range(-0.03..0.03) * w, rng.random_range(-0.03..0.03) * h);
    let dst =
        corners.map(|c| Point::new(w / 2.0 + jitter.0 + c.x * co - c.y * s, h / 2.0 + jitter.1 + c.x * s + c.y * co));
    let src = rect_corners(flat.width as f64 - 1.0, flat.height as f64 - 1.0);
    let to_flat =
        Homography::from_points(&dst, &src).unwrap_or(Homography([1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]));
    let mut out = vec![0u8; pw_px * ph_px];
    let bg = rng.random_range(50.0..110.0);
    let (la, lc) = (p.light_angle.cos(), p.light_angle.sin());
    for y in 0..ph_px {
        for x in 0..pw_px {
            let q = to_flat.apply(Point::new(x as f64, y as f64));
            let inside = q.x >= 0.0 && q.y >= 0.0 && q.x <= flat.width as f64 - 1.0 && q.y <= flat.height as f64 - 1.0;
            let mut v = if inside { flat.sample(q.x, q.y) } else { bg + 15.0 * (((x / 7) ^ (y / 5)) % 3) as f64 };
            // Light falls off across the frame.
            let u = ((x as f64 / w - 0.5) * la + (y as f64 / h - 0.5) * lc) + 0.5;
            v *= 1.0 - p.light_gradient * u.clamp(0.0, 1.0);
            if let Some((pos, slope, factor)) = p.shadow {
                let d = (y as f64 / h - pos - slope * (x as f64 / w - 0.5)) * h;
                let half = 0.09 * h;
                let edge = 0.02 * h;
                let a = ((half - d.abs()) / edge).clamp(0.0, 1.0);
                v *= 1.0 - (1.0 - factor) * a;
            }
            out[y * pw_px + x] = v.clamp(0.0, 255.0) as u8;
        }
    }
    let mut img = Gray { width: pw_px, height: ph_px, data: out };
    if p.blur > 0 {
        img = img.blur(p.blur);
    }
    for v in &mut img.data {
        let n: f64 = rng.random_range(-4.0..4.0);
        *v = (*v as f64 + n).clamp(0.0, 255.0) as u8;
    }
    img
}

/// Bubble and student-number tallies of readings against intended marks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub sheets: usize,
    pub failed_sheets: usize,
    pub bubbles: usize,
    pub correct: usize,
    /// Read as ambiguous: sent to a teacher (not an error, but not right either).
    pub flagged: usize,
    /// Read as marked when it was not, or unmarked when it was.
    pub wrong: usize,
    pub student_right: usize,
    pub student_flagged: usize,
    pub student_wrong: usize,
    /// Pages whose QR code was read.
    pub qr_read: usize,
}

impl Tally {
    pub fn add(&mut self, other: &Tally) {
        self.sheets += other.sheets;
        self.failed_sheets += other.failed_sheets;
        self.bubbles += other.bubbles;
        self.correct += other.correct;
        self.flagged += other.flagged;
        self.wrong += other.wrong;
        self.student_right += other.student_right;
        self.student_flagged += other.student_flagged;
        self.student_wrong += other.student_wrong;
        self.qr_read += other.qr_read;
    }

    /// Share of bubbles read right.
    pub fn accuracy(&self) -> f64 {
        if self.bubbles == 0 { 1.0 } else { self.correct as f64 / self.bubbles as f64 }
    }
}

/// Scores one reading.
pub fn score(reading: &PageReading, photo: &SyntheticPhoto) -> Tally {
    let mut t = Tally { sheets: 1, qr_read: usize::from(reading.qr.is_some()), ..Tally::default() };
    for f in &reading.fields {
        score_field(f, photo, &mut t);
    }
    match &reading.student_number {
        StudentNumber::Read(s) if *s == photo.student_number => t.student_right += 1,
        StudentNumber::Read(_) | StudentNumber::Printed(_) => t.student_wrong += 1,
        StudentNumber::Unreadable(_) | StudentNumber::Absent => t.student_flagged += 1,
    }
    t
}

fn score_field(f: &FieldReading, photo: &SyntheticPhoto, t: &mut Tally) {
    for b in &f.bubbles {
        let meant = photo.intended.iter().any(|m| m.field == f.field && m.value == b.value);
        t.bubbles += 1;
        match (b.state, meant) {
            (MarkState::Ambiguous, _) => t.flagged += 1,
            (MarkState::Marked, true) | (MarkState::Unmarked, false) => t.correct += 1,
            _ => t.wrong += 1,
        }
    }
}

/// Decodes a synthetic photo (for benchmarks that time decoding separately).
pub fn decode_photo(photo: &SyntheticPhoto) -> Result<Gray, OmrError> {
    decode(&photo.jpeg, crate::imaging::WORK_LONG_SIDE)
}
