//! Our own sheet layouts: what a teacher (or the homework module) describes — paper, title,
//! student number, items — and the page geometry computed from it in millimetres, which both
//! the PDF printer and the reader use, so what is printed is exactly what is read.

use serde::{Deserialize, Serialize};

use crate::OmrError;
use crate::geometry::Point;

/// Paper size. A3 is printed landscape with two columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Paper {
    #[default]
    A4,
    A3,
}

/// One item (question) of a sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Item {
    /// A choice item with `options` bubbles A, B, …; `multiple` allows several marks.
    Choice {
        #[serde(default = "four")]
        options: u8,
        #[serde(default)]
        multiple: bool,
    },
    /// A true/false item (判断题): bubbles T (√) and F (×).
    TrueFalse,
    /// A fill-in item whose answer is a whole number: one column of 0–9 bubbles per digit.
    Numeric { digits: u8 },
    /// A framed box for a written answer, cut out as an image for on-screen marking.
    Subjective {
        #[serde(default = "default_box_height")]
        height_mm: f64,
    },
}

fn four() -> u8 {
    4
}

fn default_box_height() -> f64 {
    60.0
}

/// A sheet layout, as JSON: `{"id": "hw-42", "title": "七年级数学 第3周", "items": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SheetLayout {
    /// The homework or test id carried in every page's QR code (letters, digits, `-`, `_`).
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub paper: Paper,
    /// Digits of the student-number bubble grid; 0 prints no grid (use pre-printed sheets).
    #[serde(default = "default_digits")]
    pub student_number_digits: u8,
    pub items: Vec<Item>,
}

fn default_digits() -> u8 {
    8
}

/// A student whose name and number are printed on their own sheet (a class print run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintedStudent {
    pub number: String,
    pub name: String,
    #[serde(default)]
    pub class: String,
}

/// A rectangle in millimetres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn center(&self) -> Point {
        Point::new(self.x + self.w / 2.0, self.y + self.h / 2.0)
    }
}

/// One printed bubble.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bubble {
    /// The field it belongs to: an item label ("3"), a digit of a numeric item ("7.2") or of the
    /// student number ("student.4").
    pub field: String,
    /// What marking it means ("A", "T", "5").
    pub value: String,
    /// What is printed inside it ("A", "√", "5").
    pub label: String,
    pub center: Point,
    /// Full width and height of the oval.
    pub w: f64,
    pub h: f64,
}

/// A framed answer box for a subjective item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnswerBox {
    pub field: String,
    pub rect: Rect,
}

/// A line of text; `(x, y)` is the left end of the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Text {
    pub x: f64,
    pub y: f64,
    pub size: f64,
    pub text: String,
}

/// How a multi-bubble field becomes a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum FieldKind {
    /// One bubble expected (multiple marks are reported as such).
    Single,
    /// Several marks allowed.
    Multiple,
    /// One digit of a number.
    Digit,
}

/// A field and the item it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldInfo {
    pub field: String,
    pub kind: FieldKind,
}

/// One printed page, everything in millimetres from the top-left corner.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    /// 1-based.
    pub number: u32,
    pub width: f64,
    pub height: f64,
    /// Centres of the four corner markers: top-left, top-right, bottom-right, bottom-left.
    pub markers: [Point; 4],
    pub marker_size: f64,
    /// A small solid square beside the top-left marker: it tells up from down.
    pub orientation_mark: Rect,
    pub qr: Rect,
    pub bubbles: Vec<Bubble>,
    pub boxes: Vec<AnswerBox>,
    pub texts: Vec<Text>,
    /// Thin frames drawn around groups (for people; the reader ignores them).
    pub frames: Vec<Rect>,
    pub fields: Vec<FieldInfo>,
}

/// A laid-out sheet: the layout and its pages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sheet {
    pub layout: SheetLayout,
    pub pages: Vec<Page>,
}

