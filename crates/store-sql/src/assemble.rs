//! Turning rows into domain values and views: code parsing, ordering, regrouping child rows.

use std::collections::HashMap;

use domain::{
    ActivityRecord, ActorRef, Class, CurriculumNode, DomainError, Gender, GroupKind, GrowthTier, Guardian,
    GuardianLink, KnowledgePoint, Locality, NodeKind, ObjectRef, Region, RegionLevel, Relation, School, SchoolKind,
    SchoolYear, Stage, Student, Subject, Teacher, TextbookEdition, TextbookVolume,
};
use store::{ClassSummary, GroupSummary, SchoolSummary, StoreError, TeacherSummary, VolumeSummary};

use crate::rows::*;

/// A stored code that no longer parses means the database was changed behind our back.
pub(crate) fn code<T>(parsed: Result<T, DomainError>) -> Result<T, StoreError> {
    parsed.map_err(StoreError::internal)
}

fn grade(value: i64) -> Result<u8, StoreError> {
    u8::try_from(value).map_err(StoreError::internal)
}

/// Joins subject codes for the `teachers.subjects` column.
pub fn join_subjects(subjects: &[Subject]) -> String {
    subjects.iter().map(|s| s.code()).collect::<Vec<_>>().join(";")
}

pub fn region(r: RegionRow) -> Result<Region, StoreError> {
    Ok(Region {
        id: r.id,
        parent_id: r.parent_id,
        code: r.code,
        name: r.name,
        level: code(RegionLevel::parse(&r.level))?,
    })
}

/// Orders regions so every parent comes before its children (root first), then by id.
pub fn regions_root_first(mut regions: Vec<Region>) -> Vec<Region> {
    let parents: HashMap<String, Option<String>> =
        regions.iter().map(|r| (r.id.clone(), r.parent_id.clone())).collect();
    let depth = |id: &str| {
        let mut d = 0usize;
        let mut at = parents.get(id).cloned().flatten();
        while let Some(p) = at {
            d += 1;
            if d > parents.len() {
                break; // A cycle; validation prevents it, so don't loop forever if it happens anyway.
            }
            at = parents.get(&p).cloned().flatten();
        }
        d
    };
    regions.sort_by_cached_key(|r| (depth(&r.id), r.id.clone()));
    regions
}

/// Orders schools so central schools come before the 教学点 that reference them.
pub fn schools_central_first(schools: &[School]) -> Vec<&School> {
    let mut out: Vec<&School> = schools.iter().collect();
    out.sort_by_key(|s| s.central_school_id.is_some());
    out
}

pub fn school(r: SchoolRow) -> Result<School, StoreError> {
    Ok(School {
        id: r.id,
        region_id: r.region_id,
        code: r.code,
        name: r.name,
        kind: code(SchoolKind::parse(&r.kind))?,
        locality: code(Locality::parse(&r.locality))?,
        central_school_id: r.central_school_id,
    })
}

pub fn school_summary(r: SchoolSummaryRow) -> Result<SchoolSummary, StoreError> {
    Ok(SchoolSummary {
        school: school(r.school)?,
        region_name: r.region_name,
        central_school_name: r.central_school_name,
        classes: r.classes as u64,
        teachers: r.teachers as u64,
        students: r.students as u64,
    })
}

/// Schools ordered by kind (in `SchoolKind::ALL` order), 教学点 last within a kind, then code.
pub fn sort_school_summaries(schools: &mut [SchoolSummary]) {
    schools.sort_by(|a, b| {
        (a.school.kind, a.school.central_school_id.is_some(), &a.school.code).cmp(&(
            b.school.kind,
            b.school.central_school_id.is_some(),
            &b.school.code,
        ))
    });
}

pub fn school_year(r: SchoolYearRow) -> SchoolYear {
    SchoolYear { id: r.id, name: r.name, start_date: r.start_date, end_date: r.end_date }
}

pub fn class(r: ClassRow) -> Result<Class, StoreError> {
    Ok(Class {
        id: r.id,
        school_id: r.school_id,
        school_year_id: r.school_year_id,
        grade: grade(r.grade)?,
        name: r.name,
        head_teacher_id: r.head_teacher_id,
    })
}

pub fn class_summary(r: ClassSummaryRow) -> Result<ClassSummary, StoreError> {
    Ok(ClassSummary { class: class(r.class)?, students: r.students as u64, head_teacher_name: r.head_teacher_name })
}

