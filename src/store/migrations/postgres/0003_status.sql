-- Status services: invalidity dates, hold release, a change feed for OCSP caches, CRLs, TSA serials.
ALTER TABLE certificates ADD COLUMN invalidity_date BIGINT;
ALTER TABLE certificates ADD COLUMN released_at BIGINT;
CREATE INDEX certificates_issuer_status ON certificates (issuer_ca, status, revoked_at);
CREATE INDEX certificates_released ON certificates (issuer_ca, released_at);

CREATE TABLE status_changes (
    seq BIGSERIAL PRIMARY KEY,
    serial TEXT NOT NULL,
    issuer_ca TEXT NOT NULL,
    at BIGINT NOT NULL
);

CREATE TABLE crls (
    ca_id TEXT NOT NULL REFERENCES cas(id),
    number BIGINT NOT NULL,
    base_number BIGINT,
    this_update BIGINT NOT NULL,
    next_update BIGINT NOT NULL,
    entries BIGINT NOT NULL,
    der BYTEA NOT NULL,
    PRIMARY KEY (ca_id, number)
);

CREATE TABLE tsa_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    next_serial BIGINT NOT NULL
);
INSERT INTO tsa_state (id, next_serial) VALUES (1, 1);
