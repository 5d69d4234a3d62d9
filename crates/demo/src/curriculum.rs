//! The built-in 人教版 curriculum frame, parsed from a compact text table compiled into the crate.
//!
//! The table (`data/curriculum.txt`) has one directive per line:
//!
//! ```text
//! edition <key> <name> <publisher>
//! volume  <key> <stage> <subject> <grade or -> <volume name>
//! chapter <title> [= point; point] [< prerequisite; prerequisite]
//! section <title> [= point; point] [< prerequisite; prerequisite]
//! text    <title>
//! ```
//!
//! A `section` teaches one knowledge point named after its title without the leading number
//! (`1.1 正数和负数` → `正数和负数`) unless `=` lists the points; a `chapter` teaches points only
//! when `=` lists them; a `text` (e.g. a 语文 lesson) teaches none. Every point builds on the
//! previous point of the same volume; `<` adds points defined earlier in the table for the same
//! subject (the latest one of that name). Because references only point backwards, the
//! prerequisite graph cannot have a cycle.

use std::collections::HashMap;
use std::sync::OnceLock;

use domain::{Curriculum, CurriculumNode, KnowledgePoint, NodeKind, Stage, Subject, TextbookEdition, TextbookVolume};

use crate::DemoError;

const FILE: &str = "data/curriculum.txt";
const TABLE: &str = include_str!("../data/curriculum.txt");

/// The parsed built-in table.
pub(crate) fn builtin() -> &'static Curriculum {
    static CURRICULUM: OnceLock<Curriculum> = OnceLock::new();
    CURRICULUM.get_or_init(|| match parse(FILE, TABLE) {
        Ok(c) => c,
        // The table is a compile-time constant that the crate's tests parse and validate, so this
        // branch is never taken in a tested build.
        Err(e) => panic!("built-in curriculum table is malformed: {e}"),
    })
}

/// Where the parser is: the current edition, volume and chapter, and counters for readable ids.
struct Cursor {
    edition: Option<(String, String)>,
    volume: Option<VolumeCursor>,
}

struct VolumeCursor {
    /// `pep-math-7a`: the part shared by every id under the volume.
    key: String,
    id: String,
    stage: Stage,
    subject: Subject,
    chapters: u32,
    /// The current chapter's node id and how many sections it has so far.
    chapter: Option<(String, u32)>,
    points: u32,
    last_point: Option<String>,
}

pub(crate) fn parse(file: &'static str, text: &str) -> Result<Curriculum, DemoError> {
    let mut out = Curriculum::default();
    let mut cursor = Cursor { edition: None, volume: None };
    // Knowledge point ids by (subject, name); a later definition of the same name shadows an earlier one.
    let mut by_name: HashMap<(Subject, String), String> = HashMap::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let bad = |reason: String| DemoError::BadData { file, line, reason };
        let content = raw.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let (directive, rest) = content.split_once(char::is_whitespace).unwrap_or((content, ""));
        let rest = rest.trim();
        match directive {
            "edition" => {
                let fields: Vec<&str> = rest.split_whitespace().collect();
                let [key, name, publisher] = fields[..] else {
                    return Err(bad("expected `edition <key> <name> <publisher>`".into()));
                };
                out.editions.push(TextbookEdition {
                    id: format!("ed-{key}"),
                    name: name.to_owned(),
                    publisher: publisher.to_owned(),
                });
                cursor.edition = Some((key.to_owned(), format!("ed-{key}")));
                cursor.volume = None;
            }
            "volume" => {
                let Some((edition_key, edition_id)) = &cursor.edition else {
                    return Err(bad("`volume` before any `edition`".into()));
                };
                let mut fields = rest.splitn(5, char::is_whitespace).map(str::trim);
                let (Some(key), Some(stage), Some(subject), Some(grade), Some(name)) =
                    (fields.next(), fields.next(), fields.next(), fields.next(), fields.next())
                else {
                    return Err(bad("expected `volume <key> <stage> <subject> <grade|-> <name>`".into()));
                };
                let stage = Stage::parse(stage).map_err(|e| bad(e.to_string()))?;
                let subject = Subject::parse(subject).map_err(|e| bad(e.to_string()))?;
                let grade = match grade {
                    "-" => None,
                    g => match g.parse::<u8>() {
                        Ok(g) if stage.grades().contains(&g) => Some(g),
                        _ => return Err(bad(format!("grade `{g}` is not a grade of {}", stage.label_zh()))),
                    },
                };
                if !stage.subjects().contains(&subject) {
                    return Err(bad(format!("{} is not taught at {}", subject.label_zh(), stage.label_zh())));
                }
                let key = format!("{edition_key}-{key}");
                let id = format!("vol-{key}");
                if out.volumes.iter().any(|v| v.id == id) {
                    return Err(bad(format!("volume `{id}` defined twice")));
                }
                out.volumes.push(TextbookVolume {
                    id: id.clone(),
                    edition_id: edition_id.clone(),
                    stage,
                    subject,
                    grade,
                    volume: name.to_owned(),
                    book_id: None,
                });
                cursor.volume = Some(VolumeCursor {
                    key,
                    id,
                    stage,
                    subject,
                    chapters: 0,
                    chapter: None,
                    points: 0,
                    last_point: None,
                });
            }
            "chapter" | "section" | "text" => {
                let Some(volume) = cursor.volume.as_mut() else {
                    return Err(bad(format!("`{directive}` before any `volume`")));
                };
                let (head, prerequisites) = match rest.rsplit_once(" < ") {
                    Some((head, refs)) => (head, split_list(refs)),
                    None => (rest, Vec::new()),
                };
                let (title, listed) = match head.split_once(" = ") {
                    Some((title, points)) => (title.trim(), Some(split_list(points))),
                    None => (head.trim(), None),
                };
                if title.is_empty() {
                    return Err(bad(format!("`{directive}` needs a title")));
                }
                let (node_id, parent_id, ordinal, kind) = if directive == "chapter" {
                    volume.chapters += 1;
                    let id = format!("node-{}-{}", volume.key, volume.chapters);
                    volume.chapter = Some((id.clone(), 0));
                    (id, None, volume.chapters - 1, NodeKind::Chapter)
                } else {
                    let Some((chapter_id, sections)) = volume.chapter.as_mut() else {
                        return Err(bad(format!("`{directive}` before any `chapter`")));
                    };
                    *sections += 1;
                    let id = format!("{chapter_id}-{sections}");
                    (id, Some(chapter_id.clone()), *sections - 1, NodeKind::Section)
                };
                let points = match (directive, listed) {
                    (_, Some(points)) => points,
                    ("section", None) => vec![point_name(title).to_owned()],
                    _ => Vec::new(),
                };
                if points.is_empty() && !prerequisites.is_empty() {
                    return Err(bad("prerequisites given for a line that teaches no knowledge point".into()));
                }
                out.nodes.push(CurriculumNode {
                    id: node_id.clone(),
                    volume_id: volume.id.clone(),
                    parent_id,
                    kind,
                    ordinal,
                    title: title.to_owned(),
                });
                for (i, name) in points.into_iter().enumerate() {
                    volume.points += 1;
                    let id = format!("kp-{}-{:03}", volume.key, volume.points);
                    let mut prerequisite_ids: Vec<String> = volume.last_point.iter().cloned().collect();
                    if i == 0 {
                        for p in &prerequisites {
                            let Some(pid) = by_name.get(&(volume.subject, p.clone())) else {
                                return Err(bad(format!(
                                    "prerequisite `{p}` is not an earlier {} knowledge point",
                                    volume.subject.label_zh()
                                )));
                            };
                            if !prerequisite_ids.contains(pid) {
                                prerequisite_ids.push(pid.clone());
                            }
                        }
                    }
                    by_name.insert((volume.subject, name.clone()), id.clone());
                    out.knowledge_points.push(KnowledgePoint {
                        id: id.clone(),
                        stage: volume.stage,
                        subject: volume.subject,
                        name,
                        node_id: Some(node_id.clone()),
                        prerequisite_ids,
                    });
                    volume.last_point = Some(id);
                }
            }
            other => return Err(bad(format!("unknown directive `{other}`"))),
        }
    }
    Ok(out)
}

