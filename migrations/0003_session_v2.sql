-- Session schema v2 in the projection: metadata the v1 documents did not have, the
-- associations represented, and proposals known to be edited after the session was closed.
-- Projections are rebuilt from the documents at will; the defaults are what a v1 document says.

ALTER TABLE sessions ADD COLUMN schema_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sessions ADD COLUMN start_time TEXT;
ALTER TABLE sessions ADD COLUMN end_time TEXT;
ALTER TABLE sessions ADD COLUMN place TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN note_taker TEXT NOT NULL DEFAULT '';
-- How many proposals were created or changed after closed_at (0 while open).
ALTER TABLE sessions ADD COLUMN edited_after_close INTEGER NOT NULL DEFAULT 0;

-- Milliseconds, as in the document; NULL for a proposal only v1 code wrote.
ALTER TABLE proposals ADD COLUMN edited_at INTEGER;
ALTER TABLE proposals ADD COLUMN edited_after_close INTEGER NOT NULL DEFAULT 0;

CREATE TABLE session_associations (
    session_id     TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    association_id TEXT NOT NULL,
    name           TEXT NOT NULL,
    -- normalised name (shared::text::normalize), to find an association across sessions
    name_norm      TEXT NOT NULL,
    count          INTEGER NOT NULL,
    deleted        INTEGER NOT NULL,
    PRIMARY KEY (session_id, association_id)
);
CREATE INDEX session_associations_name ON session_associations(name_norm);
