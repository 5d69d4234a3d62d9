//! The curriculum frame: stages, subjects, textbook editions and volumes, chapters, sections and
//! knowledge points with their prerequisite graph.

use serde::{Deserialize, Serialize};

use crate::{DomainError, org::coded_enum};

coded_enum!(
    /// A school stage (学段).
    Stage, "stage" {
        Primary => "primary", "小学", "Primary";
        Junior => "junior", "初中", "Junior secondary";
        Senior => "senior", "高中", "Senior secondary";
    }
);

impl Stage {
    /// The grades (1–12) of this stage.
    pub fn grades(self) -> std::ops::RangeInclusive<u8> {
        match self {
            Stage::Primary => 1..=6,
            Stage::Junior => 7..=9,
            Stage::Senior => 10..=12,
        }
    }

    /// The stage a grade 1–12 belongs to.
    pub fn of_grade(grade: u8) -> Option<Stage> {
        Stage::ALL.iter().copied().find(|s| s.grades().contains(&grade))
    }

    /// The subjects taught at this stage, main subjects first.
    pub fn subjects(self) -> &'static [Subject] {
        use Subject::*;
        match self {
            Stage::Primary => &[Chinese, Math, English, Morality, Science, Music, Art, Pe, It],
            Stage::Junior => {
                &[Chinese, Math, English, Physics, Chemistry, Biology, History, Geography, Morality, Music, Art, Pe, It]
            }
            Stage::Senior => {
                &[Chinese, Math, English, Physics, Chemistry, Biology, History, Geography, Politics, Music, Art, Pe, It]
            }
        }
    }
}

coded_enum!(
    /// A school subject (学科).
    Subject, "subject" {
        Chinese => "chinese", "语文", "Chinese";
        Math => "math", "数学", "Mathematics";
        English => "english", "英语", "English";
        Physics => "physics", "物理", "Physics";
        Chemistry => "chemistry", "化学", "Chemistry";
        Biology => "biology", "生物", "Biology";
        History => "history", "历史", "History";
        Geography => "geography", "地理", "Geography";
        Morality => "morality", "道德与法治", "Morality and Law";
        Politics => "politics", "思想政治", "Politics";
        Science => "science", "科学", "Science";
        Music => "music", "音乐", "Music";
        Art => "art", "美术", "Art";
        Pe => "pe", "体育与健康", "Physical Education";
        It => "it", "信息科技", "Information Technology";
    }
);

/// A textbook edition (教材版本), e.g. 人教版.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextbookEdition {
    pub id: String,
    pub name: String,
    pub publisher: String,
}

/// One textbook volume, e.g. 人教版 初中 七年级 数学 上册.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextbookVolume {
    pub id: String,
    pub edition_id: String,
    pub stage: Stage,
    pub subject: Subject,
    /// Grade 1–12, or `None` for senior-secondary modules (必修/选择性必修) not tied to one grade.
    pub grade: Option<u8>,
    /// 上册 / 下册 / 必修 第一册 …
    pub volume: String,
    /// The publisher's book id where known.
    pub book_id: Option<String>,
}

coded_enum!(
    /// The kind of a node in a textbook's table of contents.
    NodeKind, "curriculum node kind" {
        Chapter => "chapter", "章", "Chapter";
        Section => "section", "节", "Section";
    }
);

/// A chapter or section of a textbook volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurriculumNode {
    pub id: String,
    pub volume_id: String,
    pub parent_id: Option<String>,
    pub kind: NodeKind,
    /// Position among its siblings, from 0.
    pub ordinal: u32,
    pub title: String,
}

/// A knowledge point (知识点), usually taught in one section, with the points it builds on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnowledgePoint {
    pub id: String,
    pub stage: Stage,
    pub subject: Subject,
    pub name: String,
    /// The section that teaches it, where known.
    pub node_id: Option<String>,
    /// Knowledge points that should be mastered first.
    pub prerequisite_ids: Vec<String>,
}

