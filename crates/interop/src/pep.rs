//! The PEP (人教版, People's Education Press) curriculum import: textbook volumes from the PEP catalog,
//! chapters and sections from the mathematics tables of contents, and one knowledge point per section.
//!
//! The inputs are the three files of the `pep-textbook-structure` data set (periods/grades/subjects,
//! the catalog CSV, the math TOC JSON), passed as text.
//!
//! # Mapping
//!
//! - One edition, 人教版 (人民教育出版社), id `pep`.
//! - A volume per catalog row whose subject is a [`Subject`] (生物学 is biology, 信息技术 is information
//!   technology); other subjects (习近平…学生读本, 日语, 通用技术 …) are skipped and listed in the
//!   [`PepReport`]. Senior-secondary subjects name the book (`数学-第一册`): the volume is then
//!   `必修 第一册 A版` and has no grade. Ids are `pep-{book_id}`.
//! - A volume for each TOC book: the catalog's volume when the book's path (`高中/必修/数学/第一册/A版`)
//!   matches a catalog row, otherwise its own volume with an id derived from the path.
//! - Chapters are the TOC entries `第…章…`; sections are the numbered entries under them (`1.1: 标题`,
//!   `2.1 整式`) and sub-sections the numbered entries under a section (`1.1.1 …`). Everything else is
//!   filtered out: covers, prefaces, 目录, chapter introductions (`1.0: 本章导语`), and unnumbered
//!   activities, summaries and exercises (数学活动, 小结, 复习题, 阅读与思考, 实验与探究, 观察与猜想,
//!   信息技术应用, 探究与发现, 文献阅读与数学写作, 数学建模 …).
//! - A knowledge point per section that has no sub-sections (a section with sub-sections is taught by
//!   them), named by the section's title without its number, except numbered activities (课题学习,
//!   数学建模活动, 数学探究活动), which apply knowledge rather than introduce it. Each point's
//!   prerequisite is the previous point of the same volume, the order in which the book teaches them.
//! - Node ids are `{volume}-c{n}` for the n-th chapter and `{chapter}-s{n}` (then `-{n}`) for sections,
//!   counted from 1 in book order, so they are stable as long as the book is; knowledge points are
//!   `kp-{node}`. Positions, not section numbers, make the ids, because the source repeats numbers
//!   (two sections `3.2` in 七年级上册).

use std::collections::{HashMap, HashSet};

use domain::{
    Curriculum, CurriculumNode, KnowledgePoint, NodeKind, Stage, Subject, TextbookEdition, TextbookVolume,
    org::grade_label_zh,
};
use serde::Deserialize;

use crate::InteropError;

/// What the import found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PepReport {
    pub volumes: usize,
    pub chapters: usize,
    pub sections: usize,
    pub knowledge_points: usize,
    /// TOC entries left out as not being chapters or sections (covers, activities, summaries …).
    pub filtered_entries: usize,
    /// Catalog subjects with no [`Subject`], whose rows were skipped, in catalog order.
    pub skipped_subjects: Vec<String>,
}

/// Builds the PEP curriculum from the data set's three files.
///
/// Returns a curriculum that passes [`Curriculum::validate`], or the user's bad input with its file.
pub fn curriculum(
    period_grade_subject_json: &str,
    catalog_csv: &str,
    math_toc_json: &str,
) -> Result<(Curriculum, PepReport), InteropError> {
    let frame: Frame = serde_json::from_str(period_grade_subject_json).map_err(|e| json_err(FRAME_FILE, &e))?;
    let toc: Toc = serde_json::from_str(math_toc_json).map_err(|e| json_err(TOC_FILE, &e))?;
    let mut builder = Builder {
        curriculum: Curriculum {
            editions: vec![TextbookEdition {
                id: EDITION_ID.to_owned(),
                name: "人教版".to_owned(),
                publisher: "人民教育出版社".to_owned(),
            }],
            ..Curriculum::default()
        },
        report: PepReport::default(),
    };
    let by_path = builder.catalog(&frame, catalog_csv)?;
    let mut seen_books = HashSet::new();
    for book in &toc.books {
        if !seen_books.insert(book.book.as_str()) {
            return Err(bad(TOC_FILE, format!("book `{}` appears twice", book.book)));
        }
        let volume = match by_path.get(book.book.as_str()) {
            Some(i) => builder.curriculum.volumes[*i].clone(),
            None => {
                let volume = volume_from_path(&frame, &book.book)?;
                builder.curriculum.volumes.push(volume.clone());
                volume
            }
        };
        builder.book(&volume, &book.toc);
    }
    builder.report.volumes = builder.curriculum.volumes.len();
    builder.report.knowledge_points = builder.curriculum.knowledge_points.len();
    if let Err(errors) = builder.curriculum.validate() {
        let reasons: Vec<String> = errors.iter().map(ToString::to_string).collect();
        return Err(bad("PEP data set", reasons.join("; ")));
    }
    Ok((builder.curriculum, builder.report))
}

