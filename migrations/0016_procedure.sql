-- From draft to executable programme (issue 14): two roles, the council's bodies that give
-- opinions, the PAC's versions, the procedure's dated steps, the opinions and the office's
-- answers, the vote, and signed documents attached. One schema for the whole issue, so the
-- procedure, the opinions and the PAC document are built on the same tables.
-- Calendar dates are 'YYYY-MM-DD' text (what a decision or a letter carries); the moments
-- something was recorded are unix seconds, as elsewhere.

-- The roles 'secretariat' (the secretary general's staff: records the procedure, the vote and
-- the visa) and 'ieecag' (a member of the equality, equal opportunity and gender body). The
-- CHECK changes, so the users table is rebuilt as in 0013.
CREATE TABLE users_new (
    id                   INTEGER PRIMARY KEY,
    username             TEXT NOT NULL UNIQUE,
    password_hash        TEXT NOT NULL,
    role                 TEXT NOT NULL
        CHECK (role IN ('admin', 'facilitator', 'office', 'committee', 'bureau',
                        'secretariat', 'ieecag')),
    created_at           INTEGER NOT NULL,
    disabled             INTEGER NOT NULL DEFAULT 0,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    display_name         TEXT
);
INSERT INTO users_new (id, username, password_hash, role, created_at, disabled,
                       must_change_password, display_name)
    SELECT id, username, password_hash, role, created_at, disabled, must_change_password,
           display_name FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

-- Signed documents (scans, PDFs) attached to a step or an opinion. Bytes in the database, as
-- photos are (carried by a backup); found by their hash, so the same file is stored once.
CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    sha256       TEXT NOT NULL UNIQUE,
    content_type TEXT NOT NULL
        CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    file_name    TEXT NOT NULL,
    size         INTEGER NOT NULL,
    bytes        BLOB NOT NULL,
    uploaded_by  INTEGER REFERENCES users(id),
    uploaded_at  INTEGER NOT NULL
);

-- The council's standing committees and the IEECAG (at most one), set up by the admin.
CREATE TABLE bodies (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('committee', 'ieecag')),
    name_ar    TEXT NOT NULL,
    name_fr    TEXT NOT NULL DEFAULT '',
    position   INTEGER NOT NULL DEFAULT 0,
    -- a body no longer in place keeps its opinions, and gets no new ones
    retired    INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX bodies_one_ieecag ON bodies (kind) WHERE kind = 'ieecag';

