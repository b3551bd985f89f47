-- The commune as its first run sets it up, and the one-time set-up code. Never edit once landed.

-- Province, region and the mandate of the commune's action programme (PAC), e.g. 2023-2028.
-- NULL on a database set up before these existed (the demo fills them in).
ALTER TABLE communes ADD COLUMN province TEXT;
ALTER TABLE communes ADD COLUMN region TEXT;
ALTER TABLE communes ADD COLUMN mandate_start INTEGER;
ALTER TABLE communes ADD COLUMN mandate_end INTEGER;

-- One row at most: the SHA-256 of the code `tachkhis serve` printed on an empty database (the
-- code itself is never stored), and the wrong codes tried. Set-up is done once a commune
-- exists; the row is deleted then.
CREATE TABLE setup_code (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    code_sha256 BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    failures    INTEGER NOT NULL DEFAULT 0
);
