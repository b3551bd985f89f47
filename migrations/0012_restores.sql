-- Restores from a backup (`tachkhis restore`, issue 17). Never edit once landed.
-- While this table has a row, a token the database does not know reads as expired rather
-- than invalid: it may have been issued after the backup, and its tablet must log in again
-- (and resync what the backup missed), not be told its login is unknown.
CREATE TABLE restores (
    id           INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,      -- unix seconds
    backup_name  TEXT,                  -- the backup file's name, as given
    from_version INTEGER NOT NULL       -- the backup's schema version before migrations
);
