-- Photos of sessions (issue 11): flip-charts, signed attendance sheets, the meeting. Never
-- edit once landed.

-- What each session's document names (a projection like `session_associations`: rebuilt
-- from the documents, its rows go with their session).
CREATE TABLE session_photos (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    hash       TEXT NOT NULL,           -- SHA-256 of the bytes, lowercase hex
    kind       TEXT NOT NULL,           -- PhotoKind code
    caption    TEXT NOT NULL,
    taken_at   INTEGER NOT NULL,        -- ms, on the tablet
    taken_by   TEXT NOT NULL,
    bytes      INTEGER NOT NULL,
    mime       TEXT NOT NULL,
    deleted    INTEGER NOT NULL,
    PRIMARY KEY (session_id, hash)
);
CREATE INDEX session_photos_hash ON session_photos(hash);

-- The bytes, once whole and checked (hash, type, size). Stored here rather than in files:
-- one transaction checks and stores them, `tachkhis backup` (SQLite's online backup) carries
-- them, and a purge deletes them with its audit entry, all or nothing.
CREATE TABLE photo_blobs (
    hash        TEXT PRIMARY KEY,
    mime        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    bytes       BLOB NOT NULL,
    received_at INTEGER NOT NULL,       -- unix seconds: the retention period runs from here
    uploaded_by INTEGER REFERENCES users(id) ON DELETE SET NULL
);

-- Uploads under way: the bytes received so far, one row per photo (the same photo sent from
-- two tablets is one upload). Forgotten after 7 idle days.
CREATE TABLE photo_uploads (
    hash       TEXT PRIMARY KEY,
    total      INTEGER NOT NULL,
    received   BLOB NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Photos deleted by the retention period: a tablet that still holds one is told so and never
-- sends it again.
CREATE TABLE photo_purged (
    hash      TEXT PRIMARY KEY,
    purged_at INTEGER NOT NULL
);

-- The retention period the administrator sets (one row).
CREATE TABLE photo_settings (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    retention_days INTEGER NOT NULL
);
INSERT INTO photo_settings (id, retention_days) VALUES (1, 1095);
