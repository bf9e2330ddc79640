-- The relying-agency role (用证授权: agencies exchanging a holder's auth code).
CREATE TABLE tokens_v5 (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'registrar', 'auditor', 'seal-admin', 'signer',
                                       'region-peer', 'licence-issuer', 'registration-authority',
                                       'relying-agency')),
    organization TEXT,
    certificate TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
INSERT INTO tokens_v5 (id, hash, role, organization, certificate, created_at, expires_at, revoked_at)
    SELECT id, hash, role, organization, certificate, created_at, expires_at, revoked_at FROM tokens;
DROP TABLE tokens;
ALTER TABLE tokens_v5 RENAME TO tokens;
