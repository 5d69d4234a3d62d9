-- The foundation schema: org tree, people, curriculum frame, activity records.
-- Ids are the records' stable sourced ids (the same ids OneRoster files carry).

CREATE TABLE regions (
    id TEXT PRIMARY KEY,
    parent_id TEXT REFERENCES regions(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    level TEXT NOT NULL
);

CREATE TABLE schools (
    id TEXT PRIMARY KEY,
    region_id TEXT NOT NULL REFERENCES regions(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    locality TEXT NOT NULL,
    central_school_id TEXT REFERENCES schools(id)
);
CREATE INDEX schools_region ON schools(region_id);
CREATE INDEX schools_central ON schools(central_school_id);

CREATE TABLE school_groups (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    lead_school_id TEXT NOT NULL REFERENCES schools(id)
);

CREATE TABLE school_group_members (
    group_id TEXT NOT NULL REFERENCES school_groups(id),
    school_id TEXT NOT NULL REFERENCES schools(id),
    ordinal INTEGER NOT NULL,
    PRIMARY KEY (group_id, school_id)
);
CREATE INDEX school_group_members_school ON school_group_members(school_id);

CREATE TABLE school_years (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL
);

CREATE TABLE teachers (
    id TEXT PRIMARY KEY,
    school_id TEXT NOT NULL REFERENCES schools(id),
    name TEXT NOT NULL,
    gender TEXT NOT NULL,
    id_number TEXT,
    phone TEXT,
    tier TEXT NOT NULL,
    subjects TEXT NOT NULL
);
CREATE INDEX teachers_school ON teachers(school_id);

CREATE TABLE classes (
    id TEXT PRIMARY KEY,
    school_id TEXT NOT NULL REFERENCES schools(id),
    school_year_id TEXT NOT NULL REFERENCES school_years(id),
    grade INTEGER NOT NULL,
    name TEXT NOT NULL,
    head_teacher_id TEXT REFERENCES teachers(id)
);
CREATE INDEX classes_school ON classes(school_id);
CREATE INDEX classes_head_teacher ON classes(head_teacher_id);

CREATE TABLE students (
    id TEXT PRIMARY KEY,
    school_id TEXT NOT NULL REFERENCES schools(id),
    class_id TEXT NOT NULL REFERENCES classes(id),
    name TEXT NOT NULL,
    gender TEXT NOT NULL,
    student_number TEXT NOT NULL,
    id_number TEXT,
    birth_date TEXT
);
CREATE INDEX students_school ON students(school_id);
CREATE INDEX students_class ON students(class_id);

CREATE TABLE guardians (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    phone TEXT
);

CREATE TABLE guardian_students (
    guardian_id TEXT NOT NULL REFERENCES guardians(id),
    student_id TEXT NOT NULL REFERENCES students(id),
    relation TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    PRIMARY KEY (guardian_id, student_id)
);
CREATE INDEX guardian_students_student ON guardian_students(student_id);

CREATE TABLE teaching_assignments (
    teacher_id TEXT NOT NULL REFERENCES teachers(id),
    class_id TEXT NOT NULL REFERENCES classes(id),
    subject TEXT NOT NULL,
    PRIMARY KEY (teacher_id, class_id, subject)
);
CREATE INDEX teaching_assignments_class ON teaching_assignments(class_id);

CREATE TABLE textbook_editions (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    publisher TEXT NOT NULL
);

CREATE TABLE textbook_volumes (
    id TEXT PRIMARY KEY,
    edition_id TEXT NOT NULL REFERENCES textbook_editions(id),
    stage TEXT NOT NULL,
    subject TEXT NOT NULL,
    grade INTEGER,
    volume TEXT NOT NULL,
    book_id TEXT
);

CREATE TABLE curriculum_nodes (
    id TEXT PRIMARY KEY,
    volume_id TEXT NOT NULL REFERENCES textbook_volumes(id),
    parent_id TEXT REFERENCES curriculum_nodes(id),
    kind TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    title TEXT NOT NULL
);
CREATE INDEX curriculum_nodes_volume ON curriculum_nodes(volume_id);

CREATE TABLE knowledge_points (
    id TEXT PRIMARY KEY,
    stage TEXT NOT NULL,
    subject TEXT NOT NULL,
    name TEXT NOT NULL,
    node_id TEXT REFERENCES curriculum_nodes(id)
);
CREATE INDEX knowledge_points_node ON knowledge_points(node_id);

CREATE TABLE knowledge_point_prerequisites (
    point_id TEXT NOT NULL REFERENCES knowledge_points(id),
    prerequisite_id TEXT NOT NULL REFERENCES knowledge_points(id),
    ordinal INTEGER NOT NULL,
    PRIMARY KEY (point_id, prerequisite_id)
);

CREATE TABLE activity_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_kind TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    verb TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    school_id TEXT,
    class_id TEXT,
    result TEXT,
    occurred_at TEXT NOT NULL
);
CREATE INDEX activity_records_actor ON activity_records(actor_kind, actor_id);
CREATE INDEX activity_records_school_time ON activity_records(school_id, occurred_at);

-- Activity records are append-only: the database itself refuses to change or remove one.
CREATE TRIGGER activity_records_no_update BEFORE UPDATE ON activity_records
BEGIN SELECT RAISE(ABORT, 'activity records are append-only'); END;
CREATE TRIGGER activity_records_no_delete BEFORE DELETE ON activity_records
BEGIN SELECT RAISE(ABORT, 'activity records are append-only'); END;
