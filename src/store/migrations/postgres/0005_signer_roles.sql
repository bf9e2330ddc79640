-- Seal roles (seal-admin, signer) and the certificate a signer token is bound to.
ALTER TABLE tokens DROP CONSTRAINT tokens_role_check;
ALTER TABLE tokens ADD CONSTRAINT tokens_role_check
    CHECK (role IN ('admin', 'registrar', 'auditor', 'seal-admin', 'signer'));
ALTER TABLE tokens ADD COLUMN certificate TEXT;
