-- School timetables: per school and term, the instance (roster-derived JSON or FET XML, as text)
-- and the solved placements (JSON text) with the solver's figures. Replaced as a whole, guarded
-- by `version`.

CREATE TABLE timetables (
    school_id TEXT NOT NULL REFERENCES schools(id),
    term TEXT NOT NULL,
    -- roster, fet
    source TEXT NOT NULL,
    input TEXT NOT NULL,
    placements TEXT,
    hard_ok BOOLEAN,
    hard_violations BIGINT,
    soft_penalty DOUBLE PRECISION,
    seconds DOUBLE PRECISION,
    iterations BIGINT,
    version BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (school_id, term)
);
CREATE INDEX timetables_term ON timetables(term, school_id);
