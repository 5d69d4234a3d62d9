-- Scanned answer sheets of paper homework: upload batches, one row per page image, and the crops
-- cut from them. Images are in the file store under their SHA-256; rows hold the hashes.

CREATE TABLE scan_batches (
    id TEXT PRIMARY KEY,
    homework_id TEXT NOT NULL REFERENCES homework(id),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX scan_batches_homework ON scan_batches(homework_id, created_at);

CREATE TABLE scan_pages (
    batch_id TEXT NOT NULL REFERENCES scan_batches(id),
    seq INTEGER NOT NULL,
    -- The batch's homework, repeated so the review queue needs no join.
    homework_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    blob TEXT NOT NULL,
    -- queued, ready, applied, review, duplicate, failed
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    student_id TEXT REFERENCES students(id),
    -- What was read (page, seat number, answers), as JSON; NULL until read.
    reading TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (batch_id, seq)
);
CREATE INDEX scan_pages_homework_status ON scan_pages(homework_id, status);
CREATE INDEX scan_pages_student ON scan_pages(homework_id, student_id);
CREATE INDEX scan_pages_blob ON scan_pages(homework_id, blob);

CREATE TABLE scan_crops (
    homework_id TEXT NOT NULL,
    batch_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    -- answer (field = item id), unclear (field = item number), student
    kind TEXT NOT NULL,
    field TEXT NOT NULL,
    blob TEXT NOT NULL,
    student_id TEXT,
    PRIMARY KEY (batch_id, seq, kind, field),
    FOREIGN KEY (batch_id, seq) REFERENCES scan_pages(batch_id, seq)
);
CREATE INDEX scan_crops_answer ON scan_crops(homework_id, student_id, field);
CREATE INDEX scan_crops_blob ON scan_crops(homework_id, blob);
