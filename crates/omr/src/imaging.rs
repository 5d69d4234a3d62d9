//! Grey-scale images and the few operations the reader needs: decoding with a size limit,
//! downscaling, bilinear sampling, integral images, thresholds and connected components.

use std::io::Cursor;

use image::{ImageDecoder, ImageFormat, ImageReader};

use crate::OmrError;

/// The largest image we agree to decode, in pixels (a 100-megapixel photo). Decoding needs about
/// four bytes per pixel at the peak (the colour image and its grey copy), so this bounds memory
/// at roughly 400 MB per image being decoded.
pub const MAX_DECODE_PIXELS: u64 = 100_000_000;

/// The long side images are reduced to before reading. Sheets need about 4–6 pixels per
/// millimetre; 2,400 pixels over an A4 long side is 8 px/mm, and working at a bounded size
/// keeps time and memory flat whatever the camera.
pub const WORK_LONG_SIDE: usize = 2400;

/// An 8-bit grey image, row-major, 0 = black.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gray {
    pub width: usize,
    pub height: usize,
    pub data: Vec<u8>,
}

impl Gray {
    /// A blank image of one grey level.
    pub fn new(width: usize, height: usize, level: u8) -> Gray {
        Gray { width, height, data: vec![level; width * height] }
    }

    /// The pixel at (x, y); callers keep coordinates in range.
    #[inline]
    pub fn get(&self, x: usize, y: usize) -> u8 {
        self.data[y * self.width + x]
    }

    /// The pixel at (x, y) clamped into the image.
    #[inline]
    pub fn get_clamped(&self, x: isize, y: isize) -> u8 {
        let x = x.clamp(0, self.width as isize - 1) as usize;
        let y = y.clamp(0, self.height as isize - 1) as usize;
        self.data[y * self.width + x]
    }

    /// Bilinear sample at a real-valued position (pixel centres at integer + 0.5 are not used:
    /// pixel (i, j) is at (i, j)), clamped at the border.
    #[inline]
    pub fn sample(&self, x: f64, y: f64) -> f64 {
        if self.width == 0 || self.height == 0 {
            return 255.0;
        }
        let xf = x.floor();
        let yf = y.floor();
        let fx = x - xf;
        let fy = y - yf;
        let (x0, y0) = (xf as isize, yf as isize);
        let p00 = self.get_clamped(x0, y0) as f64;
        let p10 = self.get_clamped(x0 + 1, y0) as f64;
        let p01 = self.get_clamped(x0, y0 + 1) as f64;
        let p11 = self.get_clamped(x0 + 1, y0 + 1) as f64;
        (p00 * (1.0 - fx) + p10 * fx) * (1.0 - fy) + (p01 * (1.0 - fx) + p11 * fx) * fy
    }

    /// Reduces the image by an integer factor so that its long side is at most `max_side`,
    /// averaging each block (area resampling, which also removes noise).
    pub fn downscale_to(&self, max_side: usize) -> Gray {
        let long = self.width.max(self.height);
        if long <= max_side || max_side == 0 {
            return self.clone();
        }
        let f = long.div_ceil(max_side);
        self.shrink(f)
    }

    /// Averages `f`×`f` blocks into one pixel.
    pub fn shrink(&self, f: usize) -> Gray {
        if f <= 1 {
            return self.clone();
        }
        let w = self.width / f;
        let h = self.height / f;
        let mut out = vec![0u8; w * h];
        let mut row = vec![0u32; w];
        let area = (f * f) as u32;
        for oy in 0..h {
            row.iter_mut().for_each(|v| *v = 0);
            for y in oy * f..oy * f + f {
                let line = &self.data[y * self.width..y * self.width + w * f];
                for (ox, acc) in row.iter_mut().enumerate() {
                    *acc += line[ox * f..ox * f + f].iter().map(|&v| v as u32).sum::<u32>();
                }
            }
            for (ox, acc) in row.iter().enumerate() {
                out[oy * w + ox] = ((acc + area / 2) / area) as u8;
            }
        }
        Gray { width: w, height: h, data: out }
    }

