-- E-licence roles: agencies issuing licences, and the registration authority (同步发放).
ALTER TABLE tokens DROP CONSTRAINT tokens_role_check;
ALTER TABLE tokens ADD CONSTRAINT tokens_role_check
    CHECK (role IN ('admin', 'registrar', 'auditor', 'seal-admin', 'signer', 'region-peer',
                    'licence-issuer', 'registration-authority'));
