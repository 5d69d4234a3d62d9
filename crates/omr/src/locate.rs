//! Finding a sheet in a photo: the page outline (bright paper on a darker background), template
//! matching of printed corner markers, and warping a quadrilateral to an upright image.

use crate::geometry::{Homography, Point};
use crate::imaging::{Gray, Integral, components, otsu};

/// Finds the four corners of the page (bright paper) in `img`, in the order top-left, top-right,
/// bottom-right, bottom-left, in `img` pixel coordinates. `None` when no page-like region exists.
pub fn find_page(img: &Gray) -> Option<[Point; 4]> {
    let long = img.width.max(img.height);
    let f = long.div_ceil(800).max(1);
    let small = img.shrink(f).blur(1);
    let t = otsu(&small.histogram());
    let (w, h) = (small.width, small.height);
    let mask: Vec<bool> = small.data.iter().map(|&v| v > t).collect();
    let mut labels = Vec::new();
    let comps = components(&mask, w, h, Some(&mut labels));
    // The page is the largest bright region; one touching the image border on more than one side
    // is background (a wall, a pillow) unless nothing else is large enough.
    let best = comps
        .iter()
        .enumerate()
        .filter(|(_, c)| c.area > w * h / 20)
        .max_by(|(_, a), (_, b)| page_score(a, w, h).total_cmp(&page_score(b, w, h)))?;
    let id = best.0 as u32 + 1;
    // Extreme points along the diagonals give rough corners.
    let mut ext = [(f64::MAX, 0usize, 0usize), (f64::MIN, 0, 0), (f64::MIN, 0, 0), (f64::MAX, 0, 0)];
    for y in 0..h {
        for x in 0..w {
            if labels[y * w + x] != id {
                continue;
            }
            let (s, d) = ((x + y) as f64, x as f64 - y as f64);
            if s < ext[0].0 {
                ext[0] = (s, x, y);
            }
            if d > ext[1].0 {
                ext[1] = (d, x, y);
            }
            if s > ext[2].0 {
                ext[2] = (s, x, y);
            }
            if d < ext[3].0 {
                ext[3] = (d, x, y);
            }
        }
    }
    let rough = ext.map(|(_, x, y)| Point::new(x as f64, y as f64));
    // Refine with straight lines fitted to the region's outline between the rough corners: the
    // corners of real paper are often rounded, folded or slightly outside the frame.
    let boundary = outline(&labels, w, h, id);
    let refined = refine_corners(&rough, &boundary).unwrap_or(rough);
    let scale = f as f64;
    Some(refined.map(|p| Point::new((p.x + 0.5) * scale - 0.5, (p.y + 0.5) * scale - 0.5)))
}

fn page_score(c: &crate::imaging::Component, w: usize, h: usize) -> f64 {
    let mut s = c.area as f64;
    let sides = [c.min_x == 0, c.min_y == 0, c.max_x + 1 == w, c.max_y + 1 == h].iter().filter(|&&b| b).count();
    if sides >= 2 {
        s *= 0.3;
    }
    // Paper fills most of its bounding box; a background region rarely does.
    s * c.fill().powi(2)
}

fn outline(labels: &[u32], w: usize, h: usize, id: u32) -> Vec<Point> {
    let mut pts = Vec::new();
    for y in 0..h {
        for x in 0..w {
            if labels[y * w + x] != id {
                continue;
            }
            let edge = x == 0
                || y == 0
                || x + 1 == w
                || y + 1 == h
                || labels[y * w + x - 1] != id
                || labels[y * w + x + 1] != id
                || labels[(y - 1) * w + x] != id
                || labels[(y + 1) * w + x] != id;
            if edge {
                pts.push(Point::new(x as f64, y as f64));
            }
        }
    }
    pts
}

/// Fits a line to the outline points near each side of the rough quadrilateral and intersects
/// neighbouring lines.
fn refine_corners(rough: &[Point; 4], boundary: &[Point]) -> Option<[Point; 4]> {
    let mut lines = Vec::with_capacity(4);
    for i in 0..4 {
        let a = rough[i];
        let b = rough[(i + 1) % 4];
        let len = a.dist(b);
        if len < 10.0 {
            return None;
        }
        let (dx, dy) = ((b.x - a.x) / len, (b.y - a.y) / len);
        // Points close to the side and away from the corners (which may be rounded).
        let near: Vec<Point> = boundary
            .iter()
            .copied()
            .filter(|p| {
                let t = (p.x - a.x) * dx + (p.y - a.y) * dy;
                let n = (-(p.x - a.x) * dy + (p.y - a.y) * dx).abs();
                t > 0.1 * len && t < 0.9 * len && n < 0.03 * len + 3.0
            })
            .collect();
        if near.len() < 10 {
            return None;
        }
        lines.push(fit_line(&near)?);
    }
    let mut out = [Point::default(); 4];
    for i in 0..4 {
        // Corner i is where side i-1 (into the corner) meets side i (out of it).
        let l1 = lines[(i + 3) % 4];
        let l2 = lines[i];
        out[i] = intersect(l1, l2)?;
        if out[i].dist(rough[i]) > 0.1 * rough[0].dist(rough[2]) {
            return None;
        }
    }
    Some(out)
}