    /// Resamples to exactly `w`×`h` (area averaging when shrinking, bilinear when growing).
    pub fn resize(&self, w: usize, h: usize) -> Gray {
        let mut out = vec![0u8; w * h];
        let sx = self.width as f64 / w as f64;
        let sy = self.height as f64 / h as f64;
        if sx > 1.5 || sy > 1.5 {
            let integral = Integral::new(self);
            for y in 0..h {
                let y0 = (y as f64 * sy) as usize;
                let y1 = (((y + 1) as f64 * sy) as usize).clamp(y0 + 1, self.height);
                for x in 0..w {
                    let x0 = (x as f64 * sx) as usize;
                    let x1 = (((x + 1) as f64 * sx) as usize).clamp(x0 + 1, self.width);
                    out[y * w + x] = integral.mean(x0, y0, x1, y1).round() as u8;
                }
            }
        } else {
            for y in 0..h {
                for x in 0..w {
                    let v = self.sample((x as f64 + 0.5) * sx - 0.5, (y as f64 + 0.5) * sy - 0.5);
                    out[y * w + x] = v.round().clamp(0.0, 255.0) as u8;
                }
            }
        }
        Gray { width: w, height: h, data: out }
    }

    /// The image turned by 180°.
    pub fn rotated_180(&self) -> Gray {
        let mut data = self.data.clone();
        data.reverse();
        Gray { width: self.width, height: self.height, data }
    }

    /// An approximately Gaussian blur of the given radius (three box passes each way).
    pub fn blur(&self, radius: usize) -> Gray {
        if radius == 0 {
            return self.clone();
        }
        let mut img = self.clone();
        for _ in 0..3 {
            img = img.box_blur_h(radius).transpose().box_blur_h(radius).transpose();
        }
        img
    }

    fn transpose(&self) -> Gray {
        let mut out = vec![0u8; self.data.len()];
        for y in 0..self.height {
            for x in 0..self.width {
                out[x * self.height + y] = self.data[y * self.width + x];
            }
        }
        Gray { width: self.height, height: self.width, data: out }
    }

    fn box_blur_h(&self, r: usize) -> Gray {
        let mut out = vec![0u8; self.data.len()];
        let w = self.width;
        let n = (2 * r + 1) as u32;
        for y in 0..self.height {
            let line = &self.data[y * w..(y + 1) * w];
            let at = |i: isize| line[i.clamp(0, w as isize - 1) as usize] as u32;
            let mut acc: u32 = (-(r as isize)..=r as isize).map(at).sum();
            for x in 0..w {
                out[y * w + x] = ((acc + n / 2) / n) as u8;
                acc += at(x as isize + r as isize + 1);
                acc -= at(x as isize - r as isize);
            }
        }
        Gray { width: w, height: self.height, data: out }
    }

    /// A histogram of the grey levels.
    pub fn histogram(&self) -> [u32; 256] {
        let mut h = [0u32; 256];
        for &v in &self.data {
            h[v as usize] += 1;
        }
        h
    }

    /// Converts to an `image` buffer (for encoding crops).
    pub fn to_image(&self) -> image::GrayImage {
        image::GrayImage::from_raw(self.width as u32, self.height as u32, self.data.clone())
            .unwrap_or_else(|| image::GrayImage::new(self.width as u32, self.height as u32))
    }

    /// Wraps an `image` buffer.
    pub fn from_image(img: &image::GrayImage) -> Gray {
        Gray { width: img.width() as usize, height: img.height() as usize, data: img.as_raw().clone() }
    }

    /// Encodes as PNG.
    pub fn to_png(&self) -> Result<Vec<u8>, OmrError> {
        let mut out = Vec::new();
        self.to_image()
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .map_err(|e| OmrError::Internal(format!("PNG encoding failed: {e}")))?;
        Ok(out)
    }

    /// Encodes as JPEG at the given quality (1–100).
    pub fn to_jpeg(&self, quality: u8) -> Result<Vec<u8>, OmrError> {
        let mut out = Vec::new();
        let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
        enc.encode(&self.data, self.width as u32, self.height as u32, image::ExtendedColorType::L8)
            .map_err(|e| OmrError::Internal(format!("JPEG encoding failed: {e}")))?;
        Ok(out)
    }
}

