-- The exercise bank and the resource library: items, resources and their reviewed versions,
-- favourites and usage rollups.

CREATE TABLE items (
    id TEXT PRIMARY KEY,
    source TEXT,
    source_id TEXT,
    item_type TEXT NOT NULL,
    stage TEXT,
    grade INTEGER,
    subject TEXT,
    difficulty INTEGER,
    seconds INTEGER NOT NULL,
    -- The whole item (stem, choices, answer key, analysis, knowledge points) as JSON; the columns
    -- above repeat what lists filter on.
    content TEXT NOT NULL,
    state TEXT NOT NULL,
    scope TEXT NOT NULL,
    school_id TEXT REFERENCES schools(id),
    author_id TEXT REFERENCES accounts(id),
    reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- NULLs are distinct, so items without a source never collide.
CREATE UNIQUE INDEX items_source ON items(source, source_id);
CREATE INDEX items_review ON items(state, school_id, updated_at);
CREATE INDEX items_author ON items(author_id, updated_at);

CREATE TABLE item_duplicates (
    item_id TEXT NOT NULL REFERENCES items(id),
    similar_id TEXT NOT NULL REFERENCES items(id),
    similarity REAL NOT NULL,
    PRIMARY KEY (item_id, similar_id)
);

CREATE TABLE resources (
    id TEXT PRIMARY KEY,
    resource_type TEXT NOT NULL,
    scope TEXT NOT NULL,
    author_id TEXT NOT NULL REFERENCES accounts(id),
    school_id TEXT REFERENCES schools(id),
    published_version INTEGER,
    created_at TEXT NOT NULL
);
CREATE INDEX resources_author ON resources(author_id);
CREATE INDEX resources_school ON resources(school_id);

CREATE TABLE resource_versions (
    resource_id TEXT NOT NULL REFERENCES resources(id),
    number INTEGER NOT NULL,
    state TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    stage TEXT,
    grade INTEGER,
    subject TEXT,
    edition_id TEXT,
    volume_id TEXT,
    chapter_id TEXT,
    knowledge_points TEXT NOT NULL,
    tags TEXT NOT NULL,
    licence TEXT NOT NULL,
    source TEXT,
    link_url TEXT,
    file_sha256 TEXT,
    file_size BIGINT,
    media_type TEXT,
    file_name TEXT,
    duration_seconds INTEGER,
    reason TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (resource_id, number)
);
CREATE INDEX resource_versions_review ON resource_versions(state, updated_at);

CREATE TABLE favourites (
    account_id TEXT NOT NULL REFERENCES accounts(id),
    object_kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (account_id, object_kind, object_id)
);
CREATE INDEX favourites_object ON favourites(object_kind, object_id);

-- Views, downloads and uses per resource, item, school and account, kept up to date in the same
-- transaction as the activity record, so reports never scan raw records.
CREATE TABLE usage_counts (
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    verb TEXT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (subject_kind, subject_id, verb)
);
CREATE INDEX usage_counts_rank ON usage_counts(subject_kind, verb, count);

CREATE INDEX activity_records_object ON activity_records(object_kind, object_id);
