-- The programme's structure as the office edits it (axes, programmes): each change is an
-- action of the office's log (`consolidation_actions`, kinds axis_* and programme_*), so the
-- office has one log and one undo. Its effects are here, one row per field changed with the
-- value before and after, so that an action can be undone exactly and refused when a later
-- action changed the same field. A row's existence is the field 'exists' ('0' / '1'); the
-- other fields are 'name_ar', 'name_fr', 'position' and, for a programme, 'axis_id' (NULL
-- while the row does not exist).
CREATE TABLE structure_edits (
    id        INTEGER PRIMARY KEY,
    action_id INTEGER NOT NULL REFERENCES consolidation_actions(id),
    -- 'axis' or 'programme'
    entity    TEXT NOT NULL,
    -- no foreign key: the row may be deleted, and its history must stay
    entity_id INTEGER NOT NULL,
    field     TEXT NOT NULL,
    before    TEXT,
    after     TEXT
);
CREATE INDEX structure_edits_action ON structure_edits(action_id);
CREATE INDEX structure_edits_entity ON structure_edits(entity, entity_id, id);