/// Decodes a JPEG or PNG (recognised by content, not by name), applies the EXIF orientation,
/// converts to grey and reduces the long side to at most `max_side` pixels.
pub fn decode(bytes: &[u8], max_side: usize) -> Result<Gray, OmrError> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| OmrError::image(format!("cannot read: {e}")))?;
    match reader.format() {
        Some(ImageFormat::Jpeg | ImageFormat::Png) => {}
        Some(other) => return Err(OmrError::image(format!("{other:?} images are not supported; send JPEG or PNG"))),
        None => return Err(OmrError::image("not an image (neither JPEG nor PNG)")),
    }
    let mut decoder = reader.into_decoder().map_err(|e| OmrError::image(format!("cannot decode: {e}")))?;
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 {
        return Err(OmrError::image("the image is empty (0 pixels)"));
    }
    if (w as u64) * (h as u64) > MAX_DECODE_PIXELS {
        return Err(OmrError::image(format!(
            "{w}×{h} is larger than {} megapixels; reduce the camera resolution",
            MAX_DECODE_PIXELS / 1_000_000
        )));
    }
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_DECODE_PIXELS * 4);
    decoder.set_limits(limits).map_err(|e| OmrError::image(format!("too large: {e}")))?;
    let mut img =
        image::DynamicImage::from_decoder(decoder).map_err(|e| OmrError::image(format!("cannot decode: {e}")))?;
    img.apply_orientation(orientation);
    let luma = match img {
        image::DynamicImage::ImageLuma8(l) => l,
        other => other.to_luma8(),
    };
    let gray = Gray::from_image(&luma);
    drop(luma);
    Ok(gray.downscale_to(max_side))
}

/// A summed-area table for constant-time box means.
#[derive(Debug)]
pub struct Integral {
    w: usize,
    sum: Vec<u64>,
}

impl Integral {
    pub fn new(img: &Gray) -> Integral {
        let w = img.width + 1;
        let mut sum = vec![0u64; w * (img.height + 1)];
        for y in 0..img.height {
            let mut row = 0u64;
            for x in 0..img.width {
                row += img.get(x, y) as u64;
                sum[(y + 1) * w + x + 1] = sum[y * w + x + 1] + row;
            }
        }
        Integral { w, sum }
    }

    /// The sum over the half-open box [x0, x1) × [y0, y1).
    #[inline]
    pub fn sum(&self, x0: usize, y0: usize, x1: usize, y1: usize) -> u64 {
        let w = self.w;
        self.sum[y1 * w + x1] + self.sum[y0 * w + x0] - self.sum[y0 * w + x1] - self.sum[y1 * w + x0]
    }

    /// The mean over the half-open box, 255 for an empty box.
    #[inline]
    pub fn mean(&self, x0: usize, y0: usize, x1: usize, y1: usize) -> f64 {
        let n = (x1.saturating_sub(x0)) * (y1.saturating_sub(y0));
        if n == 0 {
            return 255.0;
        }
        self.sum(x0, y0, x1, y1) as f64 / n as f64
    }
}

/// Otsu's threshold of a histogram: the level that best separates two classes.
pub fn otsu(hist: &[u32; 256]) -> u8 {
    let total: f64 = hist.iter().map(|&c| c as f64).sum();
    let sum_all: f64 = hist.iter().enumerate().map(|(i, &c)| i as f64 * c as f64).sum();
    let (mut w0, mut sum0, mut best, mut best_t) = (0.0, 0.0, -1.0, 128u8);
    for (t, &c) in hist.iter().enumerate() {
        w0 += c as f64;
        sum0 += t as f64 * c as f64;
        let w1 = total - w0;
        if w0 == 0.0 || w1 == 0.0 {
            continue;
        }
        let m0 = sum0 / w0;
        let m1 = (sum_all - sum0) / w1;
        let between = w0 * w1 * (m0 - m1) * (m0 - m1);
        if between > best {
            best = between;
            best_t = t as u8;
        }
    }
    best_t
}

/// One 8-connected blob of set pixels.
#[derive(Debug, Clone)]
pub struct Component {
    pub area: usize,
    pub min_x: usize,
    pub min_y: usize,
    pub max_x: usize,
    pub max_y: usize,
    pub sum_x: f64,
    pub sum_y: f64,
    /// Whether the blob touches the image border.
    pub touches_border: bool,
}

