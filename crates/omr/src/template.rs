//! OMRChecker's `template.json` layouts: field blocks with an origin, gaps and labels, read after
//! cropping the page and aligning on printed markers, so existing sheet designs (and the samples
//! OMRChecker ships) can be read. The output has the shape of OMRChecker's results CSV: one
//! column per field, custom labels concatenated, empty for unmarked, letters concatenated for
//! multiple marks.

use serde_json::Value;

use crate::OmrError;
use crate::classify::{ClassifyConfig, MarkState, SheetLevels, classify, settle_in_field};
use crate::geometry::{Homography, Point};
use crate::imaging::{Gray, WORK_LONG_SIDE, decode};
use crate::locate::{find_page, match_template, match_template_top, rect_corners, warp};
use crate::reading::{BubbleReading, FieldReading, FieldValue};

/// A parsed `template.json`.
#[derive(Debug, Clone)]
pub struct Template {
    /// Page width and height in template units (pixels of the aligned page).
    pub page: (f64, f64),
    /// Default bubble width and height.
    pub bubble: (f64, f64),
    pub fields: Vec<TemplateField>,
    /// Output columns made of several fields, concatenated in order (e.g. a roll number).
    pub custom_labels: Vec<(String, Vec<String>)>,
    pub preprocessors: Vec<Preprocessor>,
}

/// One field: a question or one digit column.
#[derive(Debug, Clone)]
pub struct TemplateField {
    pub label: String,
    pub block: String,
    pub bubbles: Vec<TemplateBubble>,
}

/// One bubble: its value and the top-left corner of its box, in template units.
#[derive(Debug, Clone)]
pub struct TemplateBubble {
    pub value: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// The pre-processing steps of a template, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Preprocessor {
    /// Find the page outline and straighten it.
    CropPage,
    /// Find four printed markers (one per quarter of the page) by template matching and align
    /// their centres to the page corners.
    CropOnMarkers {
        marker_path: String,
        sheet_to_marker_width_ratio: f64,
    },
    GaussianBlur,
    /// Stretch grey levels: `low` and below become black, `high` and above white (0..1).
    Levels {
        low: f64,
        high: f64,
    },
}

const PROCESSING_WIDTH: f64 = 666.0;

impl Template {
    /// Parses OMRChecker's documented template format.
    pub fn parse(json: &str) -> Result<Template, OmrError> {
        let v: Value =
            serde_json::from_str(json).map_err(|e| OmrError::template("(file)", format!("not JSON: {e}")))?;
        let pair = |key: &str| -> Result<(f64, f64), OmrError> {
            let a = v.get(key).and_then(Value::as_array).ok_or_else(|| OmrError::template(key, "missing [w, h]"))?;
            match (a.first().and_then(Value::as_f64), a.get(1).and_then(Value::as_f64)) {
                (Some(w), Some(h)) if w > 0.0 && h > 0.0 => Ok((w, h)),
                _ => Err(OmrError::template(key, "expected two positive numbers")),
            }
        };
        let page = pair("pageDimensions")?;
        let bubble = pair("bubbleDimensions")?;
        let mut fields = Vec::new();
        let blocks = v
            .get("fieldBlocks")
            .and_then(Value::as_object)
            .ok_or_else(|| OmrError::template("fieldBlocks", "missing"))?;
        for (name, b) in blocks {
            fields.extend(parse_block(name, b, bubble)?);
        }
        let mut seen = std::collections::HashSet::new();
        for f in &fields {
            if !seen.insert(f.label.clone()) {
                return Err(OmrError::template(
                    format!("fieldBlocks.{}", f.block),
                    format!("label {} used twice", f.label),
                ));
            }
        }
        let mut custom_labels = Vec::new();
        if let Some(obj) = v.get("customLabels").and_then(Value::as_object) {
            for (name, parts) in obj {
                let path = format!("customLabels.{name}");
                let arr = parts.as_array().ok_or_else(|| OmrError::template(&path, "expected a list of labels"))?;
                let mut labels = Vec::new();
                for p in arr {
                    let s = p.as_str().ok_or_else(|| OmrError::template(&path, "labels must be strings"))?;
                    labels.extend(expand_labels(s).map_err(|e| OmrError::template(&path, e))?);
                }
                for l in &labels {
                    if !seen.contains(l) {
                        return Err(OmrError::template(&path, format!("{l} is not a field label")));
                    }
                }
                custom_labels.push((name.clone(), labels));
            }
        }
        let mut preprocessors = Vec::new();
        if let Some(arr) = v.get("preProcessors").and_then(Value::as_array) {
            for (i, p) in arr.iter().enumerate() {
                let path = format!("preProcessors[{i}]");
                let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
                let opts = p.get("options");
                let opt = |k: &str| opts.and_then(|o| o.get(k));
                preprocessors.push(match name {
                    "CropPage" => Preprocessor::CropPage,
                    "CropOnMarkers" => Preprocessor::CropOnMarkers {
                        marker_path: opt("relativePath")
                            .and_then(Value::as_str)
                            .unwrap_or("omr_marker.jpg")
                            .to_string(),
                        sheet_to_marker_width_ratio: opt("sheetToMarkerWidthRatio")
                            .and_then(Value::as_f64)
                            .unwrap_or(17.0),
                    },
                    "GaussianBlur" => Preprocessor::GaussianBlur,
                    "Levels" => Preprocessor::Levels {
                        low: opt("low").and_then(Value::as_f64).unwrap_or(0.0),
                        high: opt("high").and_then(Value::as_f64).unwrap_or(1.0),
                    },
                    "MedianBlur" => Preprocessor::GaussianBlur,
                    other => return Err(OmrError::template(path, format!("pre-processor {other:?} is not supported"))),
                });
            }
        }
        Ok(Template { page, bubble, fields, custom_labels, preprocessors })
    }

