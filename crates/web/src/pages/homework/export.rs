//! The class report as a spreadsheet: students (with each item's score) and items, as XLSX or as
//! CSV with a byte-order mark (WPS and Excel read UTF-8 CSV as GBK without one). Exports carry
//! minors' results, so each is written to the audit log first.

use std::{collections::HashMap, sync::Arc};

use axum::{
    extract::{Path, State},
    http::header,
    response::{IntoResponse, Response},
};
use domain::{homework::analysis::ClassReport, identity::AuditAction};
use rust_xlsxwriter::{Format, Workbook};

use super::report::web_error;
use crate::{
    App, RequestContext, WebError,
    homework::{point_name, report::class_report},
    i18n::Lang,
};

/// The sheets: a header row and rows of cells.
struct Sheet {
    name: &'static str,
    header: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

fn opt(value: Option<f32>) -> Cell {
    value.map_or(Cell::Empty, |v| Cell::Number(f64::from((v * 10.0).round() / 10.0)))
}

/// A 0–1 rate as the percentage the header promises.
fn rate(value: Option<f32>) -> Cell {
    opt(value.map(|v| v * 100.0))
}

/// `scores`: each marked answer's points by (student, item); `names`: knowledge-point names.
fn sheets(
    lang: Lang,
    r: &ClassReport,
    scores: &HashMap<(String, String), f32>,
    names: &HashMap<String, crate::homework::PointInfo>,
) -> Vec<Sheet> {
    let m = lang.messages().hw;
    let mut header: Vec<String> =
        [m.student, m.state, m.late, m.score, m.points, m.percent, m.time].iter().map(|s| (*s).to_owned()).collect();
    header.extend(r.items.iter().map(|i| format!("{} {}", m.item_no, i.number)));
    let students = r
        .students
        .iter()
        .map(|s| {
            let mut row = vec![
                Cell::Text(s.name.clone()),
                Cell::Text(lang.label(s.state).to_owned()),
                Cell::Text(if s.late { m.late.to_owned() } else { String::new() }),
                opt(s.score),
                Cell::Number(f64::from(s.max)),
                opt(s.percent),
                Cell::Number(f64::from((s.minutes * 10.0).round() / 10.0)),
            ];
            row.extend(r.items.iter().map(|i| opt(scores.get(&(s.student_id.clone(), i.item_id.clone())).copied())));
            row
        })
        .collect();
    let items = r
        .items
        .iter()
        .map(|i| {
            vec![
                Cell::Number(f64::from(i.number)),
                Cell::Text(i.item_type.map(|t| lang.label(t).to_owned()).unwrap_or_default()),
                Cell::Text(i.knowledge_points.iter().map(|k| point_name(names, k)).collect::<Vec<_>>().join("、")),
                Cell::Number(f64::from(i.points)),
                Cell::Number(f64::from(i.answered)),
                rate(i.correct_rate),
                rate(i.score_rate),
                opt(i.mean_seconds),
                Cell::Text(
                    i.wrong_answers
                        .iter()
                        .map(|w| format!("{} ×{}", w.response, w.count))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            ]
        })
        .collect();
    let item_header = [
        m.item_no,
        m.item_type,
        m.kp,
        m.points,
        m.answered,
        m.correct_rate,
        m.percent,
        m.mean_seconds,
        m.wrong_answers,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    vec![
        Sheet { name: m.students, header, rows: students },
        Sheet { name: m.per_item, header: item_header, rows: items },
    ]
}

fn csv_text(sheets: &[Sheet]) -> Result<Vec<u8>, WebError> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    for (n, sheet) in sheets.iter().enumerate() {
        if n > 0 {
            out.extend_from_slice(b"\r\n");
        }
        let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
        let internal = |e: csv::Error| WebError::Internal(e.to_string());
        writer.write_record(&sheet.header).map_err(internal)?;
        for row in &sheet.rows {
            writer
                .write_record(row.iter().map(|c| match c {
                    Cell::Text(t) => t.clone(),
                    Cell::Number(v) => v.to_string(),
                    Cell::Empty => String::new(),
                }))
                .map_err(internal)?;
        }
        out.extend(writer.into_inner().map_err(|e| WebError::Internal(e.to_string()))?);
    }
    Ok(out)
}

fn xlsx_bytes(sheets: &[Sheet]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    for sheet in sheets {
        let ws = book.add_worksheet();
        ws.set_name(sheet.name)?;
        for (col, title) in sheet.header.iter().enumerate() {
            ws.write_string_with_format(0, col as u16, title, &bold)?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            for (col, cell) in row.iter().enumerate() {
                let (r, col) = (r as u32 + 1, col as u16);
                match cell {
                    Cell::Text(t) => ws.write_string(r, col, t).map(|_| ())?,
                    Cell::Number(v) => ws.write_number(r, col, *v).map(|_| ())?,
                    Cell::Empty => {}
                }
            }
        }
        ws.set_freeze_panes(1, 1)?;
        ws.set_column_width(0, 14)?;
    }
    book.save_to_buffer()
}

/// `GET /homework/{id}/export.{csv|xlsx}`.
pub(crate) async fn export(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path((id, format)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let principal = ctx.principal()?;
    let (h, r) = class_report(&app, &id).await.map_err(web_error)?;
    let entry = domain::identity::AuditEntry {
        school_id: Some(h.school_id.clone()),
        detail: Some(format!("homework results ({format})")),
        ..principal.audit(ctx.ip.clone(), AuditAction::Export, "homework", &id)
    };
    app.store.append_audit(&entry).await?;
    let mut scores = HashMap::new();
    for sub in app.store.submissions(&id).await? {
        for a in &sub.answers {
            if let Some(mark) = a.mark.as_ref().filter(|m| m.outcome != domain::grading::Outcome::NeedsTeacher) {
                scores.insert((sub.student_id.clone(), a.item_id.clone()), mark.score);
            }
        }
    }
    let names = app.homeworks.points(&*app.store).await?;
    let sheets = sheets(ctx.lang, &r, &scores, &names);
    let safe_title: String = h.title.chars().filter(|c| !matches!(c, '"' | '\\' | '/' | '\r' | '\n')).collect();
    let (body, content_type) = match format.as_str() {
        "csv" => (csv_text(&sheets)?, "text/csv; charset=utf-8"),
        "xlsx" => (
            xlsx_bytes(&sheets).map_err(|e| WebError::Internal(e.to_string()))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        _ => return Err(WebError::NotFound),
    };
    let file_name = format!("{}-{}.{format}", h.id, safe_title);
    let disposition =
        format!("attachment; filename=\"{}.{format}\"; filename*=UTF-8''{}", h.id, percent_encode(&file_name));
    Ok(([(header::CONTENT_TYPE, content_type.to_owned()), (header::CONTENT_DISPOSITION, disposition)], body)
        .into_response())
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_starts_with_a_bom_and_uses_crlf() {
        let sheet = Sheet {
            name: "s",
            header: vec!["姓名".into(), "得分".into()],
            rows: vec![vec![Cell::Text("张三, 李".into()), Cell::Number(9.5)]],
        };
        let text = String::from_utf8(csv_text(&[sheet]).unwrap()).unwrap();
        assert!(text.starts_with('\u{feff}'));
        assert_eq!(text.trim_start_matches('\u{feff}'), "姓名,得分\r\n\"张三, 李\",9.5\r\n");
    }

    #[test]
    fn xlsx_is_a_zip_package() {
        let sheet =
            Sheet { name: "学生", header: vec!["姓名".into()], rows: vec![vec![Cell::Text("王五".into())]] };
        let bytes = xlsx_bytes(&[sheet]).unwrap();
        assert_eq!(&bytes[..2], b"PK");
    }
}