/// Oval size and pitch of bubbles (mm).
pub const BUBBLE_W: f64 = 5.0;
pub const BUBBLE_H: f64 = 3.4;
const PITCH_X: f64 = 7.0;
const PITCH_Y: f64 = 5.6;
const MARKER: f64 = 7.0;
const MARGIN: f64 = 8.0;
/// The QR code's side including its quiet zone.
const QR_SIZE: f64 = 30.0;

impl SheetLayout {
    /// Parses a layout from JSON, naming the field of any mistake.
    pub fn from_json(json: &str) -> Result<SheetLayout, OmrError> {
        let layout: SheetLayout = serde_json::from_str(json)
            .map_err(|e| OmrError::layout(format!("line {}, column {}", e.line(), e.column()), e.to_string()))?;
        layout.validate()?;
        Ok(layout)
    }

    /// Checks what JSON cannot: ids, counts and sizes.
    pub fn validate(&self) -> Result<(), OmrError> {
        if self.id.is_empty()
            || self.id.len() > 40
            || !self.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(OmrError::layout("id", "1–40 letters, digits, '-' or '_'"));
        }
        if self.title.chars().count() > 40 {
            return Err(OmrError::layout("title", "at most 40 characters"));
        }
        if self.student_number_digits > 16 {
            return Err(OmrError::layout("student_number_digits", "at most 16"));
        }
        if self.items.is_empty() {
            return Err(OmrError::layout("items", "a sheet needs at least one item"));
        }
        for (i, item) in self.items.iter().enumerate() {
            let path = format!("items[{i}]");
            match item {
                Item::Choice { options, .. } if !(2..=8).contains(options) => {
                    return Err(OmrError::layout(format!("{path}.options"), "2 to 8 options"));
                }
                Item::Numeric { digits } if !(1..=8).contains(digits) => {
                    return Err(OmrError::layout(format!("{path}.digits"), "1 to 8 digits"));
                }
                Item::Subjective { height_mm } if !(15.0..=230.0).contains(height_mm) => {
                    return Err(OmrError::layout(format!("{path}.height_mm"), "15 to 230 mm"));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Lays the sheet out on pages.
    pub fn lay_out(&self) -> Result<Sheet, OmrError> {
        self.validate()?;
        let (pw, ph) = match self.paper {
            Paper::A4 => (210.0, 297.0),
            Paper::A3 => (420.0, 297.0),
        };
        let columns: Vec<(f64, f64)> = match self.paper {
            Paper::A4 => vec![(MARGIN + 4.0, pw - MARGIN - 4.0)],
            Paper::A3 => vec![(MARGIN + 4.0, pw / 2.0 - 5.0), (pw / 2.0 + 5.0, pw - MARGIN - 4.0)],
        };
        let mut flow = Flow { pages: Vec::new(), layout: self, pw, ph, columns, col: 0, y: 0.0, band_h: 0.0, x: 0.0 };
        flow.new_page();
        let mut i = 0;
        while i < self.items.len() {
            let label = (i + 1).to_string();
            match &self.items[i] {
                Item::Choice { .. } | Item::TrueFalse => {
                    // Consecutive objective items in groups of five rows.
                    let mut group = Vec::new();
                    while i < self.items.len()
                        && group.len() < 5
                        && matches!(self.items[i], Item::Choice { .. } | Item::TrueFalse)
                    {
                        group.push(i);
                        i += 1;
                    }
                    let options = group.iter().map(|&k| match self.items[k] {
                        Item::Choice { options, .. } => options as usize,
                        _ => 2,
                    });
                    let w = 9.0 + options.max().unwrap_or(4) as f64 * PITCH_X + 3.0;
                    let h = group.len() as f64 * PITCH_Y + 3.0;
                    let (x, y) = flow.place(w, h)?;
                    flow.frame(Rect { x, y, w: w - 2.0, h });
                    for (row, &k) in group.iter().enumerate() {
                        let cy = y + 2.0 + PITCH_Y * (row as f64 + 0.5);
                        let lbl = (k + 1).to_string();
                        flow.text(x + 1.0, cy + 1.3, 3.4, format!("{lbl}."));
                        let (values, kind): (Vec<(String, String)>, FieldKind) = match self.items[k] {
                            Item::Choice { options, multiple } => (
                                (0..options)
                                    .map(|o| ((b'A' + o) as char).to_string())
                                    .map(|v| (v.clone(), v))
                                    .collect(),
                                if multiple { FieldKind::Multiple } else { FieldKind::Single },
                            ),
                            _ => (vec![("T".into(), "√".into()), ("F".into(), "×".into())], FieldKind::Single),
                        };
                        for (o, (value, printed)) in values.into_iter().enumerate() {
                            let cx = x + 9.0 + PITCH_X * (o as f64 + 0.5);
                            flow.bubble(&lbl, value, printed, Point::new(cx, cy));
                        }
                        flow.field(lbl, kind);
                    }
                    continue;
                }
                Item::Numeric { digits } => {
                    let d = *digits as usize;
                    let w = 9.0 + d as f64 * PITCH_X + 3.0;
                    let h = 8.0 + 10.0 * PITCH_Y + 3.0;
                    let (x, y) = flow.place(w, h)?;
                    flow.frame(Rect { x, y, w: w - 2.0, h });
                    flow.text(x + 1.0, y + 5.0, 3.4, format!("{label}."));
                    for c in 0..d {
                        let cx = x + 9.0 + PITCH_X * (c as f64 + 0.5);
                        flow.frame(Rect { x: cx - 3.0, y: y + 1.5, w: 6.0, h: 6.0 });
                        let field = format!("{label}.{}", c + 1);
                        for r in 0..10 {
                            let cy = y + 10.0 + PITCH_Y * (r as f64 + 0.5);
                            flow.bubble(&field, r.to_string(), r.to_string(), Point::new(cx, cy));
                        }
                        flow.field(field, FieldKind::Digit);
                    }
                }
                Item::Subjective { height_mm } => {
                    let col = flow.columns[flow.col];
                    let w = col.1 - col.0;
                    let (x, y) = flow.place(w, *height_mm + 2.0)?;
                    let rect = Rect { x, y, w, h: *height_mm };
                    flow.frame(rect);
                    flow.text(x + 1.5, y + 5.0, 3.4, format!("第 {label} 题"));
                    let page = flow.current();
                    page.boxes.push(AnswerBox { field: label.clone(), rect });
                }
            }
            i += 1;
        }
        let total = flow.pages.len();
        let mut pages = flow.pages;
        for p in &mut pages {
            p.texts.push(Text {
                x: p.width / 2.0 - 12.0,
                y: p.height - MARGIN - 1.0,
                size: 3.0,
                text: format!("第 {} 页 / 共 {total} 页", p.number),
            });
        }
        Ok(Sheet { layout: self.clone(), pages })
    }
}

/// Places blocks left to right in bands, top to bottom, column by column, page by page.
struct Flow<'a> {
    pages: Vec<Page>,
    layout: &'a SheetLayout,
    pw: f64,
    ph: f64,
    columns: Vec<(f64, f64)>,
    col: usize,
    x: f64,
    y: f64,
    band_h: f64,
}

impl Flow<'_> {
    fn current(&mut self) -> &mut Page {
        let n = self.pages.len() - 1;
        &mut self.pages[n]
    }

    fn bottom(&self) -> f64 {
        self.ph - MARGIN - 8.0
    }

    fn new_page(&mut self) {
        let (pw, ph) = (self.pw, self.ph);
        let c = MARGIN + MARKER / 2.0;
        let number = self.pages.len() as u32 + 1;
        let mut page = Page {
            number,
            width: pw,
            height: ph,
            markers: [Point::new(c, c), Point::new(pw - c, c), Point::new(pw - c, ph - c), Point::new(c, ph - c)],
            marker_size: MARKER,
            orientation_mark: Rect { x: MARGIN + MARKER + 5.0, y: c - 2.0, w: 4.0, h: 4.0 },
            qr: Rect { x: pw - MARGIN - QR_SIZE - 6.0, y: MARGIN + MARKER + 1.0, w: QR_SIZE, h: QR_SIZE },
            bubbles: Vec::new(),
            boxes: Vec::new(),
            texts: Vec::new(),
            frames: Vec::new(),
            fields: Vec::new(),
        };
        let left = self.columns[0].0;
        page.texts.push(Text { x: left, y: MARGIN + 14.0, size: 6.0, text: self.layout.title.clone() });
        page.texts.push(Text {
            x: left,
            y: MARGIN + 21.0,
            size: 3.2,
            text: format!("编号 {}  用 2B 铅笔或黑色笔涂满选项", self.layout.id),
        });
        self.pages.push(page);
        self.col = 0;
        self.y = MARGIN + 26.0;
        self.x = left;
        self.band_h = 0.0;
        // The student block: a name line, and the number grid when the layout has one.
        let digits = self.layout.student_number_digits as usize;
        let name_y = self.y + 4.0;
        self.text(left, name_y, 3.6, "姓名 ____________  班级 ________".to_string());
        self.y += 7.0;
        if digits > 0 {
            let w = 12.0 + digits as f64 * PITCH_X;
            let h = 8.0 + 10.0 * PITCH_Y + 2.0;
            let (x, y) = (left, self.y);
            self.frame(Rect { x, y, w, h });
            self.text(x + 1.0, y + 5.0, 3.4, "学号".to_string());
            for c in 0..digits {
                let cx = x + 11.0 + PITCH_X * (c as f64 + 0.5);
                let field = format!("student.{}", c + 1);
                for r in 0..10 {
                    let cy = y + 9.0 + PITCH_Y * (r as f64 + 0.5);
                    self.bubble(&field, r.to_string(), r.to_string(), Point::new(cx, cy));
                }
                self.field(field, FieldKind::Digit);
            }
            self.y += h + 3.0;
        }
        let qr_bottom = MARGIN + MARKER + 1.0 + QR_SIZE + 3.0;
        self.y = self.y.max(if self.columns.len() == 1 { self.y } else { qr_bottom });
        self.x = left;
    }

    /// Finds room for a `w`×`h` block and returns its top-left corner.
    fn place(&mut self, w: f64, h: f64) -> Result<(f64, f64), OmrError> {
        for _ in 0..3 {
            let (left, right) = self.columns[self.col];
            if self.x + w > right + 0.01 && self.x > left {
                self.y += self.band_h + 2.0;
                self.x = left;
                self.band_h = 0.0;
            }
            if self.y + h <= self.bottom() && self.x + w <= right + 0.01 {
                let at = (self.x, self.y);
                self.x += w + 2.0;
                self.band_h = self.band_h.max(h);
                return Ok(at);
            }
            if self.col + 1 < self.columns.len() {
                self.col += 1;
                self.x = self.columns[self.col].0;
                // The second column starts below the QR code.
                self.y = MARGIN + MARKER + 1.0 + QR_SIZE + 4.0;
                self.band_h = 0.0;
            } else {
                self.new_page();
            }
        }
        Err(OmrError::layout("items", format!("a block of {w:.0}×{h:.0} mm does not fit on a page")))
    }

    fn frame(&mut self, r: Rect) {
        self.current().frames.push(r);
    }

    fn text(&mut self, x: f64, y: f64, size: f64, text: String) {
        self.current().texts.push(Text { x, y, size, text });
    }

    fn bubble(&mut self, field: &str, value: String, label: String, center: Point) {
        self.current().bubbles.push(Bubble {
            field: field.to_string(),
            value,
            label,
            center,
            w: BUBBLE_W,
            h: BUBBLE_H,
        });
    }

    fn field(&mut self, field: String, kind: FieldKind) {
        self.current().fields.push(FieldInfo { field, kind });
    }
}

/// The text a page's QR code carries: `ZJ1|<sheet id>|<page>|<student number or ->`.
pub fn qr_payload(sheet_id: &str, page: u32, student: Option<&str>) -> String {
    format!("ZJ1|{sheet_id}|{page}|{}", student.unwrap_or("-"))
}

/// What a page's QR code said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QrPayload {
    pub sheet_id: String,
    pub page: u32,
    /// The pre-printed student's number, when the sheet was printed for one student.
    pub student: Option<String>,
}

