//! Query texts both backends run unchanged. Parameters are `$N`, which SQLite and PostgreSQL both accept.

/// The columns of a school summary row; `s` is the school, `r` its region, `c` its central school.
const SCHOOL_SUMMARY_SELECT: &str = "SELECT s.id, s.region_id, s.code, s.name, s.kind, s.locality, s.central_school_id,
        r.name AS region_name, c.name AS central_school_name,
        (SELECT COUNT(*) FROM classes k WHERE k.school_id = s.id) AS classes,
        (SELECT COUNT(*) FROM teachers t WHERE t.school_id = s.id) AS teachers,
        (SELECT COUNT(*) FROM students st WHERE st.school_id = s.id) AS students
    FROM schools s
    JOIN regions r ON r.id = s.region_id
    LEFT JOIN schools c ON c.id = s.central_school_id";

pub fn school_summaries() -> String {
    SCHOOL_SUMMARY_SELECT.to_owned()
}

pub fn school_summary_by_id() -> String {
    format!("{SCHOOL_SUMMARY_SELECT} WHERE s.id = $1")
}

pub const REGIONS: &str = "SELECT id, parent_id, code, name, level FROM regions ORDER BY id";
pub const SCHOOLS: &str =
    "SELECT id, region_id, code, name, kind, locality, central_school_id FROM schools ORDER BY id";
pub const SCHOOL_YEARS: &str = "SELECT id, name, start_date, end_date FROM school_years ORDER BY id";
pub const CLASSES: &str = "SELECT id, school_id, school_year_id, grade, name, head_teacher_id FROM classes ORDER BY id";
pub const TEACHERS: &str =
    "SELECT id, school_id, name, gender, id_number, phone, tier, subjects FROM teachers ORDER BY id";
pub const STUDENTS: &str = "SELECT id, school_id, class_id, name, gender, student_number, id_number, birth_date
    FROM students ORDER BY id";
pub const GUARDIANS: &str = "SELECT id, name, phone FROM guardians ORDER BY id";
pub const GUARDIAN_LINKS: &str =
    "SELECT guardian_id, student_id, relation FROM guardian_students ORDER BY guardian_id, ordinal";
pub const ASSIGNMENTS: &str =
    "SELECT teacher_id, class_id, subject FROM teaching_assignments ORDER BY teacher_id, class_id, subject";

pub const GROUPS: &str = "SELECT g.id, g.name, g.kind, g.lead_school_id, s.name AS lead_school_name
    FROM school_groups g JOIN schools s ON s.id = g.lead_school_id ORDER BY g.id";
pub const GROUP_MEMBERS: &str = "SELECT m.group_id, m.school_id, s.name AS school_name
    FROM school_group_members m JOIN schools s ON s.id = m.school_id ORDER BY m.group_id, m.ordinal";
pub const GROUPS_OF_SCHOOL: &str = "SELECT g.id, g.name, g.kind, g.lead_school_id, s.name AS lead_school_name
    FROM school_groups g JOIN schools s ON s.id = g.lead_school_id
    WHERE g.lead_school_id = $1 OR g.id IN (SELECT group_id FROM school_group_members WHERE school_id = $1)
    ORDER BY g.id";
pub const MEMBERS_OF_GROUPS_OF_SCHOOL: &str = "SELECT m.group_id, m.school_id, s.name AS school_name
    FROM school_group_members m JOIN schools s ON s.id = m.school_id
    WHERE m.group_id IN (SELECT g.id FROM school_groups g WHERE g.lead_school_id = $1
                         OR g.id IN (SELECT group_id FROM school_group_members WHERE school_id = $1))
    ORDER BY m.group_id, m.ordinal";

pub const TOTALS: &str = "SELECT
    (SELECT COUNT(*) FROM schools) AS schools,
    (SELECT COUNT(*) FROM schools WHERE central_school_id IS NOT NULL) AS teaching_points,
    (SELECT COUNT(*) FROM classes) AS classes,
    (SELECT COUNT(*) FROM teachers) AS teachers,
    (SELECT COUNT(*) FROM students) AS students,
    (SELECT COUNT(*) FROM guardians) AS guardians";

pub const GRADE_COUNTS: &str = "SELECT k.grade, COUNT(DISTINCT k.id) AS classes, COUNT(st.id) AS students
    FROM classes k LEFT JOIN students st ON st.class_id = k.id GROUP BY k.grade ORDER BY k.grade";
pub const TEACHING_POINTS_OF: &str = "SELECT id, name FROM schools WHERE central_school_id = $1 ORDER BY code";
pub const CLASSES_OF_SCHOOL: &str = "SELECT k.id, k.school_id, k.school_year_id, k.grade, k.name, k.head_teacher_id,
        (SELECT COUNT(*) FROM students st WHERE st.class_id = k.id) AS students,
        t.name AS head_teacher_name
    FROM classes k LEFT JOIN teachers t ON t.id = k.head_teacher_id
    WHERE k.school_id = $1 ORDER BY k.grade, k.id";
