-- Tachkhis schema v1. Never edit once landed: add a new numbered file instead.

-- Places ------------------------------------------------------------------------------------
CREATE TABLE communes (
    id      TEXT PRIMARY KEY,
    name_ar TEXT NOT NULL,
    name_fr TEXT NOT NULL
);

CREATE TABLE poles (
    id           TEXT PRIMARY KEY,
    commune_id   TEXT NOT NULL REFERENCES communes(id),
    position     INTEGER NOT NULL,
    name_ar      TEXT NOT NULL,
    name_fr      TEXT NOT NULL,
    -- 1 when the data is an illustration, not taken from a commune's document
    illustrative INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE douars (
    id           TEXT PRIMARY KEY,
    pole_id      TEXT NOT NULL REFERENCES poles(id),
    position     INTEGER NOT NULL,
    name_ar      TEXT NOT NULL,
    name_fr      TEXT NOT NULL,
    -- normalised Arabic name (shared::text::normalize), for search and matching
    name_norm    TEXT NOT NULL,
    -- 1 when the douar's assignment to its pole is an illustration
    illustrative INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX douars_pole ON douars(pole_id, position);

CREATE TABLE douar_aliases (
    douar_id   TEXT NOT NULL REFERENCES douars(id) ON DELETE CASCADE,
    alias      TEXT NOT NULL,
    alias_norm TEXT NOT NULL,
    PRIMARY KEY (douar_id, alias)
);
CREATE INDEX douar_aliases_norm ON douar_aliases(alias_norm);

-- People and access -------------------------------------------------------------------------
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'facilitator', 'office', 'committee')),
    created_at    INTEGER NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0
);

-- Bearer tokens, stored as SHA-256 of the token; a tablet keeps its token for the campaign.
CREATE TABLE tokens (
    token_hash BLOB PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX tokens_user ON tokens(user_id);

-- Documents (the source of truth for everything captured in the field) --------------------
CREATE TABLE documents (
    id                TEXT PRIMARY KEY,
    -- postcard-encoded list of the document's current heads (32-byte hashes)
    heads             BLOB NOT NULL,
    snapshot_bytes    INTEGER NOT NULL DEFAULT 0,
    incremental_bytes INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    -- set when the document breaks the schema: kept, not projected
    quarantine_reason TEXT,
    quarantined_at    INTEGER
);

-- A document is its snapshot (at most one) followed by incremental chunks, in id order.
CREATE TABLE doc_chunks (
    id         INTEGER PRIMARY KEY,
    doc_id     TEXT NOT NULL REFERENCES documents(id),
    kind       TEXT NOT NULL CHECK (kind IN ('snapshot', 'incremental')),
    data       BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX doc_chunks_doc ON doc_chunks(doc_id, id);

-- Automerge sync state per (user, peer device, document); idle rows are evicted.
CREATE TABLE sync_states (
    user_id    INTEGER NOT NULL,
    peer_id    TEXT NOT NULL,
    doc_id     TEXT NOT NULL,
    state      BLOB NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, peer_id, doc_id)
);
CREATE INDEX sync_states_updated ON sync_states(updated_at);

-- Projections of the documents: dropped and rebuilt by `tachkhis rebuild-projections` -------
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY REFERENCES documents(id),
    pole_id      TEXT NOT NULL,
    group_kind   TEXT NOT NULL,
    date         TEXT NOT NULL,
    facilitators TEXT NOT NULL,
    notes        TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    created_by   TEXT NOT NULL,
    closed_at    INTEGER,
    present      INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX sessions_pole ON sessions(pole_id, date);

CREATE TABLE session_douars (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    douar_id   TEXT NOT NULL,
    PRIMARY KEY (session_id, douar_id)
);

CREATE TABLE attendance (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    category   TEXT NOT NULL,
    count      INTEGER NOT NULL,
    PRIMARY KEY (session_id, category)
);

CREATE TABLE proposals (
    id            TEXT PRIMARY KEY,
    session_id    TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    problem       TEXT NOT NULL,
    solution      TEXT NOT NULL,
    problem_norm  TEXT NOT NULL,
    solution_norm TEXT NOT NULL,
    sector        TEXT,
    douar_id      TEXT,
    raised_by     TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    created_by    TEXT NOT NULL,
    deleted       INTEGER NOT NULL,
    rank          REAL NOT NULL,
    votes         INTEGER NOT NULL
);
CREATE INDEX proposals_session ON proposals(session_id);
CREATE INDEX proposals_sector ON proposals(sector);

-- The programme ----------------------------------------------------------------------------
CREATE TABLE axes (
    id       INTEGER PRIMARY KEY,
    position INTEGER NOT NULL,
    name_ar  TEXT NOT NULL,
    name_fr  TEXT NOT NULL DEFAULT '',
    name_en  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE programmes (
    id       INTEGER PRIMARY KEY,
    axis_id  INTEGER NOT NULL REFERENCES axes(id),
    position INTEGER NOT NULL,
    name_ar  TEXT NOT NULL,
    name_fr  TEXT NOT NULL DEFAULT '',
    name_en  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE projects (
    id                     INTEGER PRIMARY KEY,
    number                 INTEGER NOT NULL UNIQUE,
    programme_id           INTEGER REFERENCES programmes(id),
    title_ar               TEXT NOT NULL,
    title_fr               TEXT NOT NULL DEFAULT '',
    title_en               TEXT NOT NULL DEFAULT '',
    location               TEXT NOT NULL DEFAULT '',
    -- exact decimals as text (rust_decimal), MAD; NULL when not known
    commune_contribution   TEXT,
    partners_contribution  TEXT,
    funding_source         TEXT,
    status                 TEXT,
    -- why the project sits in its programme when the source does not say
    programme_note         TEXT
);

-- Who did what (office and council changes) ---------------------------------------------------
CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    user_id INTEGER REFERENCES users(id),
    action  TEXT NOT NULL,
    target  TEXT,
    detail  TEXT
);
