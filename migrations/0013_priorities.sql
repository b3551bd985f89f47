-- Priorities (issue 13): the criteria and weights the council's bureau sets, the scores people
-- enter where no figure computes one, the bureau's approvals, and the log of changes with
-- what each replaced (undo). Computed scores are never stored: they are computed on read from
-- the needs, proposals and sessions, so they follow every consolidation and late sync.

-- The role 'bureau' (the council's president and bureau). SQLite cannot change a CHECK in
-- place: the users table is rebuilt (sqlite.org/lang_altertable.html, "other kinds of table
-- schema changes"), which `Db::open` allows by running migrations with foreign keys off and
-- checking them before each commits.
CREATE TABLE users_new (
    id                   INTEGER PRIMARY KEY,
    username             TEXT NOT NULL UNIQUE,
    password_hash        TEXT NOT NULL,
    role                 TEXT NOT NULL
        CHECK (role IN ('admin', 'facilitator', 'office', 'committee', 'bureau')),
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
CREATE TABLE priority_criteria (
    id         INTEGER PRIMARY KEY,
    name_ar    TEXT NOT NULL,
    name_fr    TEXT NOT NULL DEFAULT '',
    -- a Measure code: 'entered' or the figure it is computed from
    measure    TEXT NOT NULL,
    weight     INTEGER NOT NULL CHECK (weight BETWEEN 0 AND 100),
    -- JSON [t1, t2, t3, t4] ascending for a computed measure, NULL for an entered one
    thresholds TEXT,
    position   INTEGER NOT NULL
);

CREATE TABLE priority_scores (
    project_id   INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    criterion_id INTEGER NOT NULL REFERENCES priority_criteria(id) ON DELETE CASCADE,
    score        INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    reason       TEXT NOT NULL,
    user_id      INTEGER REFERENCES users(id),
    at           INTEGER NOT NULL,
    -- 1 for the demo's made-up scores (shown as illustrative until a person enters one)
    illustrative INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (project_id, criterion_id)
);

-- 'yearly_means' (exact decimal text, MAD).
CREATE TABLE priority_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per change. `before` is the whole configuration (criteria, entered scores,
-- settings) as JSON before the change: undoing the latest change puts it back. Only the
-- latest change not yet undone can be undone, so `before` is always exact.
CREATE TABLE priority_actions (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    user_id   INTEGER REFERENCES users(id),
    kind      TEXT NOT NULL,
    detail    TEXT NOT NULL,
    before    TEXT NOT NULL,
    undoes    INTEGER REFERENCES priority_actions(id),
    undone_by INTEGER REFERENCES priority_actions(id)
);

-- The bureau's approvals: who, when, and the ranking as it was (JSON [{project_id, rank,
-- total}]).
CREATE TABLE priority_approvals (
    id      INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    user_id INTEGER REFERENCES users(id),
    note    TEXT NOT NULL,
    ranking TEXT NOT NULL
);

-- The defaults (domain.md, "Prioritisation criteria"): weights sum to 100.
INSERT INTO priority_criteria (id, name_ar, name_fr, measure, weight, thresholds, position) VALUES
 (1, 'اختصاص الجماعة', 'Compétence de la commune', 'entered', 15, NULL, 1),
 (2, 'الخطورة والاستعجال', 'Gravité et urgence', 'entered', 15, NULL, 2),
 (3, 'عدد جلسات الإنصات التي طرحت الحاجة', 'Séances d''écoute ayant soulevé le besoin', 'sessions', 15, '[2,4,7,11]', 3),
 (4, 'عدد الدواوير المعنية', 'Douars concernés', 'douars', 5, '[2,3,5,8]', 4),
 (5, 'عدد الأقطاب المعنية', 'Pôles concernés', 'poles', 5, '[2,3,4,5]', 5),
 (6, 'حصة النساء والفئات الهشة', 'Part des femmes et groupes vulnérables', 'women_vulnerable_share', 10, '[10,25,40,60]', 6),
 (7, 'عدد الحاضرين المعنيين', 'Personnes présentes concernées', 'people', 5, '[20,50,100,200]', 7),
 (8, 'الكلفة مقارنة بإمكانيات الجماعة', 'Coût au regard des moyens de la commune', 'cost_share', 10, '[5,10,25,50]', 8),
 (9, 'مساهمة الشركاء', 'Part des partenaires (cofinancement)', 'partners_share', 10, '[10,25,40,60]', 9),
 (10, 'الجاهزية: العقار والدراسات', 'Maturité : foncier et études', 'entered', 10, NULL, 10);
