-- The office's own synonyms (issue 18, "the lexicon as data"): word groups the office adds in
-- the app, read by the suggestion engine beside `server/src/suggest/lexicon.tsv`, each group
-- one concept. A removed group is kept (who, when) so the log stays whole.
CREATE TABLE office_synonyms (
    id          INTEGER PRIMARY KEY,
    words       TEXT NOT NULL,            -- JSON array of the words as typed
    scope       TEXT NOT NULL CHECK (scope IN ('service', 'work', 'context')),
    created_at  INTEGER NOT NULL,
    created_by  INTEGER REFERENCES users(id),
    removed_at  INTEGER,
    removed_by  INTEGER REFERENCES users(id)
);

-- What the office's decisions taught the suggestion engine: per term (as the engine keys it),
-- how many pairs of proposals sharing it were put together (a need created, proposals merged)
-- and kept apart (a suggestion rejected). Read at each suggestion run (`suggest::Learned`).
CREATE TABLE suggest_learned (
    term     TEXT PRIMARY KEY,
    together INTEGER NOT NULL DEFAULT 0,
    apart    INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