pub const TEACHERS_OF_SCHOOL: &str = "SELECT t.id, t.school_id, t.name, t.gender, t.id_number, t.phone, t.tier,
        t.subjects,
        (SELECT COUNT(DISTINCT a.class_id) FROM teaching_assignments a WHERE a.teacher_id = t.id) AS classes
    FROM teachers t WHERE t.school_id = $1 ORDER BY t.name, t.id";

pub const CLASS_BY_ID: &str =
    "SELECT id, school_id, school_year_id, grade, name, head_teacher_id FROM classes WHERE id = $1";
pub const SCHOOL_NAME: &str = "SELECT id, name FROM schools WHERE id = $1";
pub const SCHOOL_YEAR_NAME: &str = "SELECT id, name FROM school_years WHERE id = $1";
pub const TEACHER_NAME: &str = "SELECT id, name FROM teachers WHERE id = $1";
pub const STUDENTS_OF_CLASS: &str =
    "SELECT id, school_id, class_id, name, gender, student_number, id_number, birth_date
    FROM students WHERE class_id = $1 ORDER BY student_number, id";
pub const GUARDIANS_OF_CLASS: &str = "SELECT DISTINCT g.id, g.name, g.phone FROM guardians g
    JOIN guardian_students gs ON gs.guardian_id = g.id
    JOIN students st ON st.id = gs.student_id WHERE st.class_id = $1 ORDER BY g.id";
pub const GUARDIAN_LINKS_OF_CLASS: &str = "SELECT gs.guardian_id, gs.student_id, gs.relation FROM guardian_students gs
    WHERE gs.guardian_id IN (SELECT gs2.guardian_id FROM guardian_students gs2
                             JOIN students st ON st.id = gs2.student_id WHERE st.class_id = $1)
    ORDER BY gs.guardian_id, gs.ordinal";
pub const SUBJECT_TEACHERS_OF_CLASS: &str = "SELECT a.subject, a.teacher_id, t.name AS teacher_name
    FROM teaching_assignments a JOIN teachers t ON t.id = a.teacher_id WHERE a.class_id = $1";

pub const TEACHER_BY_ID: &str =
    "SELECT id, school_id, name, gender, id_number, phone, tier, subjects FROM teachers WHERE id = $1";
pub const CLASSES_TAUGHT: &str = "SELECT a.class_id, k.name AS class_name, k.grade, a.subject,
        (SELECT COUNT(*) FROM students st WHERE st.class_id = k.id) AS students
    FROM teaching_assignments a JOIN classes k ON k.id = a.class_id
    WHERE a.teacher_id = $1 ORDER BY k.grade, k.name, a.subject";
pub const HEAD_OF: &str = "SELECT id, name FROM classes WHERE head_teacher_id = $1 ORDER BY grade, name";

pub const EDITIONS: &str = "SELECT id, name, publisher FROM textbook_editions ORDER BY id";
pub const VOLUMES: &str =
    "SELECT id, edition_id, stage, subject, grade, volume, book_id FROM textbook_volumes ORDER BY id";
pub const NODES: &str = "SELECT id, volume_id, parent_id, kind, ordinal, title FROM curriculum_nodes ORDER BY id";
pub const POINTS: &str = "SELECT id, stage, subject, name, node_id FROM knowledge_points ORDER BY id";
pub const PREREQUISITES: &str =
    "SELECT point_id, prerequisite_id FROM knowledge_point_prerequisites ORDER BY point_id, ordinal";

const VOLUME_SUMMARY_SELECT: &str = "SELECT v.id, v.edition_id, v.stage, v.subject, v.grade, v.volume, v.book_id,
        e.name AS edition_name,
        (SELECT COUNT(*) FROM curriculum_nodes n WHERE n.volume_id = v.id AND n.kind = 'chapter') AS chapters,
        (SELECT COUNT(*) FROM knowledge_points p JOIN curriculum_nodes n ON n.id = p.node_id
            WHERE n.volume_id = v.id) AS knowledge_points
    FROM textbook_volumes v JOIN textbook_editions e ON e.id = v.edition_id";

pub fn volume_summaries() -> String {
    VOLUME_SUMMARY_SELECT.to_owned()
}

pub fn volume_summary_by_id() -> String {
    format!("{VOLUME_SUMMARY_SELECT} WHERE v.id = $1")
}

pub const NODES_OF_VOLUME: &str =
    "SELECT id, volume_id, parent_id, kind, ordinal, title FROM curriculum_nodes WHERE volume_id = $1";
