-- Public pages (issue 16): what the office has published. Never edit once landed.
--
-- Only what is here is public: a project's page exists while its row says published = 1, and a
-- proposal's text is shown only as the office approved it (the text is kept as approved: a
-- later edit on a tablet is not shown until approved again). Every change is also logged in
-- the audit log; these rows keep the latest state, with who and when.

CREATE TABLE project_publications (
    project_id INTEGER PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
    -- 1: the public page is shown; 0: withdrawn
    published  INTEGER NOT NULL CHECK (published IN (0, 1)),
    changed_by INTEGER REFERENCES users(id),
    changed_at INTEGER NOT NULL
);

-- A proposal's text the office approved for the public pages, as it was approved. Keyed by
-- the proposal's document id (the proposals table is a projection, rebuilt at will).
CREATE TABLE proposal_approvals (
    proposal_id TEXT PRIMARY KEY,
    problem     TEXT NOT NULL,
    solution    TEXT NOT NULL,
    approved_by INTEGER REFERENCES users(id),
    approved_at INTEGER NOT NULL
);

-- The open data's licence statement, set by the administrator (one row).
CREATE TABLE public_licence (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    text_ar    TEXT NOT NULL,
    text_fr    TEXT NOT NULL,
    url        TEXT NOT NULL DEFAULT '',
    updated_by INTEGER REFERENCES users(id),
    updated_at INTEGER NOT NULL
);
