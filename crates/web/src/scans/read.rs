//! The homework's answer sheet as `omr` lays it out, and reading one page image of it into what the
//! platform stores: the answers per item (by `domain::homework::paper`'s rules), the seat number
//! and the crops a teacher will look at. Runs on a blocking thread: it is all CPU.

use domain::homework::{
    Homework,
    paper::{Digit, PaperAnswer, PaperItem, numeric_answer, seat_digits},
};
use omr::{
    FieldValue, OmrError,
    layout::{Item, Page, Paper, Rect, SheetLayout},
    sheetread::{SheetReader, StudentNumber, crop_region},
};
use store::{CropKind, SheetRead};

/// Longest title the sheet prints.
const TITLE_CHARS: usize = 40;

/// The sheet layout of a paper homework: one item per homework item, in order, numbered from 1;
/// a seat-number grid wide enough for `students`.
pub fn layout_for(homework: &Homework, kinds: &[PaperItem], students: usize) -> SheetLayout {
    let items = kinds
        .iter()
        .map(|k| match *k {
            PaperItem::Choice { options, multiple } => Item::Choice { options, multiple },
            PaperItem::TrueFalse => Item::TrueFalse,
            PaperItem::Numeric { digits } => Item::Numeric { digits },
            PaperItem::Written { height_mm } => Item::Subjective { height_mm: f64::from(height_mm) },
        })
        .collect();
    SheetLayout {
        id: homework.id.clone(),
        title: homework.title.chars().take(TITLE_CHARS).collect(),
        paper: Paper::A4,
        student_number_digits: seat_digits(students),
        items,
    }
}

/// Everything reading needs, shared by the pages of a batch.
#[derive(Debug, Clone)]
pub struct PaperShape {
    pub reader: SheetReader,
    /// How each homework item is printed, by position.
    pub kinds: Vec<PaperItem>,
    /// The homework's item ids, by position.
    pub item_ids: Vec<String>,
}

impl PaperShape {
    pub fn new(homework: &Homework, kinds: Vec<PaperItem>, students: usize) -> Result<PaperShape, OmrError> {
        let sheet = layout_for(homework, &kinds, students).lay_out()?;
        Ok(PaperShape {
            reader: SheetReader::new(sheet),
            kinds,
            item_ids: homework.items.iter().map(|i| i.item_id.clone()).collect(),
        })
    }
}

/// Whose sheet it is, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seat {
    /// From the QR code or a clearly bubbled grid.
    Known(String),
    /// Some grid digit blank, double or unclear (`?` in its place).
    Unclear(String),
    Absent,
}

/// One page image as read.
#[derive(Debug, Clone)]
pub struct SheetOutcome {
    pub read: SheetRead,
    pub seat: Seat,
    /// PNG crops: written answers (field = item id), unclear items (field = item number) and the
    /// student block when the seat is not known.
    pub crops: Vec<(CropKind, String, Vec<u8>)>,
}

fn digit(value: Option<&FieldValue>) -> Digit {
    match value {
        None | Some(FieldValue::Blank) => Digit::Blank,
        Some(FieldValue::Marked(v)) => match v.as_bytes() {
            [d @ b'0'..=b'9'] => Digit::Value(d - b'0'),
            _ => Digit::Unclear,
        },
        Some(FieldValue::Ambiguous) => Digit::Unclear,
    }
}

/// The rectangle around every bubble of these fields, with room for the printed item number.
fn fields_rect(page: &Page, belongs: impl Fn(&str) -> bool) -> Option<Rect> {
    let mut bounds: Option<(f64, f64, f64, f64)> = None;
    for b in page.bubbles.iter().filter(|b| belongs(&b.field)) {
        let (x0, y0) = (b.center.x - b.w / 2.0, b.center.y - b.h / 2.0);
        let (x1, y1) = (b.center.x + b.w / 2.0, b.center.y + b.h / 2.0);
        bounds = Some(match bounds {
            None => (x0, y0, x1, y1),
            Some((a, b, c, d)) => (a.min(x0), b.min(y0), c.max(x1), d.max(y1)),
        });
    }
    // Just past the bubbles up and down (a neighbouring row would confuse), the item number to
    // the left.
    bounds.map(|(x0, y0, x1, y1)| Rect { x: x0 - 10.0, y: y0 - 1.0, w: x1 - x0 + 12.0, h: y1 - y0 + 2.0 })
}

