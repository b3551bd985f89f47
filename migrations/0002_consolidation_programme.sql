-- Tachkhis schema v2: consolidation of proposals into needs, the full project sheet, and the
-- links from needs to projects. Never edit once landed: add a new numbered file instead.

-- The project sheet (domain.md, "Project sheet") ---------------------------------------------
ALTER TABLE projects ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN sector TEXT;
ALTER TABLE projects ADD COLUMN beneficiaries_women INTEGER;
ALTER TABLE projects ADD COLUMN beneficiaries_men INTEGER;
ALTER TABLE projects ADD COLUMN start_year INTEGER;
ALTER TABLE projects ADD COLUMN end_year INTEGER;
ALTER TABLE projects ADD COLUMN duration_months INTEGER;
ALTER TABLE projects ADD COLUMN owner TEXT NOT NULL DEFAULT '';
-- prerequisites: free text saying what is ready or missing (land, studies)
ALTER TABLE projects ADD COLUMN prerequisite_land TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN prerequisite_studies TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN indicators TEXT NOT NULL DEFAULT '';
-- 1 for a project the source document counts but does not name (demo data)
ALTER TABLE projects ADD COLUMN placeholder INTEGER NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;

CREATE TABLE project_douars (
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    douar_id   TEXT NOT NULL REFERENCES douars(id),
    PRIMARY KEY (project_id, douar_id)
);
CREATE INDEX project_douars_douar ON project_douars(douar_id);

CREATE TABLE project_poles (
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    pole_id    TEXT NOT NULL REFERENCES poles(id),
    PRIMARY KEY (project_id, pole_id)
);

-- Each partner's share; when a project has rows here, projects.partners_contribution is their
-- exact sum (kept so by the code that writes both in one transaction).
CREATE TABLE project_partners (
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    name       TEXT NOT NULL,
    -- exact decimal as text (rust_decimal), MAD
    amount     TEXT NOT NULL,
    PRIMARY KEY (project_id, position)
);

-- Consolidation: proposals grouped into needs ------------------------------------------------
CREATE TABLE needs (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    title_norm  TEXT NOT NULL,
    sector      TEXT,
    description TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    created_by  INTEGER REFERENCES users(id),
    updated_at  INTEGER NOT NULL,
    -- set when the need no longer exists (emptied into another need, or its creation undone);
    -- the row stays so that lineage can still name it
    closed_at   INTEGER
);

-- Every change the office makes to needs, one row per user action; undo is an action too.
CREATE TABLE consolidation_actions (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    user_id   INTEGER REFERENCES users(id),
    kind      TEXT NOT NULL,
    -- JSON: what the person asked for, in their words (titles, ids)
    detail    TEXT NOT NULL,
    undoes    INTEGER REFERENCES consolidation_actions(id),
    undone_by INTEGER REFERENCES consolidation_actions(id)
);

-- Where each proposal is now: at most one need (a proposal with no row is not yet placed).
-- Proposals are keyed by their document id, not by a foreign key: the proposals table is a
-- projection, rebuilt at will, and a placement must survive that.
CREATE TABLE need_members (
    proposal_id TEXT PRIMARY KEY,
    need_id     INTEGER NOT NULL REFERENCES needs(id),
    action_id   INTEGER NOT NULL REFERENCES consolidation_actions(id)
);
CREATE INDEX need_members_need ON need_members(need_id);

-- Lineage: every move of every proposal, in order (from NULL = not placed).
CREATE TABLE proposal_moves (
    id          INTEGER PRIMARY KEY,
    action_id   INTEGER NOT NULL REFERENCES consolidation_actions(id),
    proposal_id TEXT NOT NULL,
    from_need   INTEGER REFERENCES needs(id),
    to_need     INTEGER REFERENCES needs(id)
);
CREATE INDEX proposal_moves_proposal ON proposal_moves(proposal_id, id);
CREATE INDEX proposal_moves_action ON proposal_moves(action_id);

-- Field changes of needs (title, sector, description, closed_at), with the value before, so
-- that an action can be undone exactly.
CREATE TABLE need_edits (
    id        INTEGER PRIMARY KEY,
    action_id INTEGER NOT NULL REFERENCES consolidation_actions(id),
    need_id   INTEGER NOT NULL REFERENCES needs(id),
    field     TEXT NOT NULL,
    before    TEXT,
    after     TEXT
);
CREATE INDEX need_edits_action ON need_edits(action_id);
CREATE INDEX need_edits_need ON need_edits(need_id, id);

-- Needs answered by projects (many to many).
CREATE TABLE need_projects (
    need_id    INTEGER NOT NULL REFERENCES needs(id),
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    action_id  INTEGER NOT NULL REFERENCES consolidation_actions(id),
    PRIMARY KEY (need_id, project_id)
);
CREATE INDEX need_projects_project ON need_projects(project_id);

-- Link changes, for undo: linked = 1 added the link, 0 removed it.
CREATE TABLE need_link_changes (
    id         INTEGER PRIMARY KEY,
    action_id  INTEGER NOT NULL REFERENCES consolidation_actions(id),
    need_id    INTEGER NOT NULL REFERENCES needs(id),
    project_id INTEGER NOT NULL,
    linked     INTEGER NOT NULL
);
CREATE INDEX need_link_changes_action ON need_link_changes(action_id);

-- Pairs of proposals the office said are not alike: never suggested together again.
CREATE TABLE suggestion_rejections (
    proposal_a TEXT NOT NULL,
    proposal_b TEXT NOT NULL,
    at         INTEGER NOT NULL,
    user_id    INTEGER REFERENCES users(id),
    PRIMARY KEY (proposal_a, proposal_b),
    CHECK (proposal_a < proposal_b)
);

CREATE INDEX proposals_douar ON proposals(douar_id);
CREATE INDEX audit_log_at ON audit_log(at);
