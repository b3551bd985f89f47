-- The monitoring system (Decree 2.16.301 art. 6; issue 13): indicators per project as records,
-- replacing the project sheet's free-text `indicators` field. Never edit once landed.

CREATE TABLE project_indicators (
    id             INTEGER PRIMARY KEY,
    project_id     INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    -- order within the project, from 1
    position       INTEGER NOT NULL,
    -- 'output' or 'result' (IndicatorKind); NULL only for a line carried over from the old
    -- free-text field below, until the office classifies it
    kind           TEXT,
    label_ar       TEXT NOT NULL,
    label_fr       TEXT NOT NULL DEFAULT '',
    unit           TEXT NOT NULL DEFAULT '',
    -- exact decimal as text (rust_decimal); NULL: not known
    baseline_value TEXT,
    baseline_year  INTEGER,
    -- who or what provides the figure
    source         TEXT NOT NULL DEFAULT '',
    -- 1 for demo data made up for illustration
    illustrative   INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX project_indicators_project ON project_indicators(project_id, position);

-- One target per indicator and year of the programme. The execution follow-up (issue 15)
-- records the values reached the same way, one row per indicator and year.
CREATE TABLE indicator_targets (
    indicator_id INTEGER NOT NULL REFERENCES project_indicators(id) ON DELETE CASCADE,
    year         INTEGER NOT NULL,
    -- exact decimal as text (rust_decimal)
    value        TEXT NOT NULL,
    PRIMARY KEY (indicator_id, year)
);

-- The old field held free text, often one indicator a line: each non-blank line becomes an
-- indicator of its project, in order, its text whole as the Arabic label (a French-only
-- line too: the label is required, and nothing may be lost), kind not classified. Then the
-- column goes: the records are the only place indicators live.
INSERT INTO project_indicators (project_id, position, kind, label_ar, created_at, updated_at)
WITH RECURSIVE lines(project_id, rest, line, n) AS (
    SELECT id, replace(indicators, char(13), '') || char(10), NULL, 0
    FROM projects WHERE trim(indicators, ' ' || char(9) || char(10) || char(13)) <> ''
    UNION ALL
    SELECT project_id, substr(rest, instr(rest, char(10)) + 1),
           substr(rest, 1, instr(rest, char(10)) - 1), n + 1
    FROM lines WHERE rest <> ''
)
SELECT project_id,
       row_number() OVER (PARTITION BY project_id ORDER BY n),
       NULL,
       trim(line, ' ' || char(9)),
       CAST(strftime('%s', 'now') AS INTEGER),
       CAST(strftime('%s', 'now') AS INTEGER)
FROM lines
WHERE line IS NOT NULL AND trim(line, ' ' || char(9)) <> ''
ORDER BY project_id, n;

ALTER TABLE projects DROP COLUMN indicators;
