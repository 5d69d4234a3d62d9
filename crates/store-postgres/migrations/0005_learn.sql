-- The learning engine: fitted models with the figures of their holdout, and each student's
-- estimated mastery of each knowledge point practised. Models are JSON; the columns repeat what
-- pages show.

CREATE TABLE learn_fits (
    id TEXT PRIMARY KEY,
    fitted_at TIMESTAMPTZ NOT NULL,
    responses BIGINT NOT NULL,
    students BIGINT NOT NULL,
    knowledge_points BIGINT NOT NULL,
    items BIGINT NOT NULL,
    seconds DOUBLE PRECISION NOT NULL,
    auc DOUBLE PRECISION,
    metrics JSONB NOT NULL,
    bkt JSONB NOT NULL,
    irt JSONB
);
CREATE INDEX learn_fits_time ON learn_fits(fitted_at);

CREATE TABLE mastery (
    student_id TEXT NOT NULL REFERENCES students(id),
    -- A curriculum knowledge-point id, or an imported bank's own label.
    knowledge_point TEXT NOT NULL,
    probability DOUBLE PRECISION NOT NULL,
    responses BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (student_id, knowledge_point)
);