/// Reads one image (JPEG or PNG, any size: it is reduced first) of the homework's sheet.
pub fn read_sheet(shape: &PaperShape, bytes: &[u8]) -> Result<SheetOutcome, OmrError> {
    let img = omr::imaging::decode(bytes, omr::imaging::WORK_LONG_SIDE)?;
    let reading = shape.reader.read_gray(&img)?;
    let page = shape
        .reader
        .sheet
        .pages
        .iter()
        .find(|p| p.number == reading.page)
        .ok_or_else(|| OmrError::Internal(format!("page {} is not in the layout", reading.page)))?;
    let field = |name: &str| reading.fields.iter().find(|f| f.field == name).map(|f| &f.value);
    let mut answers = Vec::new();
    let mut crops = Vec::new();
    for (i, kind) in shape.kinds.iter().enumerate() {
        let label = (i + 1).to_string();
        let answer = match *kind {
            PaperItem::Choice { .. } | PaperItem::TrueFalse => match field(&label) {
                None => continue,
                Some(FieldValue::Blank) => PaperAnswer::Blank,
                Some(FieldValue::Marked(v)) => PaperAnswer::Marked(v.clone()),
                Some(FieldValue::Ambiguous) => PaperAnswer::Ambiguous,
            },
            PaperItem::Numeric { digits } => {
                let columns: Vec<Option<&FieldValue>> = (1..=digits).map(|c| field(&format!("{label}.{c}"))).collect();
                if columns.iter().all(Option::is_none) {
                    continue;
                }
                numeric_answer(&columns.into_iter().map(digit).collect::<Vec<_>>())
            }
            PaperItem::Written { .. } => {
                let Some((_, cut)) = reading.crops.iter().find(|(f, _)| *f == label) else { continue };
                let id = shape.item_ids.get(i).cloned().unwrap_or_default();
                crops.push((CropKind::Answer, id, cut.to_png()?));
                PaperAnswer::Written
            }
        };
        if answer == PaperAnswer::Ambiguous {
            let prefix = format!("{label}.");
            if let Some(rect) = fields_rect(page, |f| f == label || f.starts_with(&prefix)) {
                crops.push((CropKind::Unclear, label.clone(), crop_region(&img, &reading, rect).to_png()?));
            }
        }
        answers.push((i, answer));
    }
    let seat = match &reading.student_number {
        StudentNumber::Printed(s) | StudentNumber::Read(s) => Seat::Known(s.clone()),
        StudentNumber::Unreadable(s) => Seat::Unclear(s.clone()),
        StudentNumber::Absent => Seat::Absent,
    };
    if !matches!(seat, Seat::Known(_))
        && let Some(grid) = fields_rect(page, |f| f.starts_with("student."))
    {
        // The name line sits just above the grid.
        let rect =
            Rect { x: grid.x, y: grid.y - 9.0, w: (grid.w + 60.0).min(page.width - grid.x - 10.0), h: grid.h + 11.0 };
        crops.push((CropKind::Student, "student".to_owned(), crop_region(&img, &reading, rect).to_png()?));
    }
    let seat_text = match &seat {
        Seat::Known(s) | Seat::Unclear(s) => s.clone(),
        Seat::Absent => String::new(),
    };
    Ok(SheetOutcome {
        read: SheetRead {
            page: reading.page,
            seat: seat_text,
            qr_unreadable: reading.qr.is_none(),
            answers,
            rotation_quarters: reading.rotation_quarters,
        },
        seat,
        crops,
    })
}
