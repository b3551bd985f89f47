-- What each office action taught the suggestion engine (issue 18): the counts it added to
-- `suggest_learned`, so that undoing the action takes them back out. Rejected suggestions are
-- not actions (no undo), so they are not here.
CREATE TABLE suggest_learned_actions (
    action_id INTEGER NOT NULL REFERENCES consolidation_actions(id),
    term      TEXT NOT NULL,
    together  INTEGER NOT NULL DEFAULT 0,
    apart     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (action_id, term)
) WITHOUT ROWID;
