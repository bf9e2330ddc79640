-- Seal roles (seal-admin, signer) and the certificate a signer token is bound to.
CREATE TABLE tokens_v2 (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'registrar', 'auditor', 'seal-admin', 'signer')),
    organization TEXT,
    certificate TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
INSERT INTO tokens_v2 (id, hash, role, organization, created_at, expires_at, revoked_at)
    SELECT id, hash, role, organization, created_at, expires_at, revoked_at FROM tokens;
DROP TABLE tokens;
ALTER TABLE tokens_v2 RENAME TO tokens;
