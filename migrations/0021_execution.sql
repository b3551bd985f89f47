-- Six years of follow-up (issue 15): execution per project and year, partnership agreements,
-- a project's timeline, the values the monitoring system's indicators reached, and the rolling
-- three-year programming's resources. Never edit once landed.
--
-- Amounts are exact decimals as text (rust_decimal), MAD, as everywhere. Dates are
-- `YYYY-MM-DD` text. `illustrative = 1` marks demo data made up for illustration.
-- The project sheet's free-text `funding_source` and `status` give way to these records: a
-- later migration of the follow-up's own (0022) carries them over and drops the columns.

-- One record per project and budget year: what was programmed, committed and paid that year,
-- where the money came from, and where the project stood at the year's end (or now).
CREATE TABLE execution_records (
    id                    INTEGER PRIMARY KEY,
    project_id            INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    year                  INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    -- an ExecutionStatus code (shared::codes)
    status                TEXT NOT NULL
        CHECK (status IN ('planned', 'preparation_started', 'under_way', 'executed',
                          'awaiting_execution', 'suspended', 'dropped')),
    -- why: required for suspended and dropped (checked by the server)
    status_reason         TEXT NOT NULL DEFAULT '',
    -- paid <= committed <= programmed, per funder; a record breaking it carries its reason
    amount_exception      TEXT,
    start_date            TEXT,
    end_date              TEXT,
    provisional_reception TEXT,
    final_reception       TEXT,
    note                  TEXT NOT NULL DEFAULT '',
    illustrative          INTEGER NOT NULL DEFAULT 0,
    created_by            INTEGER REFERENCES users(id),
    created_at            INTEGER NOT NULL,
    updated_by            INTEGER REFERENCES users(id),
    updated_at            INTEGER NOT NULL,
    UNIQUE (project_id, year)
);
CREATE INDEX execution_records_year ON execution_records (year);

