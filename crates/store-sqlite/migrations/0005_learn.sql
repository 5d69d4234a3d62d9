-- The learning engine: fitted models with the figures of their holdout, and each student's
-- estimated mastery of each knowledge point practised. Models are JSON; the columns repeat what
-- pages show.

CREATE TABLE learn_fits (
    id TEXT PRIMARY KEY,
    fitted_at TEXT NOT NULL,
    responses INTEGER NOT NULL,
    students INTEGER NOT NULL,
    knowledge_points INTEGER NOT NULL,
    items INTEGER NOT NULL,
    seconds REAL NOT NULL,
    auc REAL,
    metrics TEXT NOT NULL,
    bkt TEXT NOT NULL,
    irt TEXT
);
CREATE INDEX learn_fits_time ON learn_fits(fitted_at);

CREATE TABLE mastery (
    student_id TEXT NOT NULL REFERENCES students(id),
    -- A curriculum knowledge-point id, or an imported bank's own label.
    knowledge_point TEXT NOT NULL,
    probability REAL NOT NULL,
    responses INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (student_id, knowledge_point)
);
