-- Mutual recognition: every version of this region's signed trust list (the status history
-- of its trust services lives inside each version), and every accepted version of each
-- peer's list, kept so that signatures can be judged by the list in force when they were made.
CREATE TABLE trust_lists (
    seq BIGINT PRIMARY KEY,
    issued_at BIGINT NOT NULL,
    next_update BIGINT NOT NULL,
    content TEXT NOT NULL,
    signed_sm2 BLOB NOT NULL,
    signed_p256 BLOB NOT NULL
);

CREATE TABLE peer_lists (
    region TEXT NOT NULL,
    seq BIGINT NOT NULL,
    issued_at BIGINT NOT NULL,
    next_update BIGINT NOT NULL,
    fetched_at BIGINT NOT NULL,
    signed BLOB NOT NULL,
    PRIMARY KEY (region, seq)
);

-- The region-peer role (other regions calling the verification API).
CREATE TABLE tokens_v3 (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'registrar', 'auditor', 'seal-admin', 'signer', 'region-peer')),
    organization TEXT,
    certificate TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
INSERT INTO tokens_v3 (id, hash, role, organization, certificate, created_at, expires_at, revoked_at)
    SELECT id, hash, role, organization, certificate, created_at, expires_at, revoked_at FROM tokens;
DROP TABLE tokens;
ALTER TABLE tokens_v3 RENAME TO tokens;
