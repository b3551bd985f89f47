-- The territory kept by the commune's staff: pole numbers, retired poles and douars, douars
-- merged into others, the commune centre, population, and the other named places the
-- diagnosis speaks of. Never edit once landed.

-- The number people call a pole by ("القطب 3"); position stays the order of the lists.
ALTER TABLE poles ADD COLUMN number INTEGER;
UPDATE poles SET number = position + 1;
-- Set when the pole is retired: kept for the sessions that name it, no longer offered.
ALTER TABLE poles ADD COLUMN retired_at INTEGER;

ALTER TABLE douars ADD COLUMN centre INTEGER NOT NULL DEFAULT 0;
ALTER TABLE douars ADD COLUMN population INTEGER;
ALTER TABLE douars ADD COLUMN retired_at INTEGER;
-- A douar that turned out to be another: its documents keep its id forever, the projection
-- reads it as this one (followed to the end of the chain, which the API keeps free of cycles).
ALTER TABLE douars ADD COLUMN merged_into TEXT REFERENCES douars(id);
ALTER TABLE douars ADD COLUMN merged_at INTEGER;
CREATE INDEX douars_merged_into ON douars(merged_into);

-- A river, a market, a school, a road…: kind is a PlaceKind code (shared::codes).
CREATE TABLE places (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    name_ar    TEXT NOT NULL,
    name_fr    TEXT NOT NULL DEFAULT '',
    name_norm  TEXT NOT NULL,
    position   INTEGER NOT NULL DEFAULT 0,
    retired_at INTEGER
);

CREATE TABLE place_aliases (
    place_id   INTEGER NOT NULL REFERENCES places(id) ON DELETE CASCADE,
    alias      TEXT NOT NULL,
    alias_norm TEXT NOT NULL,
    PRIMARY KEY (place_id, alias)
);

CREATE TABLE place_douars (
    place_id INTEGER NOT NULL REFERENCES places(id) ON DELETE CASCADE,
    douar_id TEXT NOT NULL REFERENCES douars(id),
    PRIMARY KEY (place_id, douar_id)
);
CREATE INDEX place_douars_douar ON place_douars(douar_id);