    /// The marker image a `CropOnMarkers` step needs, relative to the template's folder.
    pub fn marker_path(&self) -> Option<&str> {
        self.preprocessors.iter().find_map(|p| match p {
            Preprocessor::CropOnMarkers { marker_path, .. } => Some(marker_path.as_str()),
            _ => None,
        })
    }

    /// The output columns: custom labels plus fields not part of one, in OMRChecker's order
    /// (alphabetic prefix, then number).
    pub fn columns(&self) -> Vec<String> {
        let in_custom: std::collections::HashSet<&str> =
            self.custom_labels.iter().flat_map(|(_, l)| l.iter().map(String::as_str)).collect();
        let mut cols: Vec<String> = self.custom_labels.iter().map(|(n, _)| n.clone()).collect();
        cols.extend(self.fields.iter().filter(|f| !in_custom.contains(f.label.as_str())).map(|f| f.label.clone()));
        cols.sort_by_key(|c| natural_key(c));
        cols
    }
}

fn natural_key(s: &str) -> (String, u64, String) {
    let prefix: String = s.chars().take_while(|c| !c.is_ascii_digit()).collect();
    let rest = &s[prefix.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (prefix, digits.parse().unwrap_or(0), rest[digits.len()..].to_string())
}

fn parse_block(name: &str, b: &Value, bubble: (f64, f64)) -> Result<Vec<TemplateField>, OmrError> {
    let path = format!("fieldBlocks.{name}");
    let num = |k: &str| b.get(k).and_then(Value::as_f64);
    let field_type = b.get("fieldType").and_then(Value::as_str);
    let (mut values, mut direction): (Vec<String>, &str) = match field_type {
        Some("QTYPE_INT") => ((0..10).map(|d| d.to_string()).collect(), "vertical"),
        Some("QTYPE_INT_FROM_1") => ((1..10).chain(0..1).map(|d| d.to_string()).collect(), "vertical"),
        Some("QTYPE_MCQ4") => (["A", "B", "C", "D"].map(String::from).to_vec(), "horizontal"),
        Some("QTYPE_MCQ5") => (["A", "B", "C", "D", "E"].map(String::from).to_vec(), "horizontal"),
        Some(other) => return Err(OmrError::template(format!("{path}.fieldType"), format!("unknown type {other}"))),
        None => (Vec::new(), "horizontal"),
    };
    if let Some(bv) = b.get("bubbleValues").and_then(Value::as_array) {
        values = bv.iter().map(|x| x.as_str().map(String::from).unwrap_or_else(|| x.to_string())).collect();
    }
    if let Some(d) = b.get("direction").and_then(Value::as_str) {
        direction = if d == "vertical" { "vertical" } else { "horizontal" };
    }
    if values.is_empty() {
        return Err(OmrError::template(path, "needs a fieldType or bubbleValues"));
    }
    let origin = b
        .get("origin")
        .and_then(Value::as_array)
        .ok_or_else(|| OmrError::template(format!("{path}.origin"), "missing"))?;
    let (ox, oy) = match (origin.first().and_then(Value::as_f64), origin.get(1).and_then(Value::as_f64)) {
        (Some(x), Some(y)) => (x, y),
        _ => return Err(OmrError::template(format!("{path}.origin"), "expected [x, y]")),
    };
    let bubbles_gap = num("bubblesGap").ok_or_else(|| OmrError::template(format!("{path}.bubblesGap"), "missing"))?;
    let labels_gap = num("labelsGap").ok_or_else(|| OmrError::template(format!("{path}.labelsGap"), "missing"))?;
    let (bw, bh) = match b.get("bubbleDimensions").and_then(Value::as_array) {
        Some(a) => (
            a.first().and_then(Value::as_f64).unwrap_or(bubble.0),
            a.get(1).and_then(Value::as_f64).unwrap_or(bubble.1),
        ),
        None => bubble,
    };
    let labels_json = b
        .get("fieldLabels")
        .and_then(Value::as_array)
        .ok_or_else(|| OmrError::template(format!("{path}.fieldLabels"), "missing"))?;
    let mut labels = Vec::new();
    for l in labels_json {
        let s =
            l.as_str().ok_or_else(|| OmrError::template(format!("{path}.fieldLabels"), "labels must be strings"))?;
        labels.extend(expand_labels(s).map_err(|e| OmrError::template(format!("{path}.fieldLabels"), e))?);
    }
    let vertical = direction == "vertical";
    let mut out = Vec::new();
    for (li, label) in labels.into_iter().enumerate() {
        let lead = li as f64 * labels_gap;
        let bubbles = values
            .iter()
            .enumerate()
            .map(|(bi, value)| {
                let step = bi as f64 * bubbles_gap;
                let (x, y) = if vertical { (ox + lead, oy + step) } else { (ox + step, oy + lead) };
                TemplateBubble { value: value.clone(), x, y, w: bw, h: bh }
            })
            .collect();
        out.push(TemplateField { label, block: name.to_string(), bubbles });
    }
    Ok(out)
}

/// Expands `q1..10` into `q1`, …, `q10`; other labels stand for themselves.
fn expand_labels(s: &str) -> Result<Vec<String>, String> {
    let Some((left, right)) = s.split_once("..") else {
        return Ok(vec![s.to_string()]);
    };
    let prefix: String = left.trim_end_matches(|c: char| c.is_ascii_digit()).to_string();
    let start: u32 = left[prefix.len()..].parse().map_err(|_| format!("{s}: no start number"))?;
    let end: u32 = right.trim_start_matches(prefix.as_str()).parse().map_err(|_| format!("{s}: no end number"))?;
    if end < start || end - start > 10_000 {
        return Err(format!("{s}: bad range"));
    }
    Ok((start..=end).map(|i| format!("{prefix}{i}")).collect())
}

/// A template ready to read images (with its marker image decoded, when it uses one).
#[derive(Debug)]
pub struct TemplateReader {
    pub template: Template,
    marker: Option<Gray>,
    pub classify: ClassifyConfig,
}

/// The result of reading one image against a template.
#[derive(Debug, Clone)]
pub struct TemplateReading {
    pub fields: Vec<FieldReading>,
    /// Column name → cell, in [`Template::columns`] order.
    pub cells: Vec<(String, String)>,
    pub levels: SheetLevels,
    /// Whether any field needs a teacher.
    pub needs_review: bool,
    /// Maps template coordinates into the decoded (downscaled) image, for drawing overlays.
    pub page_to_image: Homography,
}

impl TemplateReader {
    /// Prepares a reader; `marker_image` is the bytes of the marker file when the template has
    /// a `CropOnMarkers` step.
    pub fn new(template: Template, marker_image: Option<&[u8]>) -> Result<TemplateReader, OmrError> {
        let marker = match (template.marker_path(), marker_image) {
            (Some(_), Some(bytes)) => Some(decode(bytes, 1000)?),
            (Some(p), None) => {
                return Err(OmrError::template("preProcessors", format!("marker image {p} not provided")));
            }
            (None, _) => None,
        };
        // Foreign designs print letters and digits inside their bubbles and are read as raw box
        // means, so their empty level is noisier; a narrower band keeps light but clear marks.
        let classify = ClassifyConfig { band_share: 0.12, ..ClassifyConfig::default() };
        Ok(TemplateReader { template, marker, classify })
    }

    /// Decodes and reads one image.
    pub fn read(&self, image_bytes: &[u8]) -> Result<TemplateReading, OmrError> {
        let img = decode(image_bytes, WORK_LONG_SIDE)?;
        self.read_gray(&img)
    }

    /// Reads one decoded image.
    pub fn read_gray(&self, img: &Gray) -> Result<TemplateReading, OmrError> {
        let t = &self.template;
        // `view_to_src` maps the current view (a `view_w`×`view_h` picture of the page) into the
        // source image.
        let mut view_w = img.width as f64;
        let mut view_h = img.height as f64;
        let mut view_to_src = Homography([1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
        let mut blur = false;
        let mut levels: Option<(f64, f64)> = None;
        for p in &t.preprocessors {
            match p {
                Preprocessor::CropPage => {
                    let corners = find_page(img).ok_or_else(|| OmrError::image("no page found in the image"))?;
                    let w = corners[0].dist(corners[1]).max(corners[3].dist(corners[2]));
                    let h = corners[0].dist(corners[3]).max(corners[1].dist(corners[2]));
                    view_to_src = Homography::from_points(&rect_corners(w, h), &corners)
                        .ok_or_else(|| OmrError::image("the page outline is degenerate"))?;
                    view_w = w;
                    view_h = h;
                }
                Preprocessor::CropOnMarkers { sheet_to_marker_width_ratio, .. } => {
                    let marker = self.marker.as_ref().ok_or_else(|| OmrError::Internal("marker not loaded".into()))?;
                    let scale = PROCESSING_WIDTH / view_w;
                    let (pw, ph) = (PROCESSING_WIDTH.round() as usize, (view_h * scale).round() as usize);
                    let to_src = compose(&view_to_src, &scale_h(1.0 / scale));
                    let view = warp(img, &to_src, pw, ph);
                    let centres = find_markers(&view, marker, PROCESSING_WIDTH / sheet_to_marker_width_ratio)?;
                    let w = centres[0].dist(centres[1]).max(centres[3].dist(centres[2]));
                    let h = centres[0].dist(centres[3]).max(centres[1].dist(centres[2]));
                    let quad_to_view = Homography::from_points(&rect_corners(w, h), &centres)
                        .ok_or_else(|| OmrError::image("the markers are degenerate"))?;
                    view_to_src = compose(&to_src, &quad_to_view);
                    view_w = w;
                    view_h = h;
                }
                Preprocessor::GaussianBlur => blur = true,
                Preprocessor::Levels { low, high } => levels = Some((*low, *high)),
            }
        }
        let page_to_src = compose(
            &view_to_src,
            &Homography([view_w / t.page.0, 0.0, 0.0, 0.0, view_h / t.page.1, 0.0, 0.0, 0.0, 1.0]),
        );
        let blurred;
        let src = if blur {
            blurred = img.blur(1);
            &blurred
        } else {
            img
        };
        let lut: Vec<f64> = (0..256)
            .map(|v| {
                let x = v as f64 / 255.0;
                match levels {
                    Some((lo, hi)) if hi > lo => ((x - lo) / (hi - lo)).clamp(0.0, 1.0),
                    _ => x,
                }
            })
            .collect();
        // Printing, scanning and paper crop leave each block a few units off its nominal place:
        // align every block, then every field, on its printed bubbles.
        let shifts = align_fields(src, &page_to_src, &t.fields, &lut);
        let raw: Vec<Vec<f64>> = t
            .fields
            .iter()
            .zip(&shifts)
            .map(|(f, &(dx, dy))| {
                f.bubbles.iter().map(|b| 1.0 - box_mean(src, &page_to_src, &b.shifted(dx, dy), &lut)).collect()
            })
            .collect();
        let darkness = relative_to_fields(&raw, &self.classify);
        let flat: Vec<f64> = darkness.iter().flatten().copied().collect();
        let (states, sheet_levels) = classify(&flat, &self.classify);
        let mut k = 0;
        let mut fields = Vec::with_capacity(t.fields.len());
        for (f, ds) in t.fields.iter().zip(&darkness) {
            let mut fs: Vec<(MarkState, f64)> = states[k..k + ds.len()].to_vec();
            k += ds.len();
            settle_in_field(&mut fs, ds, &sheet_levels);
            let bubbles = f
                .bubbles
                .iter()
                .zip(ds)
                .zip(fs)
                .map(|((b, &d), (state, confidence))| BubbleReading {
                    value: b.value.clone(),
                    darkness: d,
                    state,
                    confidence,
                })
                .collect();
            fields.push(FieldReading::from_bubbles(f.label.clone(), bubbles));
        }
        let by_label: std::collections::HashMap<&str, &FieldReading> =
            fields.iter().map(|f| (f.field.as_str(), f)).collect();
        let cells = t
            .columns()
            .into_iter()
            .map(|col| {
                let parts: Vec<&str> = match t.custom_labels.iter().find(|(n, _)| *n == col) {
                    Some((_, labels)) => labels.iter().map(String::as_str).collect(),
                    None => vec![col.as_str()],
                };
                let cell: String = parts.iter().filter_map(|p| by_label.get(p)).map(|f| f.value.cell()).collect();
                (col, cell)
            })
            .collect();
        let needs_review = fields.iter().any(|f| f.value == FieldValue::Ambiguous);
        Ok(TemplateReading { fields, cells, levels: sheet_levels, needs_review, page_to_image: page_to_src })
    }
}

impl TemplateBubble {
    fn shifted(&self, dx: f64, dy: f64) -> TemplateBubble {
        TemplateBubble { x: self.x + dx, y: self.y + dy, ..self.clone() }
    }
}

/// How well boxes shifted by (dx, dy) sit on printed bubbles: ink inside a slightly enlarged box
/// (printed circles are often larger than the template's box) minus its asymmetry (left against
/// right, top against bottom), which is smallest when the box is centred on a round or square
/// bubble.
fn alignment_score(
    src: &Gray,
    h: &Homography,
    bubbles: &[&TemplateBubble],
    dx: f64,
    dy: f64,
    lut: &[f64],
) -> (f64, usize) {
    const N: usize = 6;
    let mut score = 0.0;
    let mut inked = 0;
    for b in bubbles {
        let (cx, cy) = (b.x + dx + b.w / 2.0, b.y + dy + b.h / 2.0);
        let (w, h2) = (1.15 * b.w, 1.15 * b.h);
        let mut grid = [[0.0f64; N]; N];
        for (j, row) in grid.iter_mut().enumerate() {
            for (i, cell) in row.iter_mut().enumerate() {
                let p = h.apply(Point::new(
                    cx - w / 2.0 + (i as f64 + 0.5) / N as f64 * w,
                    cy - h2 / 2.0 + (j as f64 + 0.5) / N as f64 * h2,
                ));
                *cell = 1.0 - lut[src.sample(p.x, p.y).round().clamp(0.0, 255.0) as usize];
            }
        }
        let total: f64 = grid.iter().flatten().sum::<f64>() / (N * N) as f64;
        let half = N / 2;
        let left: f64 = grid.iter().map(|r| r[..half].iter().sum::<f64>()).sum::<f64>();
        let right: f64 = grid.iter().map(|r| r[half..].iter().sum::<f64>()).sum::<f64>();
        let top: f64 = grid[..half].iter().flatten().sum::<f64>();
        let bottom: f64 = grid[half..].iter().flatten().sum::<f64>();
        let asym = ((left - right).abs() + (top - bottom).abs()) / (N * N / 2) as f64;
        score += total - asym;
        if total > 0.1 {
            inked += 1;
        }
    }
    (score, inked)
}

/// The best shift within `radius` (template units) on a grid of `step`, preferring small shifts
/// when scores tie; with no position where most boxes hold ink, the shift stays at `centre`.
fn best_shift(
    src: &Gray,
    h: &Homography,
    bubbles: &[&TemplateBubble],
    centre: (f64, f64),
    radius: f64,
    step: f64,
    lut: &[f64],
) -> (f64, f64) {
    let n = (radius / step).round() as i32;
    let mut best = (centre, f64::MIN);
    for j in -n..=n {
        for i in -n..=n {
            let (dx, dy) = (centre.0 + i as f64 * step, centre.1 + j as f64 * step);
            let penalty = 1e-4 * bubbles.len() as f64 * ((i * i + j * j) as f64).sqrt();
            let (s, inked) = alignment_score(src, h, bubbles, dx, dy, lut);
            // Only positions where most boxes hold ink count: a block whose bubbles are not
            // printed (a reference sheet) must not slide onto a frame line.
            if 2 * inked < bubbles.len() {
                continue;
            }
            let s = s - penalty;
            if s > best.1 {
                best = ((dx, dy), s);
            }
        }
    }
    best.0
}

/// A shift per field: first each block as a whole (coarse then fine), then each field within a
/// smaller radius around its block's shift.
fn align_fields(src: &Gray, h: &Homography, fields: &[TemplateField], lut: &[f64]) -> Vec<(f64, f64)> {
    let all: Vec<&TemplateBubble> = fields.iter().flat_map(|f| f.bubbles.iter()).collect();
    let Some(first) = all.first() else { return Vec::new() };
    let size = first.w.min(first.h);
    // The whole page first, over a bubble's size: with every bubble voting, a frame line or a
    // logo cannot pull the grid off.
    let page = best_shift(src, h, &all, (0.0, 0.0), size, (size / 6.0).max(1.0), lut);
    let page = best_shift(src, h, &all, page, (size / 6.0).max(1.0), (size / 24.0).max(0.5), lut);
    let mut block_shift: std::collections::HashMap<&str, (f64, f64)> = std::collections::HashMap::new();
    let mut blocks: Vec<&str> = fields.iter().map(|f| f.block.as_str()).collect();
    blocks.dedup();
    for block in blocks {
        let bubbles: Vec<&TemplateBubble> =
            fields.iter().filter(|f| f.block == block).flat_map(|f| f.bubbles.iter()).collect();
        let Some(first) = bubbles.first() else { continue };
        let size = first.w.min(first.h);
        let shift = best_shift(src, h, &bubbles, page, 0.3 * size, (size / 24.0).max(0.5), lut);
        block_shift.insert(block, shift);
    }
    fields
        .iter()
        .map(|f| {
            let base = block_shift.get(f.block.as_str()).copied().unwrap_or(page);
            let bubbles: Vec<&TemplateBubble> = f.bubbles.iter().collect();
            let Some(first) = bubbles.first() else { return base };
            let size = first.w.min(first.h);
            best_shift(src, h, &bubbles, base, size / 8.0, (size / 24.0).max(0.5), lut)
        })
        .collect()
}

/// Darkness relative to each field's own empty bubbles, so that printed digits inside bubbles,
/// shaded columns and uneven lighting across the sheet cancel out. The field's baseline is the
/// median of its lighter half, but never more than a third of the way from the sheet's empty
/// level to its mark level (a field with every bubble marked keeps its marks).
fn relative_to_fields(raw: &[Vec<f64>], config: &ClassifyConfig) -> Vec<Vec<f64>> {
    let flat: Vec<f64> = raw.iter().flatten().copied().collect();
    let (_, levels) = classify(&flat, config);
    let cap = levels.empty + (levels.marked - levels.empty) / 3.0;
    raw.iter()
        .map(|ds| {
            let mut sorted = ds.clone();
            sorted.sort_by(f64::total_cmp);
            let lower = &sorted[..sorted.len().div_ceil(2)];
            let base = if lower.is_empty() { levels.empty } else { lower[lower.len() / 2] };
            let base = base.min(cap);
            ds.iter().map(|d| d - base + levels.empty).collect()
        })
        .collect()
}

/// `a ∘ b`: first `b`, then `a`.
fn compose(a: &Homography, b: &Homography) -> Homography {
    let (x, y) = (&a.0, &b.0);
    let mut m = [0.0; 9];
    for r in 0..3 {
        for c in 0..3 {
            m[r * 3 + c] = (0..3).map(|k| x[r * 3 + k] * y[k * 3 + c]).sum();
        }
    }
    Homography(m)
}

fn scale_h(s: f64) -> Homography {
    Homography([s, 0.0, 0.0, 0.0, s, 0.0, 0.0, 0.0, 1.0])
}

/// The mean grey level (0..1, after `lut`) inside a bubble's box, sampled on a grid mapped
/// through `page_to_src`.
fn box_mean(src: &Gray, page_to_src: &Homography, b: &TemplateBubble, lut: &[f64]) -> f64 {
    let scale = page_to_src.local_scale(Point::new(b.x + b.w / 2.0, b.y + b.h / 2.0));
    let nx = ((b.w * scale).ceil() as usize).clamp(4, 16);
    let ny = ((b.h * scale).ceil() as usize).clamp(4, 16);
    let mut sum = 0.0;
    for j in 0..ny {
        for i in 0..nx {
            // The central 80% of the box: its border often touches printed lines.
            let p = Point::new(
                b.x + (0.1 + 0.8 * (i as f64 + 0.5) / nx as f64) * b.w,
                b.y + (0.1 + 0.8 * (j as f64 + 0.5) / ny as f64) * b.h,
            );
            let q = page_to_src.apply(p);
            let v = src.sample(q.x, q.y).round().clamp(0.0, 255.0) as usize;
            sum += lut[v];
        }
    }
    sum / (nx * ny) as f64
}

/// Finds the four marker centres in `view` (top-left, top-right, bottom-right, bottom-left),
/// searching each quarter (top quarters are the top third, as OMRChecker does) over a range of
/// marker sizes around `marker_width`.
/// A template-matching hit: top-left x, y and score.
type Hit = (usize, usize, f64);

fn find_markers(view: &Gray, marker: &Gray, marker_width: f64) -> Result<[Point; 4], OmrError> {
    // Coarse search at half resolution over a range of sizes, keeping a few candidates per
    // quarter; the winning combination matches well at one size *and* forms a near-rectangle
    // (the page is already straightened), so a filled bubble or a ring in a logo that happens
    // to match one marker well does not win. Then a fine search at full resolution.
    let coarse = view.shrink(2).blur(1);
    let aspect = marker.height as f64 / marker.width as f64;
    let (w, h) = (view.width, view.height);
    let (midw, midh) = (w / 2, h / 3);
    let quads = [(0, 0, midw, midh), (midw, 0, w, midh), (midw, midh, w, h), (0, midh, midw, h)];
    let mut best: Option<(f64, [Hit; 4], usize)> = None;
    for i in 0..=13 {
        let s = 0.35 + 0.05 * i as f64;
        let cw = (marker_width * s / 2.0).round() as usize;
        if cw < 8 {
            continue;
        }
        let tpl = marker.resize(cw, ((cw as f64) * aspect).round().max(1.0) as usize).blur(1);
        let cands: Vec<Vec<(usize, usize, f64)>> = quads
            .iter()
            .map(|&(x0, y0, x1, y1)| match_template_top(&coarse, &tpl, (x0 / 2, y0 / 2, x1 / 2, y1 / 2), 4))
            .collect();
        if cands.iter().any(Vec::is_empty) {
            continue;
        }
        let cw_f = coarse.width as f64;
        for a in &cands[0] {
            for b in &cands[1] {
                for c in &cands[2] {
                    for d in &cands[3] {
                        let off =
                            (a.1.abs_diff(b.1) + d.1.abs_diff(c.1) + a.0.abs_diff(d.0) + b.0.abs_diff(c.0)) as f64;
                        let total = a.2 + b.2 + c.2 + d.2 - 4.0 * off / cw_f;
                        if best.as_ref().is_none_or(|x| total > x.0) {
                            best = Some((total, [*a, *b, *c, *d], cw));
                        }
                    }
                }
            }
        }
    }
    let Some((_, hits, cw)) = best else {
        return Err(OmrError::image("corner markers not found: the page is too small"));
    };
    let names = ["top-left", "top-right", "bottom-right", "bottom-left"];
    let missing: Vec<&str> = hits.iter().zip(names).filter(|(h, _)| h.2 < 0.3).map(|(_, n)| n).collect();
    if !missing.is_empty() {
        return Err(OmrError::image(format!("corner marker not found: {}", missing.join(", "))));
    }
    let fw = cw * 2;
    let ftpl = marker.resize(fw, ((fw as f64) * aspect).round().max(1.0) as usize).blur(1);
    let fine_view = view.blur(1);
    let mut out = [Point::default(); 4];
    for (k, &(cx, cy, score)) in hits.iter().enumerate() {
        let (fx, fy) = (cx * 2, cy * 2);
        let refined = match_template(&fine_view, &ftpl, fx.saturating_sub(3), fy.saturating_sub(3), fx + 4, fy + 4)
            .unwrap_or((fx, fy, score));
        out[k] = Point::new(refined.0 as f64 + ftpl.width as f64 / 2.0, refined.1 as f64 + ftpl.height as f64 / 2.0);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_expand() {
        assert_eq!(expand_labels("q1..3").unwrap(), vec!["q1", "q2", "q3"]);
        assert_eq!(expand_labels("roll1..2").unwrap(), vec!["roll1", "roll2"]);
        assert_eq!(expand_labels("Medium").unwrap(), vec!["Medium"]);
        assert!(expand_labels("q5..2").is_err());
    }

    #[test]
    fn block_geometry_follows_direction() {
        let json = r#"{"pageDimensions":[300,400],"bubbleDimensions":[20,20],
            "customLabels":{"Roll":["r1..2"]},
            "fieldBlocks":{"R":{"fieldType":"QTYPE_INT","origin":[10,20],"bubblesGap":30,"labelsGap":40,"fieldLabels":["r1..2"]},
                           "Q":{"fieldType":"QTYPE_MCQ4","origin":[100,200],"bubblesGap":25,"labelsGap":35,"fieldLabels":["q1..2"]}}}"#;
        let t = Template::parse(json).unwrap();
        let r2 = t.fields.iter().find(|f| f.label == "r2").unwrap();
        assert_eq!((r2.bubbles[3].x, r2.bubbles[3].y), (50.0, 110.0));
        let q2 = t.fields.iter().find(|f| f.label == "q2").unwrap();
        assert_eq!((q2.bubbles[2].x, q2.bubbles[2].y), (150.0, 235.0));
        assert_eq!(t.columns(), vec!["Roll", "q1", "q2"]);
    }

    #[test]
    fn bad_templates_name_the_place() {
        let err = Template::parse(r#"{"pageDimensions":[300,400],"bubbleDimensions":[20,20],"fieldBlocks":{"B":{"fieldType":"QTYPE_X","origin":[0,0],"bubblesGap":1,"labelsGap":1,"fieldLabels":["a"]}}}"#).unwrap_err();
        assert!(err.to_string().contains("fieldBlocks.B.fieldType"), "{err}");
    }
}
