-- Mutual recognition: every version of this region's signed trust list (the status history
-- of its trust services lives inside each version), and every accepted version of each
-- peer's list, kept so that signatures can be judged by the list in force when they were made.
CREATE TABLE trust_lists (
    seq BIGINT PRIMARY KEY,
    issued_at BIGINT NOT NULL,
    next_update BIGINT NOT NULL,
    content TEXT NOT NULL,
    signed_sm2 BYTEA NOT NULL,
    signed_p256 BYTEA NOT NULL
);

CREATE TABLE peer_lists (
    region TEXT NOT NULL,
    seq BIGINT NOT NULL,
    issued_at BIGINT NOT NULL,
    next_update BIGINT NOT NULL,
    fetched_at BIGINT NOT NULL,
    signed BYTEA NOT NULL,
    PRIMARY KEY (region, seq)
);

-- The region-peer role (other regions calling the verification API).
ALTER TABLE tokens DROP CONSTRAINT tokens_role_check;
ALTER TABLE tokens ADD CONSTRAINT tokens_role_check
    CHECK (role IN ('admin', 'registrar', 'auditor', 'seal-admin', 'signer', 'region-peer'));