/// The whole curriculum frame, as imported or generated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Curriculum {
    pub editions: Vec<TextbookEdition>,
    pub volumes: Vec<TextbookVolume>,
    pub nodes: Vec<CurriculumNode>,
    pub knowledge_points: Vec<KnowledgePoint>,
}

impl Curriculum {
    /// Checks ids are unique, references resolve and the prerequisite graph has no cycle.
    pub fn validate(&self) -> Result<(), Vec<DomainError>> {
        use std::collections::{HashMap, HashSet};
        let mut errors = Vec::new();
        let editions = unique_ids("textbook edition", self.editions.iter().map(|e| e.id.as_str()), &mut errors);
        let volumes = unique_ids("textbook volume", self.volumes.iter().map(|v| v.id.as_str()), &mut errors);
        let nodes = unique_ids("curriculum node", self.nodes.iter().map(|n| n.id.as_str()), &mut errors);
        let points = unique_ids("knowledge point", self.knowledge_points.iter().map(|k| k.id.as_str()), &mut errors);
        for v in &self.volumes {
            check_ref(&mut errors, "textbook volume", &v.id, "textbook edition", &v.edition_id, &editions);
        }
        for n in &self.nodes {
            check_ref(&mut errors, "curriculum node", &n.id, "textbook volume", &n.volume_id, &volumes);
            if let Some(p) = &n.parent_id {
                check_ref(&mut errors, "curriculum node", &n.id, "curriculum node", p, &nodes);
            }
        }
        for k in &self.knowledge_points {
            if let Some(n) = &k.node_id {
                check_ref(&mut errors, "knowledge point", &k.id, "curriculum node", n, &nodes);
            }
            for p in &k.prerequisite_ids {
                check_ref(&mut errors, "knowledge point", &k.id, "knowledge point", p, &points);
            }
        }
        // Kahn's algorithm: whatever is left with unmet prerequisites sits on a cycle.
        let mut pending: HashMap<&str, usize> =
            self.knowledge_points.iter().map(|k| (k.id.as_str(), k.prerequisite_ids.len())).collect();
        let mut dependants: HashMap<&str, Vec<&str>> = HashMap::new();
        for k in &self.knowledge_points {
            for p in &k.prerequisite_ids {
                dependants.entry(p.as_str()).or_default().push(k.id.as_str());
            }
        }
        let mut ready: Vec<&str> = pending.iter().filter(|(_, n)| **n == 0).map(|(id, _)| *id).collect();
        let mut done = HashSet::new();
        while let Some(id) = ready.pop() {
            done.insert(id);
            for d in dependants.get(id).into_iter().flatten() {
                if let Some(n) = pending.get_mut(d) {
                    *n = n.saturating_sub(1);
                    if *n == 0 {
                        ready.push(d);
                    }
                }
            }
        }
        if errors.is_empty()
            && let Some(k) = self.knowledge_points.iter().find(|k| !done.contains(k.id.as_str()))
        {
            errors.push(DomainError::Invalid {
                what: "knowledge point",
                id: k.id.clone(),
                reason: "its prerequisites form a cycle".into(),
            });
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

pub(crate) fn unique_ids<'a>(
    what: &'static str,
    ids: impl Iterator<Item = &'a str>,
    errors: &mut Vec<DomainError>,
) -> std::collections::HashSet<&'a str> {
    let mut seen = std::collections::HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            errors.push(DomainError::DuplicateId { what, id: id.to_owned() });
        }
    }
    seen
}

pub(crate) fn check_ref(
    errors: &mut Vec<DomainError>,
    what: &'static str,
    id: &str,
    target: &'static str,
    target_id: &str,
    known: &std::collections::HashSet<&str>,
) {
    if !known.contains(target_id) {
        errors.push(DomainError::DanglingReference {
            what,
            id: id.to_owned(),
            target,
            target_id: target_id.to_owned(),
        });
    }
}
