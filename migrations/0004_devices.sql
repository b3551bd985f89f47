-- Tablets (devices): each login token is one device. Never edit once landed.

-- A short public id names a token in the admin's list and URLs (the hash never leaves the
-- server). Tokens issued before this migration get one now.
ALTER TABLE tokens ADD COLUMN public_id TEXT;
UPDATE tokens SET public_id = lower(hex(randomblob(6))) WHERE public_id IS NULL;
CREATE UNIQUE INDEX tokens_public_id ON tokens(public_id);

-- What the server last saw of the device, updated on sync at most once a minute per token
-- (or at once when the peer id or browser changes).
ALTER TABLE tokens ADD COLUMN last_used_at INTEGER;
ALTER TABLE tokens ADD COLUMN peer_id TEXT;
ALTER TABLE tokens ADD COLUMN user_agent TEXT;
-- A name an administrator gives the tablet ("tablette 3, pôle Idouz").
ALTER TABLE tokens ADD COLUMN label TEXT;
-- Who revoked it (revoked_at exists since 0001); NULL with revoked_at set means the user
-- logged out.
ALTER TABLE tokens ADD COLUMN revoked_by INTEGER REFERENCES users(id);