pub fn teacher(r: TeacherRow) -> Result<Teacher, StoreError> {
    let subjects = r.subjects.split(';').filter(|s| !s.is_empty()).map(Subject::parse).collect::<Result<_, _>>();
    Ok(Teacher {
        id: r.id,
        school_id: r.school_id,
        name: r.name,
        gender: code(Gender::parse(&r.gender))?,
        id_number: r.id_number,
        phone: r.phone,
        tier: code(GrowthTier::parse(&r.tier))?,
        subjects: code(subjects)?,
    })
}

pub fn teacher_summary(r: TeacherSummaryRow) -> Result<TeacherSummary, StoreError> {
    Ok(TeacherSummary { teacher: teacher(r.teacher)?, classes: r.classes as u64 })
}

pub fn student(r: StudentRow) -> Result<Student, StoreError> {
    Ok(Student {
        id: r.id,
        school_id: r.school_id,
        class_id: r.class_id,
        name: r.name,
        gender: code(Gender::parse(&r.gender))?,
        student_number: r.student_number,
        id_number: r.id_number,
        birth_date: r.birth_date,
    })
}

/// Builds guardians from their rows and their links (links in stored order).
pub fn guardians(rows: Vec<GuardianRow>, links: Vec<GuardianLinkRow>) -> Result<Vec<Guardian>, StoreError> {
    let mut by_guardian: HashMap<String, Vec<GuardianLink>> = HashMap::new();
    for l in links {
        by_guardian
            .entry(l.guardian_id)
            .or_default()
            .push(GuardianLink { student_id: l.student_id, relation: code(Relation::parse(&l.relation))? });
    }
    Ok(rows
        .into_iter()
        .map(|g| Guardian {
            students: by_guardian.remove(&g.id).unwrap_or_default(),
            id: g.id,
            name: g.name,
            phone: g.phone,
        })
        .collect())
}

/// Builds group summaries from group rows and member rows (members ordered by name).
pub fn groups(rows: Vec<GroupRow>, members: Vec<GroupMemberRow>) -> Result<Vec<GroupSummary>, StoreError> {
    let mut by_group: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for m in members {
        by_group.entry(m.group_id).or_default().push((m.school_id, m.school_name));
    }
    rows.into_iter()
        .map(|g| {
            let mut members = by_group.remove(&g.id).unwrap_or_default();
            members.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
            Ok(GroupSummary {
                kind: code(GroupKind::parse(&g.kind))?,
                id: g.id,
                name: g.name,
                lead_school_id: g.lead_school_id,
                lead_school_name: g.lead_school_name,
                members,
            })
        })
        .collect()
}

pub fn subject(value: &str) -> Result<Subject, StoreError> {
    code(Subject::parse(value))
}

pub fn edition(r: EditionRow) -> TextbookEdition {
    TextbookEdition { id: r.id, name: r.name, publisher: r.publisher }
}

pub fn volume(r: VolumeRow) -> Result<TextbookVolume, StoreError> {
    Ok(TextbookVolume {
        id: r.id,
        edition_id: r.edition_id,
        stage: code(Stage::parse(&r.stage))?,
        subject: code(Subject::parse(&r.subject))?,
        grade: r.grade.map(grade).transpose()?,
        volume: r.volume,
        book_id: r.book_id,
    })
}

pub fn volume_summary(r: VolumeSummaryRow) -> Result<VolumeSummary, StoreError> {
    Ok(VolumeSummary {
        volume: volume(r.volume)?,
        edition_name: r.edition_name,
        chapters: r.chapters as u64,
        knowledge_points: r.knowledge_points as u64,
    })
}

/// Volumes ordered by stage, grade, subject, then volume name.
pub fn sort_volumes(volumes: &mut [VolumeSummary]) {
    volumes.sort_by(|a, b| {
        let key = |v: &VolumeSummary| (v.volume.stage, v.volume.grade, v.volume.subject, v.volume.volume.clone());
        key(a).cmp(&key(b))
    });
}

pub fn node(r: NodeRow) -> Result<CurriculumNode, StoreError> {
    Ok(CurriculumNode {
        id: r.id,
        volume_id: r.volume_id,
        parent_id: r.parent_id,
        kind: code(NodeKind::parse(&r.kind))?,
        ordinal: u32::try_from(r.ordinal).map_err(StoreError::internal)?,
        title: r.title,
    })
}

