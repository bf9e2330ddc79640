-- The relying-agency role (用证授权: agencies exchanging a holder's auth code).
ALTER TABLE tokens DROP CONSTRAINT tokens_role_check;
ALTER TABLE tokens ADD CONSTRAINT tokens_role_check
    CHECK (role IN ('admin', 'registrar', 'auditor', 'seal-admin', 'signer', 'region-peer',
                    'licence-issuer', 'registration-authority', 'relying-agency'));