const FRAME_FILE: &str = "pep_period_grade_subject.json";
const CATALOG_FILE: &str = "pep_textbook_catalog.csv";
const TOC_FILE: &str = "pep_math_toc.json";
const EDITION_ID: &str = "pep";

/// Numbered sections that are activities, not content: they get a node but no knowledge point.
const ACTIVITY_PREFIXES: &[&str] = &["课题学习", "数学建模", "数学探究"];

#[derive(Deserialize)]
struct Frame {
    periods: Vec<String>,
    grades: HashMap<String, Vec<String>>,
    subjects: HashMap<String, Vec<String>>,
}

#[derive(Deserialize)]
struct Toc {
    books: Vec<Book>,
}

#[derive(Deserialize)]
struct Book {
    book: String,
    toc: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    title: String,
    #[serde(default)]
    children: Vec<Entry>,
}

struct Builder {
    curriculum: Curriculum,
    report: PepReport,
}

/// Where a catalog row or TOC book sits: stage, grade, subject and the volume's name.
struct Placement {
    stage: Stage,
    grade: Option<u8>,
    subject: Option<Subject>,
    /// The subject as the source writes it, without the book part (`数学`).
    subject_name: String,
    volume: String,
    /// The path a TOC book uses for it: `period/grade/subject[/book][/volume]`.
    path: String,
}

impl Builder {
    /// Adds a volume per catalog row with a known subject; returns the index of each volume by path.
    fn catalog(&mut self, frame: &Frame, csv_text: &str) -> Result<HashMap<String, usize>, InteropError> {
        let text = csv_text.strip_prefix('\u{feff}').unwrap_or(csv_text);
        let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let headers = reader.headers().map_err(|e| csv_err(&e))?.clone();
        let column = |name: &str| {
            headers.iter().position(|h| h.trim() == name).ok_or_else(|| InteropError::BadInput {
                file: CATALOG_FILE.to_owned(),
                line: Some(1),
                reason: format!("required column `{name}` is missing from the header"),
            })
        };
        let [period, grade, subject, volume, book_id] =
            [column("period")?, column("grade")?, column("subject")?, column("volume")?, column("book_id")?];
        let mut by_path = HashMap::new();
        for record in reader.records() {
            let record = record.map_err(|e| csv_err(&e))?;
            let line = record.position().map(|p| p.line() as usize);
            let cell = |i: usize| record.get(i).unwrap_or("").trim();
            let (subject_name, book) = cell(subject).split_once('-').unwrap_or((cell(subject), ""));
            let placement = place(frame, cell(period), cell(grade), subject_name, &[book, cell(volume)])
                .map_err(|reason| InteropError::BadInput { file: CATALOG_FILE.to_owned(), line, reason })?;
            let Some(subject) = placement.subject else {
                if !self.report.skipped_subjects.contains(&placement.subject_name) {
                    self.report.skipped_subjects.push(placement.subject_name);
                }
                continue;
            };
            let book_id = cell(book_id);
            if book_id.is_empty() {
                let reason = "column book_id: must not be empty".to_owned();
                return Err(InteropError::BadInput { file: CATALOG_FILE.to_owned(), line, reason });
            }
            by_path.entry(placement.path).or_insert(self.curriculum.volumes.len());
            self.curriculum.volumes.push(TextbookVolume {
                id: format!("pep-{book_id}"),
                edition_id: EDITION_ID.to_owned(),
                stage: placement.stage,
                subject,
                grade: placement.grade,
                volume: placement.volume,
                book_id: Some(book_id.to_owned()),
            });
        }
        Ok(by_path)
    }