/// Orders one volume's nodes for reading: each node followed by its children, siblings by ordinal.
pub fn reading_order(nodes: Vec<CurriculumNode>) -> Vec<CurriculumNode> {
    let mut children: HashMap<Option<String>, Vec<CurriculumNode>> = HashMap::new();
    let ids: std::collections::HashSet<String> = nodes.iter().map(|n| n.id.clone()).collect();
    for n in nodes {
        // A parent outside this volume would orphan the node; show it at the top level instead.
        let parent = n.parent_id.clone().filter(|p| ids.contains(p));
        children.entry(parent).or_default().push(n);
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| (a.ordinal, &a.id).cmp(&(b.ordinal, &b.id)));
    }
    let mut out = Vec::new();
    let mut stack: Vec<CurriculumNode> = children.remove(&None).unwrap_or_default().into_iter().rev().collect();
    while let Some(n) = stack.pop() {
        if let Some(kids) = children.remove(&Some(n.id.clone())) {
            stack.extend(kids.into_iter().rev());
        }
        out.push(n);
    }
    out
}

/// Builds knowledge points with their prerequisites (in stored order).
pub fn points(rows: Vec<PointRow>, prereqs: Vec<PrerequisiteRow>) -> Result<Vec<KnowledgePoint>, StoreError> {
    let mut by_point: HashMap<String, Vec<String>> = HashMap::new();
    for p in prereqs {
        by_point.entry(p.point_id).or_default().push(p.prerequisite_id);
    }
    rows.into_iter()
        .map(|r| {
            Ok(KnowledgePoint {
                prerequisite_ids: by_point.remove(&r.id).unwrap_or_default(),
                stage: code(Stage::parse(&r.stage))?,
                subject: code(Subject::parse(&r.subject))?,
                id: r.id,
                name: r.name,
                node_id: r.node_id,
            })
        })
        .collect()
}

pub fn activity(r: ActivityRow) -> ActivityRecord {
    ActivityRecord {
        actor: ActorRef { kind: r.actor_kind, id: r.actor_id },
        verb: r.verb,
        object: ObjectRef { kind: r.object_kind, id: r.object_id },
        school_id: r.school_id,
        class_id: r.class_id,
        result: r.result.map(|j| j.0),
        timestamp: r.occurred_at,
    }
}

/// Joins enum codes for a `;`-separated column.
pub fn join_codes<T: Copy + Into<&'static str>>(values: &[T]) -> String {
    values.iter().map(|v| (*v).into()).collect::<Vec<&str>>().join(";")
}

fn split_codes<T>(value: &str, parse: fn(&str) -> Result<T, DomainError>) -> Result<Vec<T>, StoreError> {
    code(value.split(';').filter(|s| !s.is_empty()).map(parse).collect())
}

pub fn account(r: AccountRow) -> Result<domain::identity::Account, StoreError> {
    let person = match (r.person_kind, r.person_id) {
        (Some(kind), Some(id)) => {
            Some(domain::identity::PersonRef { kind: code(domain::identity::PersonKind::parse(&kind))?, id })
        }
        _ => None,
    };
    Ok(domain::identity::Account {
        id: r.id,
        username: r.username,
        display_name: r.display_name,
        phone: r.phone,
        person,
        password_hash: r.password_hash,
        must_change_password: r.must_change_password,
        disabled: r.disabled,
        created_at: r.created_at,
    })
}

pub fn role_assignment(r: RoleAssignmentRow) -> Result<domain::access::RoleAssignment, StoreError> {
    Ok(domain::access::RoleAssignment {
        role: code(domain::access::Role::parse(&r.role))?,
        subjects: split_codes(&r.subjects, Subject::parse)?,
        grants: split_codes(&r.grants, domain::access::ResourceKind::parse)?,
        id: r.id,
        account_id: r.account_id,
        scope_id: r.scope_id,
    })
}

pub fn session(r: SessionRow) -> store::Session {
    store::Session {
        id_hash: r.id_hash,
        account_id: r.account_id,
        csrf_token: r.csrf_token,
        created_at: r.created_at,
        expires_at: r.expires_at,
        ip: r.ip,
        user_agent: r.user_agent,
    }
}

pub fn token(r: TokenRow) -> store::ApiToken {
    store::ApiToken {
        id: r.id,
        account_id: r.account_id,
        assignment_id: r.assignment_id,
        name: r.name,
        token_hash: r.token_hash,
        created_at: r.created_at,
        revoked_at: r.revoked_at,
    }
}

pub fn audit(r: AuditRow) -> Result<domain::identity::AuditEntry, StoreError> {
    Ok(domain::identity::AuditEntry {
        at: r.at,
        actor_account_id: r.actor_account_id,
        actor_name: r.actor_name,
        action: code(domain::identity::AuditAction::parse(&r.action))?,
        target_kind: r.target_kind,
        target_id: r.target_id,
        school_id: r.school_id,
        ip: r.ip,
        detail: r.detail,
    })
}
