-- The follow-up (issue 15, exec): the project sheet's free-text `funding_source` and `status`
-- give way to the execution records (0021). Their text is parked here, word for word, and the
-- columns go. Parsing free text ("estimated surplus 2023 + actual surplus 2022", Arabic and
-- English statuses) is done in Rust, by `server/src/execution/legacy.rs`, at start-up right
-- after migrating (in the next transaction): what parses becomes a record with its funding
-- sources, what does not becomes a timeline entry quoting it. Each row is removed once carried
-- over, so the carry-over is idempotent and nothing is lost if it has not run yet.
-- Never edit once landed.
CREATE TABLE legacy_project_text (
    project_id     INTEGER PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
    funding_source TEXT,
    status         TEXT
);
INSERT INTO legacy_project_text (project_id, funding_source, status)
    SELECT id, funding_source, status FROM projects
    WHERE trim(COALESCE(funding_source, '')) <> '' OR trim(COALESCE(status, '')) <> '';

ALTER TABLE projects DROP COLUMN funding_source;
ALTER TABLE projects DROP COLUMN status;
