-- People managed by the administrator in the app. Never edit once landed.

-- Set when the administrator gave the password (creation, reset): the user must choose their
-- own before anything else is allowed.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
-- A name for people ("فاطمة الزهراء"), beside the login name.
ALTER TABLE users ADD COLUMN display_name TEXT;

-- The poles a facilitator works in: their tablet offers these first. A pole removed takes its
-- assignments with it.
CREATE TABLE user_poles (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    pole_id TEXT NOT NULL REFERENCES poles(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, pole_id)
);
CREATE INDEX user_poles_pole ON user_poles(pole_id);
