//! Rasterising a page of our own layout straight to a grey image, optionally filled in by a
//! simulated student: what the synthetic accuracy tests and the benchmark read, and a way for a
//! newcomer to produce "filled" sheets without a printer.

use qrcode::{EcLevel, QrCode};

use crate::OmrError;
use crate::geometry::Point;
use crate::imaging::Gray;
use crate::layout::{Page, Rect};

/// How a bubble was filled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MarkStyle {
    /// Black or blue ball-point or gel pen, filled well.
    Pen,
    /// A 2B pencil at the given grey level (about 90 for a firm fill, 150 for a light one).
    Pencil { level: u8 },
    /// A mark rubbed out with an eraser: faint graphite left in and around the bubble.
    Erased,
}

/// One bubble a simulated student filled.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub field: String,
    pub value: String,
    pub style: MarkStyle,
    /// The share of the oval covered (0.6–1.0), the stroke wobble comes from `seed`.
    pub coverage: f64,
    pub seed: u64,
}

/// Draws `page` at `px_per_mm`, with the QR code carrying `qr_text` and the given marks.
pub fn render_page(page: &Page, qr_text: &str, px_per_mm: f64, marks: &[Mark]) -> Result<Gray, OmrError> {
    let w = (page.width * px_per_mm).round() as usize;
    let h = (page.height * px_per_mm).round() as usize;
    let mut c = Canvas { img: Gray::new(w, h, 250), s: px_per_mm };
    for m in &page.markers {
        let half = page.marker_size / 2.0;
        c.fill_rect(Rect { x: m.x - half, y: m.y - half, w: page.marker_size, h: page.marker_size }, 20);
    }
    c.fill_rect(page.orientation_mark, 20);
    let code = QrCode::with_error_correction_level(qr_text.as_bytes(), EcLevel::L)
        .map_err(|e| OmrError::Internal(format!("QR code: {e}")))?;
    let n = code.width();
    let module = page.qr.w / (n as f64 + 4.0);
    for (i, color) in code.to_colors().iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (mx, my) = (i % n, i / n);
            c.fill_rect(
                Rect {
                    x: page.qr.x + (mx as f64 + 2.0) * module,
                    y: page.qr.y + (my as f64 + 2.0) * module,
                    w: module,
                    h: module,
                },
                20,
            );
        }
    }
    for f in &page.frames {
        c.stroke_rect(*f, 0.25, 140);
    }
    for t in &page.texts {
        // Text is drawn as grey bars of the right size: the reader must ignore it either way.
        let len = t.text.chars().map(|ch| if ch.is_ascii() { 0.55 } else { 1.0 }).sum::<f64>();
        c.fill_rect(Rect { x: t.x, y: t.y - t.size * 0.75, w: len * t.size, h: t.size * 0.75 }, 120);
    }
    for b in &page.bubbles {
        c.ellipse_ring(b.center, b.w / 2.0, b.h / 2.0, 0.22, 110);
        // A small printed label inside, like the letter of a real bubble.
        c.fill_rect(Rect { x: b.center.x - 0.6, y: b.center.y - 0.12, w: 1.2, h: 0.24 }, 170);
        c.fill_rect(Rect { x: b.center.x - 0.12, y: b.center.y - 0.8, w: 0.24, h: 1.6 }, 170);
    }
    for m in marks {
        let Some(b) = page.bubbles.iter().find(|b| b.field == m.field && b.value == m.value) else {
            return Err(OmrError::layout(&m.field, format!("no bubble {} on page {}", m.value, page.number)));
        };
        let mut rng = m.seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng % 10_000) as f64 / 10_000.0
        };
        let (rx, ry) = (b.w / 2.0 * 0.95, b.h / 2.0 * 0.95);
        match m.style {
            MarkStyle::Pen | MarkStyle::Pencil { .. } => {
                let level = match m.style {
                    MarkStyle::Pen => 35,
                    MarkStyle::Pencil { level } => level,
                    MarkStyle::Erased => 250,
                };
                // Strokes across the oval; coverage below 1 leaves a gap on one side.
                let off = (next() - 0.5) * 0.3;
                let cov = m.coverage.clamp(0.3, 1.0);
                c.fill_ellipse_clip(
                    Point::new(b.center.x + off, b.center.y),
                    rx * 1.02,
                    ry * 1.05,
                    level,
                    cov,
                    next() < 0.5,
                );
            }
            MarkStyle::Erased => {
                c.fill_ellipse_clip(b.center, rx * 1.1, ry * 1.15, 228, 1.0, false);
                c.fill_rect(Rect { x: b.center.x - rx * 1.4, y: b.center.y - 0.4 + next(), w: rx * 2.8, h: 0.5 }, 215);
            }
        }
    }
    Ok(c.img)
}