fn split_list(list: &str) -> Vec<String> {
    list.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// A section title without its leading number: `1.1 正数和负数` → `正数和负数`, `课题2 氧气` → `氧气`.
fn point_name(title: &str) -> &str {
    match title.split_once(' ') {
        Some((number, rest)) if number.bytes().any(|b| b.is_ascii_digit()) && !rest.trim().is_empty() => rest.trim(),
        _ => title,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_get_points_chained_within_the_volume_and_linked_across() {
        let table = "edition pep 人教版 人民教育出版社\n\
                     volume math-6b primary math 6 下册\n\
                     chapter 1 负数\n\
                     section 1 负数的认识\n\
                     volume math-7a junior math 7 上册\n\
                     chapter 第一章 有理数\n\
                     section 1.1 正数和负数 < 负数的认识\n\
                     section 1.2 有理数 = 有理数的概念; 数轴\n\
                     text 阅读与思考\n";
        let c = parse("t", table).unwrap();
        assert_eq!(c.volumes.len(), 2);
        assert_eq!(c.volumes[1].grade, Some(7));
        let names: Vec<&str> = c.knowledge_points.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(names, ["负数的认识", "正数和负数", "有理数的概念", "数轴"]);
        assert_eq!(c.knowledge_points[1].prerequisite_ids, ["kp-pep-math-6b-001"]);
        assert_eq!(c.knowledge_points[3].prerequisite_ids, ["kp-pep-math-7a-002"]);
        assert_eq!(c.nodes.iter().filter(|n| n.kind == NodeKind::Section).count(), 4);
        assert_eq!(c.nodes[5].id, "node-pep-math-7a-1-3");
        assert_eq!(c.nodes[5].ordinal, 2);
        c.validate().unwrap();
    }

    #[test]
    fn errors_name_the_line() {
        let table =
            "edition pep 人教版 人民教育出版社\nvolume m primary math 6 下册\nchapter 负数\nsection 1 负数 < 分数\n";
        let err = parse("t.txt", table).unwrap_err();
        assert!(matches!(&err, DemoError::BadData { line: 4, .. }), "{err}");
        assert!(err.to_string().starts_with("t.txt:4: prerequisite `分数`"), "{err}");

        let err = parse("t.txt", "edition pep 人教版 人民教育出版社\nvolume m junior math 3 上册\n").unwrap_err();
        assert!(matches!(err, DemoError::BadData { line: 2, .. }), "{err}");
        let err = parse("t.txt", "section 1.1 x\n").unwrap_err();
        assert!(matches!(err, DemoError::BadData { line: 1, .. }), "{err}");
    }
}
