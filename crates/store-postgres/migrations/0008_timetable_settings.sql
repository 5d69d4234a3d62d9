-- A school's timetabling conditions (排课条件: teachers' and classes' unavailable periods, daily
-- limits, subject rules, weekly counts and double periods), as JSON text the store does not
-- interpret. One row per school, replaced as a whole, guarded by `version`.

CREATE TABLE timetable_settings (
    school_id TEXT PRIMARY KEY REFERENCES schools(id),
    settings TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by TEXT NOT NULL
);