pub const POINTS_OF_VOLUME: &str = "SELECT p.id, p.stage, p.subject, p.name, p.node_id FROM knowledge_points p
    JOIN curriculum_nodes n ON n.id = p.node_id WHERE n.volume_id = $1 ORDER BY n.ordinal, p.id";
pub const PREREQUISITES_OF_VOLUME: &str = "SELECT q.point_id, q.prerequisite_id FROM knowledge_point_prerequisites q
    JOIN knowledge_points p ON p.id = q.point_id JOIN curriculum_nodes n ON n.id = p.node_id
    WHERE n.volume_id = $1 ORDER BY q.point_id, q.ordinal";

pub const ACTIVITY_COUNT: &str = "SELECT COUNT(*) AS n FROM activity_records";
pub const RECENT_ACTIVITY: &str = "SELECT actor_kind, actor_id, verb, object_kind, object_id, school_id, class_id,
        result, occurred_at
    FROM activity_records ORDER BY id DESC LIMIT $1";
pub const ACTIVITY_ABOUT: &str = "SELECT actor_kind, actor_id, verb, object_kind, object_id, school_id, class_id,
        result, occurred_at
    FROM activity_records WHERE object_kind = $1 AND object_id = $2 ORDER BY id LIMIT $3";
pub const ANY_SCHOOL: &str = "SELECT COUNT(*) AS n FROM (SELECT 1 FROM schools LIMIT 1) one";

/// `INSERT INTO table (columns…) ` and the matching `ON CONFLICT` clause: replace every non-key
/// column when the key exists, or do nothing when every column is part of the key.
pub fn upsert(table: &str, columns: &[&str], key: &[&str]) -> (String, String) {
    let head = format!("INSERT INTO {table} ({}) ", columns.join(", "));
    let updates: Vec<String> =
        columns.iter().filter(|c| !key.contains(c)).map(|c| format!("{c} = excluded.{c}")).collect();
    let tail = if updates.is_empty() {
        format!(" ON CONFLICT ({}) DO NOTHING", key.join(", "))
    } else {
        format!(" ON CONFLICT ({}) DO UPDATE SET {}", key.join(", "), updates.join(", "))
    };
    (head, tail)
}

pub const ACCOUNT_COLUMNS: &str = "id, username, display_name, phone, person_kind, person_id, password_hash,
    must_change_password, disabled, created_at";
pub const ASSIGNMENT_COLUMNS: &str = "id, account_id, role, scope_id, subjects, grants";
pub const SESSION_COLUMNS: &str = "id_hash, account_id, csrf_token, created_at, expires_at, ip, user_agent";
pub const TOKEN_COLUMNS: &str = "id, account_id, assignment_id, name, token_hash, created_at, revoked_at";
pub const AUDIT_COLUMNS: &str =
    "at, actor_account_id, actor_name, action, target_kind, target_id, school_id, ip, detail";

/// The region and its ancestors, root first.
pub const REGION_PATH: &str = "WITH RECURSIVE up(id, parent_id, depth) AS (
        SELECT id, parent_id, 0 FROM regions WHERE id = $1
        UNION ALL
        SELECT r.id, r.parent_id, up.depth + 1 FROM regions r JOIN up ON r.id = up.parent_id
    )
    SELECT id FROM up ORDER BY depth DESC";
pub const GROUPS_CONTAINING: &str = "SELECT id FROM school_groups WHERE lead_school_id = $1
    UNION SELECT group_id AS id FROM school_group_members WHERE school_id = $1";
pub const SCHOOL_REGION: &str = "SELECT region_id AS id FROM schools WHERE id = $1";
pub const GROUP_LEAD: &str = "SELECT lead_school_id AS id FROM school_groups WHERE id = $1";
pub const CLASS_SCHOOL: &str = "SELECT school_id, id AS class_id FROM classes WHERE id = $1";
pub const HOMEWORK_SCHOOL: &str = "SELECT school_id, class_id FROM homework WHERE id = $1";
pub const STUDENT_SCHOOL: &str = "SELECT school_id, class_id FROM students WHERE id = $1";
pub const TEACHER_SCHOOL: &str = "SELECT school_id, NULL AS class_id FROM teachers WHERE id = $1";
pub const REGION_EXISTS: &str = "SELECT id FROM regions WHERE id = $1";
pub const TAUGHT: &str = "SELECT class_id, subject FROM teaching_assignments WHERE teacher_id = $1 ORDER BY class_id";
pub const HEADED: &str = "SELECT id FROM classes WHERE head_teacher_id = $1 ORDER BY id";
pub const CHILDREN: &str = "SELECT student_id AS id FROM guardian_students WHERE guardian_id = $1 ORDER BY ordinal";