    /// Adds the chapters, sections and knowledge points of one book's table of contents.
    fn book(&mut self, volume: &TextbookVolume, toc: &[Entry]) {
        let mut previous_point: Option<String> = None;
        let mut chapters = 0;
        for entry in toc {
            let Some(title) = chapter_title(&entry.title) else {
                self.report.filtered_entries += 1 + count_entries(&entry.children);
                continue;
            };
            chapters += 1;
            let id = format!("{}-c{chapters}", volume.id);
            self.curriculum.nodes.push(CurriculumNode {
                id: id.clone(),
                volume_id: volume.id.clone(),
                parent_id: None,
                kind: NodeKind::Chapter,
                ordinal: chapters - 1,
                title,
            });
            self.report.chapters += 1;
            self.sections(volume, &id, "s", &entry.children, &mut previous_point);
        }
    }

    /// Adds the numbered entries among `entries` as sections under `parent`, recursively.
    fn sections(
        &mut self,
        volume: &TextbookVolume,
        parent: &str,
        separator: &str,
        entries: &[Entry],
        previous_point: &mut Option<String>,
    ) {
        let mut count = 0;
        for entry in entries {
            let Some((number, title)) = section_title(&entry.title) else {
                self.report.filtered_entries += 1 + count_entries(&entry.children);
                continue;
            };
            count += 1;
            let id = format!("{parent}-{separator}{count}");
            self.curriculum.nodes.push(CurriculumNode {
                id: id.clone(),
                volume_id: volume.id.clone(),
                parent_id: Some(parent.to_owned()),
                kind: NodeKind::Section,
                ordinal: count - 1,
                title: format!("{number} {title}"),
            });
            self.report.sections += 1;
            let has_subsections = entry.children.iter().any(|c| section_title(&c.title).is_some());
            if has_subsections {
                self.sections(volume, &id, "", &entry.children, previous_point);
            } else {
                self.report.filtered_entries += count_entries(&entry.children);
                if !ACTIVITY_PREFIXES.iter().any(|p| title.starts_with(p)) {
                    let point = format!("kp-{id}");
                    self.curriculum.knowledge_points.push(KnowledgePoint {
                        id: point.clone(),
                        stage: volume.stage,
                        subject: volume.subject,
                        name: title.to_owned(),
                        node_id: Some(id),
                        prerequisite_ids: previous_point.take().into_iter().collect(),
                    });
                    *previous_point = Some(point);
                }
            }
        }
    }
}

/// Places a catalog row or a book path: checks period, grade and subject against the frame file and
/// names the volume. `parts` are the book (`第一册`) and volume (`上册`, `A版`) pieces, possibly empty.
fn place(
    frame: &Frame,
    period: &str,
    grade_label: &str,
    subject_name: &str,
    parts: &[&str],
) -> Result<Placement, String> {
    if !frame.periods.iter().any(|p| p == period) {
        return Err(format!("unknown period `{period}`; expected one of {}", frame.periods.join(", ")));
    }
    let stage = Stage::parse(period).map_err(|e| e.to_string())?;
    let grades = frame.grades.get(period).map(Vec::as_slice).unwrap_or_default();
    if !grades.iter().any(|g| g == grade_label) {
        return Err(format!("unknown grade `{grade_label}` for {period}; expected one of {}", grades.join(", ")));
    }
    let subjects = frame.subjects.get(period).map(Vec::as_slice).unwrap_or_default();
    if !subjects.iter().any(|s| s == subject_name) {
        return Err(format!("subject `{subject_name}` is not offered in {period}"));
    }
    // Senior-secondary "grades" are modules (必修, 选择性必修): part of the volume's name, not a grade.
    let grade = stage.grades().find(|g| grade_label_zh(*g) == grade_label);
    let parts: Vec<&str> = parts.iter().copied().filter(|p| !p.is_empty()).collect();
    let mut volume: Vec<&str> = Vec::new();
    if grade.is_none() {
        volume.push(grade_label);
    }
    volume.extend(&parts);
    let volume = if volume.is_empty() { "全一册".to_owned() } else { volume.join(" ") };
    let mut path = vec![period, grade_label, subject_name];
    path.extend(&parts);
    Ok(Placement {
        stage,
        grade,
        subject: subject_of(subject_name),
        subject_name: subject_name.to_owned(),
        volume,
        path: path.join("/"),
    })
}

