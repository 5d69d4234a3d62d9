-- Homework: one row per class assignment, one submission per assigned student, one answer per
-- item a student has touched. Items and responses are JSON; the columns repeat what lists,
-- counts and the workload guard filter on.

CREATE TABLE homework (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    follow_up_of TEXT REFERENCES homework(id),
    subject TEXT NOT NULL,
    school_id TEXT NOT NULL REFERENCES schools(id),
    class_id TEXT NOT NULL REFERENCES classes(id),
    teacher_id TEXT NOT NULL REFERENCES teachers(id),
    mode TEXT NOT NULL,
    open_at TIMESTAMPTZ NOT NULL,
    due_at TIMESTAMPTZ NOT NULL,
    allow_late BOOLEAN NOT NULL,
    items JSONB NOT NULL,
    minutes BIGINT NOT NULL,
    -- The China Standard Time date of due_at: the evening the workload guard counts it against.
    workload_date DATE NOT NULL,
    instructions TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    released_at TIMESTAMPTZ
);
CREATE INDEX homework_class_due ON homework(class_id, due_at);
CREATE INDEX homework_teacher_due ON homework(teacher_id, due_at);
CREATE INDEX homework_class_day ON homework(class_id, workload_date);

CREATE TABLE submissions (
    homework_id TEXT NOT NULL REFERENCES homework(id),
    student_id TEXT NOT NULL REFERENCES students(id),
    -- The homework's class, repeated so class-wide counts need no join.
    class_id TEXT NOT NULL,
    state TEXT NOT NULL,
    -- The student's own items (a targeted follow-up); NULL means the homework's.
    items JSONB,
    started_at TIMESTAMPTZ,
    submitted_at TIMESTAMPTZ,
    late BOOLEAN NOT NULL,
    position BIGINT NOT NULL,
    -- The idempotency key of the accepted submission: a retry with the same key changes nothing.
    submit_key TEXT,
    -- Points over answers graded by the machine or the teacher, kept up to date with the answers.
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    -- Answers waiting for the teacher (outcome needs_teacher).
    pending BIGINT NOT NULL,
    seconds BIGINT NOT NULL,
    comment TEXT,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (homework_id, student_id)
);
CREATE INDEX submissions_student ON submissions(student_id);

CREATE TABLE answers (
    homework_id TEXT NOT NULL,
    student_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    response JSONB NOT NULL,
    seconds BIGINT NOT NULL,
    answered_at TIMESTAMPTZ NOT NULL,
    -- The mark: all NULL until graded.
    score REAL,
    max REAL,
    outcome TEXT,
    marked_by TEXT,
    comment TEXT,
    PRIMARY KEY (homework_id, student_id, item_id),
    FOREIGN KEY (homework_id, student_id) REFERENCES submissions(homework_id, student_id)
);
CREATE INDEX answers_student_time ON answers(student_id, answered_at);
