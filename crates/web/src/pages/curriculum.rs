//! Pages about the curriculum frame: the textbook volumes, and one volume's table of contents with
//! its knowledge points and their prerequisites.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use askama::Template;
use axum::extract::{Path, State};
use domain::{CurriculumNode, KnowledgePoint, NodeKind, Stage, TextbookVolume};
use store::VolumeSummary;

use super::{Chrome, Fact, Link, Nav, Page};
use crate::{App, RequestContext, WebError, i18n::Lang};

struct VolumeRow {
    link: Link,
    edition: String,
    grade: String,
    chapters: String,
    knowledge_points: String,
}

/// The volumes of one stage and subject.
struct VolumeGroup {
    /// The fragment the jump list at the top links to, e.g. `junior-math`.
    anchor: String,
    title: String,
    volumes: Vec<VolumeRow>,
}

#[derive(Template)]
#[template(path = "curriculum.html")]
pub(crate) struct VolumesPage {
    c: Chrome,
    groups: Vec<VolumeGroup>,
}

/// `GET /curriculum`: every textbook volume, grouped by stage and subject.
pub(crate) async fn volumes(ctx: RequestContext, State(app): State<Arc<App>>) -> Result<Page<VolumesPage>, WebError> {
    let mut volumes = app.store.volumes().await?;
    let c = app.chrome(&ctx, Nav::Curriculum).await?;
    let lang = c.lang;
    // Stages in school order, subjects in the order the stage lists them, then grade and volume.
    let subject_rank =
        |v: &TextbookVolume| v.stage.subjects().iter().position(|s| *s == v.subject).unwrap_or(usize::MAX);
    volumes.sort_by(|a, b| {
        let key = |s: &VolumeSummary| {
            (
                s.volume.stage,
                subject_rank(&s.volume),
                s.volume.subject,
                s.volume.grade.unwrap_or(u8::MAX),
                s.volume.volume.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    let mut groups: Vec<((Stage, domain::Subject), VolumeGroup)> = Vec::new();
    for s in &volumes {
        let key = (s.volume.stage, s.volume.subject);
        let row = VolumeRow {
            link: Link::volume(&s.volume.id, &volume_title(lang, s)),
            edition: s.edition_name.clone(),
            grade: s.volume.grade.map_or_else(|| c.m.all_grades.to_owned(), |g| lang.grade(g).into_owned()),
            chapters: lang.count(s.chapters),
            knowledge_points: lang.count(s.knowledge_points),
        };
        match groups.last_mut() {
            Some((k, group)) if *k == key => group.volumes.push(row),
            _ => groups.push((
                key,
                VolumeGroup {
                    anchor: format!("{}-{}", key.0.code(), key.1.code()),
                    title: format!("{} · {}", lang.label(key.0), lang.label(key.1)),
                    volumes: vec![row],
                },
            )),
        }
    }
    Ok(Page(VolumesPage { groups: groups.into_iter().map(|(_, g)| g).collect(), c }))
}

/// A volume's display name, e.g. `人教版 七年级 数学 上册`.
fn volume_title(lang: Lang, s: &VolumeSummary) -> String {
    let v = &s.volume;
    let level = match v.grade {
        Some(g) => lang.grade(g).into_owned(),
        None => lang.label(v.stage).to_owned(),
    };
    format!("{} {} {} {}", s.edition_name, level, lang.label(v.subject), v.volume)
}

/// A prerequisite: its name and a link to where it is taught (this page or another volume's), or
/// just its id when the curriculum does not know it.
struct Prerequisite {
    name: String,
    href: Option<String>,
}

/// A knowledge point taught in another volume, for prerequisite links.
struct Elsewhere {
    name: String,
    volume_id: Option<String>,
}

struct PointView {
    anchor: String,
    name: String,
    prerequisites: Vec<Prerequisite>,
}

/// A chapter or section in reading order, with the knowledge points it teaches.
struct NodeView {
    title: String,
    /// 0 for a chapter, 1 for its sections, deeper for sub-sections.
    depth: usize,
    is_chapter: bool,
    points: Vec<PointView>,
}

#[derive(Template)]
#[template(path = "volume.html")]
pub(crate) struct VolumePage {
    c: Chrome,
    title: String,
    facts: Vec<Fact>,
    nodes: Vec<NodeView>,
    unplaced: Vec<PointView>,
    has_points: bool,
}

/// `GET /curriculum/{volume_id}`: chapters → sections → knowledge points and prerequisites.
pub(crate) async fn volume(
    ctx: RequestContext,
    State(app): State<Arc<App>>,
    Path(volume_id): Path<String>,
) -> Result<Page<VolumePage>, WebError> {
    let detail = app.store.volume_detail(&volume_id).await?.ok_or(WebError::NotFound)?;
    let c = app.chrome(&ctx, Nav::Curriculum).await?;
    let (lang, m) = (c.lang, c.m);
    let v = &detail.summary.volume;
    let facts = vec![
        Fact::text(m.col_edition, detail.summary.edition_name.clone()),
        Fact::text(m.col_grade, v.grade.map_or_else(|| lang.label(v.stage).to_owned(), |g| lang.grade(g).into_owned())),
        Fact::text(m.col_subject, lang.label(v.subject)),
        Fact::text(m.col_volume, v.volume.clone()),
        Fact::text(m.col_chapters, lang.count(detail.summary.chapters)),
        Fact::text(m.col_knowledge_points, lang.count(detail.summary.knowledge_points)),
    ];
    let elsewhere = prerequisites_elsewhere(&app, &detail.knowledge_points).await?;
    let (nodes, unplaced) = table_of_contents(&detail.nodes, &detail.knowledge_points, &elsewhere);
    Ok(Page(VolumePage {
        title: volume_title(lang, &detail.summary),
        facts,
        has_points: !detail.knowledge_points.is_empty(),
        nodes,
        unplaced,
        c,
    }))
}

/// Names and volumes of the prerequisites taught in other volumes. The volume view carries only
/// their ids, so they are looked up in the whole curriculum, and only when there are any.
async fn prerequisites_elsewhere(app: &App, points: &[KnowledgePoint]) -> Result<HashMap<String, Elsewhere>, WebError> {
    let here: HashSet<&str> = points.iter().map(|k| k.id.as_str()).collect();
    let wanted: HashSet<&str> =
        points.iter().flat_map(|k| &k.prerequisite_ids).map(String::as_str).filter(|p| !here.contains(p)).collect();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let curriculum = app.store.load_curriculum().await?;
    let volume_of: HashMap<&str, &str> =
        curriculum.nodes.iter().map(|n| (n.id.as_str(), n.volume_id.as_str())).collect();
    Ok(curriculum
        .knowledge_points
        .iter()
        .filter(|k| wanted.contains(k.id.as_str()))
        .map(|k| {
            let volume_id = k.node_id.as_deref().and_then(|n| volume_of.get(n)).map(|v| (*v).to_owned());
            (k.id.clone(), Elsewhere { name: k.name.clone(), volume_id })
        })
        .collect())
}

/// Orders the nodes by the tree their parents form (siblings by ordinal) and hangs each knowledge
/// point under its section. Points whose section is not in this volume are returned apart.
///
/// The store returns nodes in reading order already; rebuilding the order from the parent links
/// keeps the page right whatever order a backend uses.
fn table_of_contents(
    nodes: &[CurriculumNode],
    points: &[KnowledgePoint],
    elsewhere: &HashMap<String, Elsewhere>,
) -> (Vec<NodeView>, Vec<PointView>) {
    let names: HashMap<&str, &str> = points.iter().map(|k| (k.id.as_str(), k.name.as_str())).collect();
    let view = |k: &KnowledgePoint| PointView {
        anchor: format!("kp-{}", k.id),
        name: k.name.clone(),
        prerequisites: k
            .prerequisite_ids
            .iter()
            .map(|p| match (names.get(p.as_str()), elsewhere.get(p)) {
                (Some(name), _) => Prerequisite { name: (*name).to_owned(), href: Some(format!("#kp-{p}")) },
                (None, Some(e)) => Prerequisite {
                    name: e.name.clone(),
                    href: e.volume_id.as_deref().map(|v| format!("{}#kp-{p}", Link::volume(v, "").href)),
                },
                (None, None) => Prerequisite { name: p.clone(), href: None },
            })
            .collect(),
    };

    let node_ids: HashSet<&str> = nodes.iter().map(|n| n.id.as_str()).collect();
    let mut children: HashMap<Option<&str>, Vec<&CurriculumNode>> = HashMap::new();
    for n in nodes {
        // A parent outside this volume would hide the node; show it at the top level instead.
        let parent = n.parent_id.as_deref().filter(|p| node_ids.contains(p));
        children.entry(parent).or_default().push(n);
    }
    for list in children.values_mut() {
        list.sort_by_key(|n| n.ordinal);
    }
    let mut points_of: HashMap<&str, Vec<&KnowledgePoint>> = HashMap::new();
    let mut unplaced = Vec::new();
    for k in points {
        match k.node_id.as_deref().filter(|n| node_ids.contains(n)) {
            Some(n) => points_of.entry(n).or_default().push(k),
            None => unplaced.push(view(k)),
        }
    }

    let mut out = Vec::with_capacity(nodes.len());
    // Depth-first, with an explicit stack; `seen` guards against a parent cycle in bad data.
    let mut stack: Vec<(&CurriculumNode, usize)> =
        children.get(&None).into_iter().flatten().rev().map(|n| (*n, 0)).collect();
    let mut seen = HashSet::new();
    while let Some((node, depth)) = stack.pop() {
        if !seen.insert(node.id.as_str()) {
            continue;
        }
        out.push(NodeView {
            title: node.title.clone(),
            depth,
            is_chapter: node.kind == NodeKind::Chapter,
            points: points_of.get(node.id.as_str()).into_iter().flatten().map(|k| view(k)).collect(),
        });
        for child in children.get(&Some(node.id.as_str())).into_iter().flatten().rev() {
            stack.push((child, depth + 1));
        }
    }
    (out, unplaced)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{Stage, Subject};

    fn node(id: &str, parent: Option<&str>, kind: NodeKind, ordinal: u32) -> CurriculumNode {
        CurriculumNode {
            id: id.into(),
            volume_id: "v".into(),
            parent_id: parent.map(Into::into),
            kind,
            ordinal,
            title: id.to_uppercase(),
        }
    }

    fn point(id: &str, node: Option<&str>, prerequisites: &[&str]) -> KnowledgePoint {
        KnowledgePoint {
            id: id.into(),
            stage: Stage::Junior,
            subject: Subject::Math,
            name: format!("point {id}"),
            node_id: node.map(Into::into),
            prerequisite_ids: prerequisites.iter().map(|p| (*p).into()).collect(),
        }
    }

    #[test]
    fn contents_follow_the_tree_whatever_the_input_order() {
        let nodes = vec![
            node("c2s1", Some("c2"), NodeKind::Section, 0),
            node("c2", None, NodeKind::Chapter, 1),
            node("c1s2", Some("c1"), NodeKind::Section, 1),
            node("c1", None, NodeKind::Chapter, 0),
            node("c1s1", Some("c1"), NodeKind::Section, 0),
        ];
        let points = vec![
            point("k2", Some("c1s2"), &["k1", "k9", "lost"]),
            point("k1", Some("c1s1"), &[]),
            point("k3", None, &["k2"]),
        ];
        let elsewhere =
            HashMap::from([("k9".to_owned(), Elsewhere { name: "point k9".into(), volume_id: Some("v0".into()) })]);
        let (toc, unplaced) = table_of_contents(&nodes, &points, &elsewhere);
        let order: Vec<(&str, usize)> = toc.iter().map(|n| (n.title.as_str(), n.depth)).collect();
        assert_eq!(order, [("C1", 0), ("C1S1", 1), ("C1S2", 1), ("C2", 0), ("C2S1", 1)]);
        assert!(toc[0].is_chapter && !toc[1].is_chapter);
        assert_eq!(toc[1].points[0].name, "point k1");
        let prereqs: Vec<(&str, Option<&str>)> =
            toc[2].points[0].prerequisites.iter().map(|p| (p.name.as_str(), p.href.as_deref())).collect();
        assert_eq!(prereqs, [("point k1", Some("#kp-k1")), ("point k9", Some("/curriculum/v0#kp-k9")), ("lost", None)]);
        assert_eq!(unplaced.len(), 1);
        assert_eq!(unplaced[0].name, "point k3");
    }
}