/// A line as (a, b, c) with a·x + b·y = c and (a, b) a unit normal; total least squares with one
/// round of trimming of the worst tenth.
fn fit_line(pts: &[Point]) -> Option<(f64, f64, f64)> {
    let fit = |pts: &[Point]| -> Option<(f64, f64, f64)> {
        let n = pts.len() as f64;
        let mx = pts.iter().map(|p| p.x).sum::<f64>() / n;
        let my = pts.iter().map(|p| p.y).sum::<f64>() / n;
        let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
        for p in pts {
            sxx += (p.x - mx) * (p.x - mx);
            syy += (p.y - my) * (p.y - my);
            sxy += (p.x - mx) * (p.y - my);
        }
        let theta = 0.5 * (2.0 * sxy).atan2(sxx - syy);
        let (a, b) = (-theta.sin(), theta.cos());
        let c = a * mx + b * my;
        if !c.is_finite() {
            return None;
        }
        Some((a, b, c))
    };
    let first = fit(pts)?;
    let mut res: Vec<(f64, Point)> =
        pts.iter().map(|p| ((first.0 * p.x + first.1 * p.y - first.2).abs(), *p)).collect();
    res.sort_by(|a, b| a.0.total_cmp(&b.0));
    let keep: Vec<Point> = res.iter().take((res.len() * 9 / 10).max(2)).map(|r| r.1).collect();
    fit(&keep)
}

fn intersect(l1: (f64, f64, f64), l2: (f64, f64, f64)) -> Option<Point> {
    let det = l1.0 * l2.1 - l1.1 * l2.0;
    if det.abs() < 1e-9 {
        return None;
    }
    Some(Point::new((l1.2 * l2.1 - l1.1 * l2.2) / det, (l1.0 * l2.2 - l1.2 * l2.0) / det))
}

/// Renders the region of `src` that `h` maps the output rectangle onto: output pixel (x, y)
/// comes from `src` at `h(x, y)`.
pub fn warp(src: &Gray, h: &Homography, width: usize, height: usize) -> Gray {
    let mut out = vec![255u8; width * height];
    let m = &h.0;
    for y in 0..height {
        let yf = y as f64;
        for x in 0..width {
            let xf = x as f64;
            let w = m[6] * xf + m[7] * yf + m[8];
            let sx = (m[0] * xf + m[1] * yf + m[2]) / w;
            let sy = (m[3] * xf + m[4] * yf + m[5]) / w;
            out[y * width + x] = src.sample(sx, sy).round() as u8;
        }
    }
    Gray { width, height, data: out }
}

/// The rectangle `[0, w] × [0, h]` as four corners in the usual order.
pub fn rect_corners(w: f64, h: f64) -> [Point; 4] {
    [Point::new(0.0, 0.0), Point::new(w, 0.0), Point::new(w, h), Point::new(0.0, h)]
}

/// Normalised cross-correlation of `tpl` against every position of `img` inside the search box
/// [x0, x1) × [y0, y1) (top-left positions of the template). Returns the best top-left position
/// and its score in -1..1.
pub fn match_template(
    img: &Gray,
    tpl: &Gray,
    x0: usize,
    y0: usize,
    x1: usize,
    y1: usize,
) -> Option<(usize, usize, f64)> {
    match_template_top(img, tpl, (x0, y0, x1, y1), 1).into_iter().next()
}