impl QrPayload {
    pub fn parse(s: &str) -> Option<QrPayload> {
        let mut parts = s.split('|');
        if parts.next()? != "ZJ1" {
            return None;
        }
        let sheet_id = parts.next()?.to_string();
        let page = parts.next()?.parse().ok()?;
        let student = match parts.next()? {
            "-" => None,
            s => Some(s.to_string()),
        };
        Some(QrPayload { sheet_id, page, student })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample_layout(paper: Paper) -> SheetLayout {
        let mut items = Vec::new();
        for i in 0..20 {
            items.push(Item::Choice { options: 4, multiple: i % 7 == 6 });
        }
        items.extend([Item::TrueFalse, Item::TrueFalse, Item::TrueFalse]);
        items.push(Item::Numeric { digits: 3 });
        items.push(Item::Numeric { digits: 2 });
        items.push(Item::Subjective { height_mm: 50.0 });
        SheetLayout {
            id: "hw-test".into(),
            title: "七年级数学 第3周 作业".into(),
            paper,
            student_number_digits: 8,
            items,
        }
    }

    #[test]
    fn layout_places_every_item_inside_the_markers() {
        for paper in [Paper::A4, Paper::A3] {
            let sheet = sample_layout(paper).lay_out().unwrap();
            let fields: usize = sheet.pages.iter().map(|p| p.fields.len()).sum();
            // 23 objective items, 3 + 2 digit fields, 8 student digits per page.
            assert_eq!(fields, 28 + 8 * sheet.pages.len(), "{paper:?}");
            for p in &sheet.pages {
                for b in &p.bubbles {
                    assert!(b.center.x > p.markers[0].x + 3.0 && b.center.x < p.markers[1].x - 3.0);
                    assert!(b.center.y > p.markers[0].y + 3.0 && b.center.y < p.markers[3].y - 3.0);
                    let q = &p.qr;
                    let inside_qr = b.center.x > q.x - 3.0
                        && b.center.x < q.x + q.w + 3.0
                        && b.center.y > q.y - 3.0
                        && b.center.y < q.y + q.h + 3.0;
                    assert!(!inside_qr, "bubble under the QR code: {b:?}");
                }
            }
        }
    }

    #[test]
    fn bad_layouts_name_the_field() {
        let err =
            SheetLayout::from_json(r#"{"id":"x","title":"t","items":[{"kind":"choice","options":12}]}"#).unwrap_err();
        assert!(err.to_string().contains("items[0].options"), "{err}");
        let err = SheetLayout::from_json(r#"{"id":"a b","title":"t","items":[]}"#).unwrap_err();
        assert!(err.to_string().contains("id"), "{err}");
        let err = SheetLayout::from_json(r#"{"id":"x","title":"t","itemz":[]}"#).unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
    }

    #[test]
    fn qr_payload_round_trips() {
        let s = qr_payload("hw-1", 2, Some("20260101"));
        assert_eq!(
            QrPayload::parse(&s),
            Some(QrPayload { sheet_id: "hw-1".into(), page: 2, student: Some("20260101".into()) })
        );
        assert_eq!(QrPayload::parse("http://example.com"), None);
    }
}
