-- Sync hardening (issue 8). Never edit once landed.
-- A proposal (or a session) may name a douar the server does not know (a tablet with old
-- reference data, a douar not yet set up): it is projected and flagged, never refused.
ALTER TABLE proposals ADD COLUMN douar_unknown INTEGER NOT NULL DEFAULT 0;
ALTER TABLE session_douars ADD COLUMN unknown INTEGER NOT NULL DEFAULT 0;