impl Component {
    pub fn centroid(&self) -> (f64, f64) {
        (self.sum_x / self.area as f64, self.sum_y / self.area as f64)
    }
    pub fn bbox_w(&self) -> usize {
        self.max_x - self.min_x + 1
    }
    pub fn bbox_h(&self) -> usize {
        self.max_y - self.min_y + 1
    }
    /// The share of the bounding box the blob fills.
    pub fn fill(&self) -> f64 {
        self.area as f64 / (self.bbox_w() * self.bbox_h()) as f64
    }
}

/// Labels the 8-connected components of a mask (`true` = set). When `labels` is given it receives
/// the component index + 1 of every pixel (0 for unset pixels).
pub fn components(mask: &[bool], w: usize, h: usize, mut labels: Option<&mut Vec<u32>>) -> Vec<Component> {
    let mut seen = vec![false; mask.len()];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    if let Some(l) = labels.as_deref_mut() {
        l.clear();
        l.resize(mask.len(), 0);
    }
    for start in 0..mask.len() {
        if !mask[start] || seen[start] {
            continue;
        }
        let id = out.len() as u32 + 1;
        let mut c = Component {
            area: 0,
            min_x: usize::MAX,
            min_y: usize::MAX,
            max_x: 0,
            max_y: 0,
            sum_x: 0.0,
            sum_y: 0.0,
            touches_border: false,
        };
        seen[start] = true;
        stack.push(start);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            c.area += 1;
            c.min_x = c.min_x.min(x);
            c.max_x = c.max_x.max(x);
            c.min_y = c.min_y.min(y);
            c.max_y = c.max_y.max(y);
            c.sum_x += x as f64;
            c.sum_y += y as f64;
            if x == 0 || y == 0 || x + 1 == w || y + 1 == h {
                c.touches_border = true;
            }
            if let Some(l) = labels.as_deref_mut() {
                l[i] = id;
            }
            let x0 = x.saturating_sub(1);
            let x1 = (x + 1).min(w - 1);
            let y0 = y.saturating_sub(1);
            let y1 = (y + 1).min(h - 1);
            for ny in y0..=y1 {
                for nx in x0..=x1 {
                    let j = ny * w + nx;
                    if mask[j] && !seen[j] {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
        }
        out.push(c);
    }
    out
}

/// Marks pixels darker than their neighbourhood: `v < mean(window) - offset`, with the window a
/// square of side `2 * radius + 1`. Robust to uneven lighting and shadows.
pub fn adaptive_dark_mask(img: &Gray, integral: &Integral, radius: usize, offset: f64) -> Vec<bool> {
    let (w, h) = (img.width, img.height);
    let mut mask = vec![false; w * h];
    for y in 0..h {
        let y0 = y.saturating_sub(radius);
        let y1 = (y + radius + 1).min(h);
        for x in 0..w {
            let x0 = x.saturating_sub(radius);
            let x1 = (x + radius + 1).min(w);
            let m = integral.mean(x0, y0, x1, y1);
            mask[y * w + x] = (img.get(x, y) as f64) < m - offset;
        }
    }
    mask
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrink_averages_blocks() {
        let img = Gray { width: 4, height: 2, data: vec![0, 255, 10, 10, 0, 255, 10, 10] };
        let s = img.shrink(2);
        assert_eq!((s.width, s.height), (2, 1));
        assert_eq!(s.data, vec![128, 10]);
    }

    #[test]
    fn components_find_two_blobs() {
        let w = 6;
        let mask: Vec<bool> = "##....##..#.......".chars().map(|c| c == '#').collect();
        let comps = components(&mask, w, 3, None);
        assert_eq!(comps.len(), 2);
        assert_eq!(comps[0].area, 4);
    }

    #[test]
    fn not_an_image_is_a_user_error() {
        let err = decode(b"hello, this is text", 100).unwrap_err();
        assert!(err.is_user_error());
        assert!(err.to_string().contains("not an image"), "{err}");
    }

    #[test]
    fn png_round_trip_decodes() {
        let img = Gray { width: 3, height: 2, data: vec![0, 50, 100, 150, 200, 250] };
        let png = img.to_png().unwrap();
        assert_eq!(decode(&png, 100).unwrap(), img);
    }
}
