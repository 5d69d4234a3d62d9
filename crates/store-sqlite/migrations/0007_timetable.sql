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
    hard_ok INTEGER,
    hard_violations INTEGER,
    soft_penalty REAL,
    seconds REAL,
    iterations INTEGER,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (school_id, term)
);
CREATE INDEX timetables_term ON timetables(term, school_id);