CREATE TABLE body_members (
    body_id  INTEGER NOT NULL REFERENCES bodies(id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users(id),
    is_chair INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (body_id, user_id)
);

-- The PAC's versions. Version 1 is the first draft. A vote freezes a draft ('voted'), the
-- visa makes it 'executable'; a refused visa ('refused'), a request to deliberate again, or
-- the update from the third year opens a new draft from it (`parent_id`, `kind`, `reason`).
-- A frozen version keeps what was voted: `snapshot` (JSON: per project its number, titles,
-- programme, amounts, rank and years; what two versions are compared on) and `document`
-- (JSON: the PAC document's data as voted, which `GET /api/pac/document?version=` renders).
CREATE TABLE pac_versions (
    id           INTEGER PRIMARY KEY,
    number       INTEGER NOT NULL UNIQUE,
    parent_id    INTEGER REFERENCES pac_versions(id),
    kind         TEXT NOT NULL
        CHECK (kind IN ('initial', 'update', 'redeliberation', 'after_refusal')),
    status       TEXT NOT NULL
        CHECK (status IN ('draft', 'voted', 'executable', 'refused', 'superseded')),
    reason       TEXT NOT NULL DEFAULT '',
    opened_at    INTEGER NOT NULL,
    opened_by    INTEGER REFERENCES users(id),
    frozen_at    INTEGER,
    frozen_by    INTEGER REFERENCES users(id),
    snapshot     TEXT,
    document     TEXT,
    illustrative INTEGER NOT NULL DEFAULT 0
);
-- one draft at a time: the programme being worked on
CREATE UNIQUE INDEX pac_versions_one_draft ON pac_versions (status) WHERE status = 'draft';
INSERT INTO pac_versions (number, kind, status, opened_at)
    VALUES (1, 'initial', 'draft', CAST(strftime('%s', 'now') AS INTEGER));

-- The procedure's dated steps, per version. `kind`:
--   launch_meeting, diagnosis (date .. end_date), ranking (date .. end_date), bureau_approval,
--   sent_to_bodies (the draft sent to the committees and the IEECAG; body_id NULL = to all),
--   council_session (the session that votes: ordinary in February, May or October, or
--   extraordinary; its details in `council_votes`), vote, sent_to_governor, visa,
--   visa_refused, redeliberation_requested.
-- A rule not met (the draft sent less than 30 days before the session, a visa past its
-- deadline) never blocks: the reason given is kept in `late_reason`.
CREATE TABLE procedure_steps (
    id            INTEGER PRIMARY KEY,
    version_id    INTEGER NOT NULL REFERENCES pac_versions(id),
    kind          TEXT NOT NULL
        CHECK (kind IN ('launch_meeting', 'diagnosis', 'ranking', 'bureau_approval',
                        'sent_to_bodies', 'council_session', 'vote', 'sent_to_governor',
                        'visa', 'visa_refused', 'redeliberation_requested')),
    body_id       INTEGER REFERENCES bodies(id),
    date          TEXT NOT NULL,
    end_date      TEXT,
    reference     TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT '',
    late_reason   TEXT,
    attachment_id INTEGER REFERENCES attachments(id),
    recorded_by   INTEGER REFERENCES users(id),
    recorded_at   INTEGER NOT NULL,
    illustrative  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX procedure_steps_version ON procedure_steps (version_id, date);

-- The council's session and vote on a version (the 'vote' step's details).
CREATE TABLE council_votes (
    step_id         INTEGER PRIMARY KEY REFERENCES procedure_steps(id) ON DELETE CASCADE,
    session_kind    TEXT NOT NULL CHECK (session_kind IN ('ordinary', 'extraordinary')),
    members_total   INTEGER NOT NULL CHECK (members_total > 0),
    members_present INTEGER NOT NULL CHECK (members_present >= 0),
    votes_for       INTEGER NOT NULL CHECK (votes_for >= 0),
    votes_against   INTEGER NOT NULL CHECK (votes_against >= 0),
    abstentions     INTEGER NOT NULL CHECK (abstentions >= 0),
    result          TEXT NOT NULL CHECK (result IN ('adopted', 'rejected'))
);

-- A body's opinion on a version's programme (project_id NULL) or on one project. Only the
-- body's members write it. `project_id` is not a foreign key: a project removed later keeps
-- the opinion given on it (with its number and title as they were).
CREATE TABLE opinions (
    id             INTEGER PRIMARY KEY,
    version_id     INTEGER NOT NULL REFERENCES pac_versions(id),
    body_id        INTEGER NOT NULL REFERENCES bodies(id),
    project_id     INTEGER,
    project_number INTEGER,
    project_title  TEXT,
    verdict        TEXT NOT NULL
        CHECK (verdict IN ('favourable', 'reservations', 'unfavourable')),
    text           TEXT NOT NULL DEFAULT '',
    date           TEXT NOT NULL,
    attachment_id  INTEGER REFERENCES attachments(id),
    written_by     INTEGER REFERENCES users(id),
    written_at     INTEGER NOT NULL,
    illustrative   INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX opinions_one_per_subject
    ON opinions (version_id, body_id, COALESCE(project_id, 0));

-- The office's answer to a reservation (or an unfavourable opinion): the project changed or
-- kept, and why.
CREATE TABLE reservation_answers (
    opinion_id  INTEGER PRIMARY KEY REFERENCES opinions(id) ON DELETE CASCADE,
    outcome     TEXT NOT NULL CHECK (outcome IN ('changed', 'kept')),
    text        TEXT NOT NULL,
    answered_by INTEGER REFERENCES users(id),
    answered_at INTEGER NOT NULL
);

-- The procedure's settings: 'visa_deadline_days' (the governor's legal deadline, counted from
-- the date sent), 'dispatch_days_before_session' (Decree 2.16.301 art. 10: 30).
CREATE TABLE procedure_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO procedure_settings (key, value) VALUES
    ('visa_deadline_days', '20'),
    ('dispatch_days_before_session', '30');