/// The `k` best local maxima of the normalised cross-correlation inside the search box, at
/// least half a template apart, best first.
pub fn match_template_top(
    img: &Gray,
    tpl: &Gray,
    search: (usize, usize, usize, usize),
    k: usize,
) -> Vec<(usize, usize, f64)> {
    let (x0, y0, x1, y1) = search;
    let (tw, th) = (tpl.width, tpl.height);
    if tw == 0 || th == 0 || tw > img.width || th > img.height {
        return Vec::new();
    }
    let x1 = x1.min(img.width - tw + 1);
    let y1 = y1.min(img.height - th + 1);
    if x0 >= x1 || y0 >= y1 {
        return Vec::new();
    }
    let n = (tw * th) as f64;
    let tmean = tpl.data.iter().map(|&v| v as f64).sum::<f64>() / n;
    let tc: Vec<f64> = tpl.data.iter().map(|&v| v as f64 - tmean).collect();
    let tnorm = tc.iter().map(|v| v * v).sum::<f64>().sqrt();
    if tnorm < 1e-9 {
        return Vec::new();
    }
    let integral = Integral::new(img);
    let sq = SquareIntegral::new(img);
    let (sw, sh) = (x1 - x0, y1 - y0);
    let mut scores = vec![-2.0f64; sw * sh];
    for y in y0..y1 {
        for x in x0..x1 {
            let sum = integral.sum(x, y, x + tw, y + th) as f64;
            let mean = sum / n;
            let var = sq.sum(x, y, x + tw, y + th) - n * mean * mean;
            if var <= 1e-6 {
                continue;
            }
            let mut dot = 0.0;
            for ty in 0..th {
                let row = &img.data[(y + ty) * img.width + x..(y + ty) * img.width + x + tw];
                let trow = &tc[ty * tw..(ty + 1) * tw];
                dot += row.iter().zip(trow).map(|(&a, &b)| a as f64 * b).sum::<f64>();
            }
            scores[(y - y0) * sw + (x - x0)] = dot / (var.sqrt() * tnorm);
        }
    }
    let mut order: Vec<usize> = (0..scores.len()).filter(|&i| scores[i] > -1.5).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let sep = (tw.max(th) / 2).max(1);
    let mut out: Vec<(usize, usize, f64)> = Vec::new();
    for i in order {
        let (x, y) = (x0 + i % sw, y0 + i / sw);
        if out.iter().all(|&(ox, oy, _)| ox.abs_diff(x) > sep || oy.abs_diff(y) > sep) {
            out.push((x, y, scores[i]));
            if out.len() == k {
                break;
            }
        }
    }
    out
}

struct SquareIntegral {
    w: usize,
    sum: Vec<f64>,
}

impl SquareIntegral {
    fn new(img: &Gray) -> SquareIntegral {
        let w = img.width + 1;
        let mut sum = vec![0f64; w * (img.height + 1)];
        for y in 0..img.height {
            let mut row = 0f64;
            for x in 0..img.width {
                let v = img.get(x, y) as f64;
                row += v * v;
                sum[(y + 1) * w + x + 1] = sum[y * w + x + 1] + row;
            }
        }
        SquareIntegral { w, sum }
    }

    fn sum(&self, x0: usize, y0: usize, x1: usize, y1: usize) -> f64 {
        let w = self.w;
        self.sum[y1 * w + x1] + self.sum[y0 * w + x0] - self.sum[y0 * w + x1] - self.sum[y1 * w + x0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_tilted_page_on_a_dark_table() {
        let (w, h) = (400usize, 500usize);
        let mut img = Gray::new(w, h, 40);
        let corners =
            [Point::new(80.0, 60.0), Point::new(330.0, 90.0), Point::new(310.0, 440.0), Point::new(50.0, 410.0)];
        let hm = Homography::from_points(&rect_corners(1.0, 1.0), &corners).unwrap();
        let inv = hm.inverse().unwrap();
        for y in 0..h {
            for x in 0..w {
                let p = inv.apply(Point::new(x as f64, y as f64));
                if (0.0..=1.0).contains(&p.x) && (0.0..=1.0).contains(&p.y) {
                    img.data[y * w + x] = 230;
                }
            }
        }
        let found = find_page(&img).unwrap();
        for (f, c) in found.iter().zip(&corners) {
            assert!(f.dist(*c) < 3.0, "{f:?} vs {c:?}");
        }
    }

    #[test]
    fn template_matching_finds_the_square() {
        let mut img = Gray::new(60, 50, 255);
        for y in 20..30 {
            for x in 33..43 {
                img.data[y * 60 + x] = 0;
            }
        }
        let mut tpl = Gray::new(14, 14, 255);
        for y in 2..12 {
            for x in 2..12 {
                tpl.data[y * 14 + x] = 0;
            }
        }
        let (x, y, s) = match_template(&img, &tpl, 0, 0, 60, 50).unwrap();
        assert_eq!((x, y), (31, 18));
        assert!(s > 0.99);
    }
}
