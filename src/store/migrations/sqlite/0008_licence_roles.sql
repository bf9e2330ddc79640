-- E-licence roles: agencies issuing licences, and the registration authority (同步发放).
CREATE TABLE tokens_v4 (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'registrar', 'auditor', 'seal-admin', 'signer',
                                       'region-peer', 'licence-issuer', 'registration-authority')),
    organization TEXT,
    certificate TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
INSERT INTO tokens_v4 (id, hash, role, organization, certificate, created_at, expires_at, revoked_at)
    SELECT id, hash, role, organization, certificate, created_at, expires_at, revoked_at FROM tokens;
DROP TABLE tokens;
ALTER TABLE tokens_v4 RENAME TO tokens;
