//! Plane geometry for sheets: points and the homography (perspective transform) that maps sheet
//! coordinates onto a photo, solved from four corresponding points.

/// A point in some 2-D coordinate system (millimetres on the sheet, pixels in an image).
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

impl Point {
    pub const fn new(x: f64, y: f64) -> Self {
        Point { x, y }
    }

    pub fn dist(self, other: Point) -> f64 {
        ((self.x - other.x).powi(2) + (self.y - other.y).powi(2)).sqrt()
    }
}

/// A 3×3 projective transform, row-major, normalised so that the last entry is 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Homography(pub [f64; 9]);

impl Homography {
    /// The transform that maps each `src[i]` onto `dst[i]`, or `None` when the points are
    /// degenerate (three on a line).
    pub fn from_points(src: &[Point; 4], dst: &[Point; 4]) -> Option<Homography> {
        // Eight equations in the eight unknowns h0..h7 (h8 = 1), solved by Gaussian elimination
        // with partial pivoting; four points are exactly determined, so no least squares needed.
        let mut a = [[0.0f64; 9]; 8];
        for i in 0..4 {
            let (x, y) = (src[i].x, src[i].y);
            let (u, v) = (dst[i].x, dst[i].y);
            a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
            a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
        }
        let h = solve8(a)?;
        Some(Homography([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], 1.0]))
    }

    /// Maps a point; points on the line at infinity map far away rather than failing.
    pub fn apply(&self, p: Point) -> Point {
        let m = &self.0;
        let w = m[6] * p.x + m[7] * p.y + m[8];
        let w = if w.abs() < 1e-12 { 1e-12 } else { w };
        Point::new((m[0] * p.x + m[1] * p.y + m[2]) / w, (m[3] * p.x + m[4] * p.y + m[5]) / w)
    }

    /// The inverse transform, or `None` when this one is singular.
    pub fn inverse(&self) -> Option<Homography> {
        let m = &self.0;
        let det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6])
            + m[2] * (m[3] * m[7] - m[4] * m[6]);
        if det.abs() < 1e-15 {
            return None;
        }
        let inv = [
            (m[4] * m[8] - m[5] * m[7]) / det,
            (m[2] * m[7] - m[1] * m[8]) / det,
            (m[1] * m[5] - m[2] * m[4]) / det,
            (m[5] * m[6] - m[3] * m[8]) / det,
            (m[0] * m[8] - m[2] * m[6]) / det,
            (m[2] * m[3] - m[0] * m[5]) / det,
            (m[3] * m[7] - m[4] * m[6]) / det,
            (m[1] * m[6] - m[0] * m[7]) / det,
            (m[0] * m[4] - m[1] * m[3]) / det,
        ];
        let s = inv[8];
        if s.abs() < 1e-15 {
            return Some(Homography(inv));
        }
        Some(Homography(inv.map(|v| v / s)))
    }

    /// How many image units one sheet unit spans around `p` (the mean of the two axis scales).
    pub fn local_scale(&self, p: Point) -> f64 {
        let o = self.apply(p);
        let dx = self.apply(Point::new(p.x + 1.0, p.y));
        let dy = self.apply(Point::new(p.x, p.y + 1.0));
        (o.dist(dx) + o.dist(dy)) / 2.0
    }
}

fn solve8(mut a: [[f64; 9]; 8]) -> Option<[f64; 8]> {
    for col in 0..8 {
        let pivot = (col..8).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        let pivot_row = a[col];
        for (row, r) in a.iter_mut().enumerate() {
            if row != col {
                let f = r[col] / pivot_row[col];
                if f != 0.0 {
                    for (v, p) in r.iter_mut().zip(pivot_row.iter()).skip(col) {
                        *v -= f * p;
                    }
                }
            }
        }
    }
    let mut x = [0.0; 8];
    for i in 0..8 {
        x[i] = a[i][8] / a[i][i];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn homography_maps_corners_and_inverts() {
        let src = [Point::new(0.0, 0.0), Point::new(210.0, 0.0), Point::new(210.0, 297.0), Point::new(0.0, 297.0)];
        let dst =
            [Point::new(103.0, 51.0), Point::new(900.0, 80.0), Point::new(950.0, 1200.0), Point::new(60.0, 1150.0)];
        let h = Homography::from_points(&src, &dst).unwrap();
        for (s, d) in src.iter().zip(&dst) {
            assert!(h.apply(*s).dist(*d) < 1e-6);
        }
        let inv = h.inverse().unwrap();
        let p = Point::new(37.0, 211.0);
        assert!(inv.apply(h.apply(p)).dist(p) < 1e-6);
    }

    #[test]
    fn degenerate_points_are_refused() {
        let line = [Point::new(0.0, 0.0), Point::new(1.0, 1.0), Point::new(2.0, 2.0), Point::new(3.0, 3.0)];
        assert!(Homography::from_points(&line, &line).is_none());
    }
}