struct Canvas {
    img: Gray,
    s: f64,
}

impl Canvas {
    fn blend(&mut self, x: isize, y: isize, level: u8, alpha: f64) {
        if x < 0 || y < 0 || x as usize >= self.img.width || y as usize >= self.img.height || alpha <= 0.0 {
            return;
        }
        let i = y as usize * self.img.width + x as usize;
        let old = self.img.data[i] as f64;
        let new = (level as f64).min(old);
        self.img.data[i] = (old + (new - old) * alpha.min(1.0)).round() as u8;
    }

    fn fill_rect(&mut self, r: Rect, level: u8) {
        let (x0, y0) = (r.x * self.s, r.y * self.s);
        let (x1, y1) = ((r.x + r.w) * self.s, (r.y + r.h) * self.s);
        for y in y0.floor() as isize..y1.ceil() as isize {
            let cov_y = ((y as f64 + 1.0).min(y1) - (y as f64).max(y0)).clamp(0.0, 1.0);
            for x in x0.floor() as isize..x1.ceil() as isize {
                let cov_x = ((x as f64 + 1.0).min(x1) - (x as f64).max(x0)).clamp(0.0, 1.0);
                self.blend(x, y, level, cov_x * cov_y);
            }
        }
    }

    fn stroke_rect(&mut self, r: Rect, t: f64, level: u8) {
        self.fill_rect(Rect { x: r.x, y: r.y, w: r.w, h: t }, level);
        self.fill_rect(Rect { x: r.x, y: r.y + r.h - t, w: r.w, h: t }, level);
        self.fill_rect(Rect { x: r.x, y: r.y, w: t, h: r.h }, level);
        self.fill_rect(Rect { x: r.x + r.w - t, y: r.y, w: t, h: r.h }, level);
    }

    /// Pixels whose distance to the ellipse outline (approximated in normalised radius) is
    /// within `t` mm.
    fn ellipse_ring(&mut self, c: Point, rx: f64, ry: f64, t: f64, level: u8) {
        let s = self.s;
        let (x0, x1) = (((c.x - rx - t) * s).floor() as isize, ((c.x + rx + t) * s).ceil() as isize);
        let (y0, y1) = (((c.y - ry - t) * s).floor() as isize, ((c.y + ry + t) * s).ceil() as isize);
        let r_mean = (rx + ry) / 2.0;
        for y in y0..=y1 {
            for x in x0..=x1 {
                let px = (x as f64 + 0.5) / s - c.x;
                let py = (y as f64 + 0.5) / s - c.y;
                let r = ((px / rx).powi(2) + (py / ry).powi(2)).sqrt();
                let d = (r - 1.0).abs() * r_mean;
                let alpha = (t / 2.0 - d) * s + 0.5;
                self.blend(x, y, level, alpha.clamp(0.0, 1.0));
            }
        }
    }

    /// Fills an ellipse; with `coverage` < 1 only that share of its width is filled, from the
    /// left or the right.
    fn fill_ellipse_clip(&mut self, c: Point, rx: f64, ry: f64, level: u8, coverage: f64, from_left: bool) {
        let s = self.s;
        let (x0, x1) = (((c.x - rx) * s).floor() as isize, ((c.x + rx) * s).ceil() as isize);
        let (y0, y1) = (((c.y - ry) * s).floor() as isize, ((c.y + ry) * s).ceil() as isize);
        let cut = c.x - rx + 2.0 * rx * coverage;
        let cut_r = c.x + rx - 2.0 * rx * coverage;
        for y in y0..=y1 {
            for x in x0..=x1 {
                let px = (x as f64 + 0.5) / s;
                let py = (y as f64 + 0.5) / s;
                if (from_left && px > cut) || (!from_left && px < cut_r) {
                    continue;
                }
                let r = (((px - c.x) / rx).powi(2) + ((py - c.y) / ry).powi(2)).sqrt();
                let alpha = (1.0 - r) * rx.min(ry) * s + 0.5;
                self.blend(x, y, level, alpha.clamp(0.0, 1.0));
            }
        }
    }
}