-- The year's amounts, one line per funder: the commune (partner_id NULL) or a partner.
CREATE TABLE execution_amounts (
    record_id  INTEGER NOT NULL REFERENCES execution_records(id) ON DELETE CASCADE,
    partner_id INTEGER REFERENCES partners(id),
    programmed TEXT NOT NULL DEFAULT '0',
    committed  TEXT NOT NULL DEFAULT '0',
    paid       TEXT NOT NULL DEFAULT '0'
);
-- one line per funder and record (the commune's line is the one with no partner)
CREATE UNIQUE INDEX execution_amounts_funder
    ON execution_amounts (record_id, IFNULL(partner_id, 0));
CREATE INDEX execution_amounts_partner ON execution_amounts (partner_id);

-- Partnership agreements (conventions de partenariat): partner, date, object, amount, each
-- side's obligations, the projects they concern.
CREATE TABLE partnership_agreements (
    id                  INTEGER PRIMARY KEY,
    -- the agreement's own reference, as written on it
    reference           TEXT NOT NULL DEFAULT '',
    partner_id          INTEGER NOT NULL REFERENCES partners(id),
    signed_on           TEXT,
    object_ar           TEXT NOT NULL,
    object_fr           TEXT NOT NULL DEFAULT '',
    -- the agreement's whole amount, and the commune's part of it (NULL: not stated)
    amount              TEXT,
    commune_amount      TEXT,
    commune_obligations TEXT NOT NULL DEFAULT '',
    partner_obligations TEXT NOT NULL DEFAULT '',
    attachment_id       INTEGER REFERENCES attachments(id),
    illustrative        INTEGER NOT NULL DEFAULT 0,
    created_by          INTEGER REFERENCES users(id),
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE TABLE agreement_projects (
    agreement_id INTEGER NOT NULL REFERENCES partnership_agreements(id) ON DELETE CASCADE,
    project_id   INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    PRIMARY KEY (agreement_id, project_id)
);
CREATE INDEX agreement_projects_project ON agreement_projects (project_id);

-- Where a year's money comes from (a record may have several: the seed's project 3 is funded
-- by the estimated surplus of 2023 and the actual surplus of 2022). `kind` is a FundingKind
-- code; `budget_year` the year of the surplus or budget named; `agreement_id` for a partner
-- under an agreement; `label` for 'other'; `amount` when the split is known.
CREATE TABLE execution_funding (
    record_id    INTEGER NOT NULL REFERENCES execution_records(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    kind         TEXT NOT NULL
        CHECK (kind IN ('actual_surplus', 'estimated_surplus', 'budget', 'partner_agreement',
                        'other')),
    budget_year  INTEGER,
    agreement_id INTEGER REFERENCES partnership_agreements(id),
    label        TEXT NOT NULL DEFAULT '',
    amount       TEXT,
    PRIMARY KEY (record_id, position)
);
CREATE INDEX execution_funding_agreement ON execution_funding (agreement_id);

-- Documents a project's execution refers to (call for tenders, contract, agreement, order to
-- start, reception minutes): their number and date, and the scan when there is one.
CREATE TABLE execution_documents (
    id            INTEGER PRIMARY KEY,
    project_id    INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    -- the budget year it belongs to, when it belongs to one
    year          INTEGER,
    kind          TEXT NOT NULL
        CHECK (kind IN ('call_for_tenders', 'contract', 'agreement', 'service_order',
                        'reception', 'other')),
    number        TEXT NOT NULL DEFAULT '',
    dated         TEXT,
    label         TEXT NOT NULL DEFAULT '',
    attachment_id INTEGER REFERENCES attachments(id),
    illustrative  INTEGER NOT NULL DEFAULT 0,
    created_by    INTEGER REFERENCES users(id),
    created_at    INTEGER NOT NULL
);
CREATE INDEX execution_documents_project ON execution_documents (project_id);

-- A project's dated story as the office tells it (a site visit, a delay and its cause, a
-- reception), beside what the records and the sessions already date.
CREATE TABLE project_timeline (
    id           INTEGER PRIMARY KEY,
    project_id   INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    happened_on  TEXT NOT NULL,
    text_ar      TEXT NOT NULL,
    text_fr      TEXT NOT NULL DEFAULT '',
    illustrative INTEGER NOT NULL DEFAULT 0,
    created_by   INTEGER REFERENCES users(id),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX project_timeline_project ON project_timeline (project_id, happened_on);
CREATE TABLE project_timeline_attachments (
    entry_id      INTEGER NOT NULL REFERENCES project_timeline(id) ON DELETE CASCADE,
    attachment_id INTEGER NOT NULL REFERENCES attachments(id),
    PRIMARY KEY (entry_id, attachment_id)
);

-- The value an indicator reached in a year, beside its target (indicator_targets): the
-- physical progress, never mixed with the money.
CREATE TABLE indicator_values (
    indicator_id INTEGER NOT NULL REFERENCES project_indicators(id) ON DELETE CASCADE,
    year         INTEGER NOT NULL,
    value        TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    illustrative INTEGER NOT NULL DEFAULT 0,
    recorded_by  INTEGER REFERENCES users(id),
    recorded_at  INTEGER NOT NULL,
    PRIMARY KEY (indicator_id, year)
);

-- The rolling three-year programming (Law 113.14 art. 78): one plan per first year, rolled
-- forward each year. Its expenditure is the programmed amounts of the execution records of
-- its years (never stored twice); its resources are entered here.
CREATE TABLE three_year_plans (
    id           INTEGER PRIMARY KEY,
    first_year   INTEGER NOT NULL UNIQUE CHECK (first_year BETWEEN 2000 AND 2100),
    -- the plan it was rolled from
    rolled_from  INTEGER REFERENCES three_year_plans(id),
    note         TEXT NOT NULL DEFAULT '',
    illustrative INTEGER NOT NULL DEFAULT 0,
    created_by   INTEGER REFERENCES users(id),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
-- `kind`: own_resources (the commune's own revenue for investment), surplus (carried from
-- the year before), partners (partners' expected contributions; partner_id names one), other.
CREATE TABLE three_year_resources (
    plan_id    INTEGER NOT NULL REFERENCES three_year_plans(id) ON DELETE CASCADE,
    year       INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('own_resources', 'surplus', 'partners', 'other')),
    partner_id INTEGER REFERENCES partners(id),
    label      TEXT NOT NULL DEFAULT '',
    amount     TEXT NOT NULL,
    PRIMARY KEY (plan_id, year, position)
);

-- The annual evaluation report per year: what the office writes beside the figures (causes
-- of delay in its own words, changes to the programme and why), and when it went to the
-- council.
CREATE TABLE evaluation_reports (
    year          INTEGER PRIMARY KEY,
    summary_ar    TEXT NOT NULL DEFAULT '',
    summary_fr    TEXT NOT NULL DEFAULT '',
    changes_ar    TEXT NOT NULL DEFAULT '',
    changes_fr    TEXT NOT NULL DEFAULT '',
    -- the council session it is presented to (practice: before the May session)
    session_date  TEXT,
    presented_on  TEXT,
    illustrative  INTEGER NOT NULL DEFAULT 0,
    updated_by    INTEGER REFERENCES users(id),
    updated_at    INTEGER NOT NULL
);
