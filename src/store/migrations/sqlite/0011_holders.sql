-- The holder side (持证人): sessions (only the SHA-256 of the cookie secret is stored), grants
-- of consented use (用证授权; only the SHA-256 of the auth code), and the holder's history,
-- which the holder reads. Each event is also a line of the audit log, without personal data.
-- Times are Unix seconds.
CREATE TABLE holder_sessions (
    id_hash TEXT PRIMARY KEY,
    holder_kind TEXT NOT NULL CHECK (holder_kind IN ('person', 'organization')),
    holder_hash TEXT NOT NULL,
    display_name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX holder_sessions_expiry ON holder_sessions (expires_at);

CREATE TABLE holder_grants (
    id TEXT PRIMARY KEY,
    code_hash TEXT UNIQUE NOT NULL,
    holder_hash TEXT NOT NULL,
    licence TEXT NOT NULL,
    agency TEXT NOT NULL,
    service_item TEXT NOT NULL,
    case_number TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    until BIGINT NOT NULL,
    max_uses INTEGER NOT NULL CHECK (max_uses >= 1),
    uses INTEGER NOT NULL CHECK (uses BETWEEN 0 AND max_uses),
    unmask INTEGER NOT NULL CHECK (unmask IN (0, 1)),
    withdrawn_at BIGINT
);
CREATE INDEX holder_grants_holder ON holder_grants (holder_hash, created_at DESC);

CREATE TABLE holder_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    holder_hash TEXT NOT NULL,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    licence TEXT,
    agency TEXT,
    grant_id TEXT,
    detail TEXT NOT NULL DEFAULT '',
    actor TEXT NOT NULL
);
CREATE INDEX holder_events_holder ON holder_events (holder_hash, id DESC);
