-- Funding partners: one list for the commune, which a project's shares refer to. A share's
-- amount may be unknown (NULL: "not known yet"); the partners' total counts known shares only.
CREATE TABLE partners (
    id         INTEGER PRIMARY KEY,
    name_ar    TEXT NOT NULL,
    name_fr    TEXT NOT NULL DEFAULT '',
    -- a PartnerKind code (shared::codes): region, province, ministry, public_body, indh,
    -- cooperation, association, other
    kind       TEXT NOT NULL DEFAULT 'other',
    updated_at INTEGER NOT NULL DEFAULT 0
);

-- The names the shares had become partners (kind 'other': the office sets the kind).
INSERT INTO partners (name_ar)
    SELECT name FROM project_partners GROUP BY name ORDER BY min(rowid);

CREATE TABLE project_partner_shares (
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    partner_id INTEGER NOT NULL REFERENCES partners(id),
    -- exact decimal as text (rust_decimal), MAD; NULL while the share is not known
    amount     TEXT,
    PRIMARY KEY (project_id, position)
);
CREATE INDEX project_partner_shares_partner ON project_partner_shares(partner_id);

INSERT INTO project_partner_shares (project_id, position, partner_id, amount)
    SELECT pp.project_id, pp.position, p.id, pp.amount
    FROM project_partners pp JOIN partners p ON p.name_ar = pp.name;

DROP TABLE project_partners;