/// The volume of a TOC book that is not in the catalog, identified by its path.
fn volume_from_path(frame: &Frame, path: &str) -> Result<TextbookVolume, InteropError> {
    let pieces: Vec<&str> = path.split('/').map(str::trim).collect();
    let [period, grade, subject, parts @ ..] = pieces.as_slice() else {
        return Err(bad(TOC_FILE, format!("book `{path}` is not of the form period/grade/subject/volume")));
    };
    let placement =
        place(frame, period, grade, subject, parts).map_err(|e| bad(TOC_FILE, format!("book `{path}`: {e}")))?;
    let Some(subject) = placement.subject else {
        return Err(bad(
            TOC_FILE,
            format!("book `{path}`: subject `{}` is not a Zhijiao subject", placement.subject_name),
        ));
    };
    Ok(TextbookVolume {
        id: format!("pep-p{:016x}", fnv1a(path.as_bytes())),
        edition_id: EDITION_ID.to_owned(),
        stage: placement.stage,
        subject,
        grade: placement.grade,
        volume: placement.volume,
        book_id: None,
    })
}

/// The subject a PEP subject name stands for, where Zhijiao teaches it.
fn subject_of(name: &str) -> Option<Subject> {
    match name {
        "生物学" => Some(Subject::Biology),
        "信息技术" => Some(Subject::It),
        _ => Subject::parse(name).ok(),
    }
}

/// `第一章: 有理数` → `第一章 有理数`; `None` when the entry is not a chapter.
fn chapter_title(title: &str) -> Option<String> {
    let rest = title.trim().strip_prefix('第')?;
    let (numeral, name) = rest.split_once('章')?;
    if numeral.is_empty() || !numeral.chars().all(|c| "〇零一二三四五六七八九十百两".contains(c)) {
        return None;
    }
    let name = name.trim_start_matches([':', '：', ' ', '\u{3000}']).trim();
    Some(if name.is_empty() { format!("第{numeral}章") } else { format!("第{numeral}章 {name}") })
}

/// `1.1: 整数和负数` → (`1.1`, `整数和负数`); `None` when the entry is not a numbered section, or is a
/// chapter introduction (`1.0: 本章导语`).
fn section_title(title: &str) -> Option<(&str, &str)> {
    let title = title.trim();
    let end = title.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(title.len());
    let number = title[..end].trim_end_matches('.');
    let parts: Vec<&str> = number.split('.').collect();
    if parts.len() < 2 || parts.iter().any(|p| p.is_empty()) || parts.last() == Some(&"0") {
        return None;
    }
    let rest = &title[end..];
    if !rest.is_empty() && !rest.starts_with([':', '：', ' ', '\u{3000}']) {
        return None;
    }
    let name = rest.trim_start_matches([':', '：', ' ', '\u{3000}']).trim();
    if name.is_empty() || name == "本章导语" {
        return None;
    }
    Some((number, name))
}

fn count_entries(entries: &[Entry]) -> usize {
    entries.iter().map(|e| 1 + count_entries(&e.children)).sum()
}

/// FNV-1a, 64 bits: a hash whose value is fixed by its definition, unlike the standard library's,
/// so ids derived from it do not change between builds.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3))
}

fn bad(file: &str, reason: String) -> InteropError {
    InteropError::BadInput { file: file.to_owned(), line: None, reason }
}

fn json_err(file: &str, e: &serde_json::Error) -> InteropError {
    InteropError::BadInput { file: file.to_owned(), line: Some(e.line()), reason: e.to_string() }
}

fn csv_err(e: &csv::Error) -> InteropError {
    let line = e.position().map(|p| p.line() as usize);
    InteropError::BadInput { file: CATALOG_FILE.to_owned(), line, reason: e.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_chapters_and_sections() {
        assert_eq!(chapter_title("第一章: 有理数").as_deref(), Some("第一章 有理数"));
        assert_eq!(chapter_title("第三章 圆锥曲线的方程").as_deref(), Some("第三章 圆锥曲线的方程"));
        assert_eq!(chapter_title("第二十四章: 园").as_deref(), Some("第二十四章 园"));
        assert_eq!(chapter_title("数学活动1"), None);
        assert_eq!(chapter_title("第X章"), None);
        assert_eq!(section_title("1.1: 整数和负数"), Some(("1.1", "整数和负数")));
        assert_eq!(section_title("2.1 整式"), Some(("2.1", "整式")));
        assert_eq!(section_title("1.1.3 集合的基本运算"), Some(("1.1.3", "集合的基本运算")));
        assert_eq!(section_title("1.0: 本章导语"), None);
        assert_eq!(section_title("小结1"), None);
        assert_eq!(section_title("数学活动21"), None);
        assert_eq!(section_title("12"), None);
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
    }
}
