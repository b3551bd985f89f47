-- The procedure (issue 14, proc): a council session planned in advance (a `council_session`
-- step) is ordinary or extraordinary before any vote exists to say so, and the rule on the
-- session's month (ordinary: February, May, October) needs it. NULL on other steps.
ALTER TABLE procedure_steps ADD COLUMN session_kind TEXT
    CHECK (session_kind IN ('ordinary', 'extraordinary'));
