-- E-licence registry (GB/T 36901–36906): one row per version of a licence, its lifecycle
-- events, and the serial counters per (issuer, type). Rows are never deleted: a change
-- supersedes, a revocation keeps the row with its reason. The sealed files live in the blob
-- store under `document_sha256`, not here. Times are Unix seconds.
CREATE TABLE licences (
    identifier TEXT PRIMARY KEY,
    lineage TEXT NOT NULL,
    kind TEXT NOT NULL,
    type_code TEXT NOT NULL,
    issuer_code TEXT NOT NULL,
    issuer_name TEXT NOT NULL,
    serial TEXT NOT NULL,
    version BIGINT NOT NULL CHECK (version BETWEEN 1 AND 999),
    holder_name TEXT NOT NULL,
    holder_hash TEXT NOT NULL,
    number TEXT NOT NULL,
    issue_date TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'revoked', 'superseded')),
    superseded_by TEXT,
    status_reason TEXT,
    external_key TEXT,
    data BYTEA NOT NULL,
    data_signature BYTEA NOT NULL,
    document_sha256 TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK ((status = 'superseded') = (superseded_by IS NOT NULL))
);
CREATE INDEX licences_lineage ON licences (lineage, version);
CREATE INDEX licences_holder ON licences (holder_hash, issued_at);
CREATE UNIQUE INDEX licences_issuer_external_key ON licences (issuer_code, external_key)
    WHERE external_key IS NOT NULL;
CREATE UNIQUE INDEX licences_issuer_type_serial_version
    ON licences (issuer_code, type_code, serial, version);
CREATE FUNCTION licences_keep() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'licences and their events are never deleted or rewritten';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER licences_no_delete BEFORE DELETE ON licences
    FOR EACH ROW EXECUTE FUNCTION licences_keep();
CREATE TRIGGER licences_no_truncate BEFORE TRUNCATE ON licences
    FOR EACH STATEMENT EXECUTE FUNCTION licences_keep();

CREATE TABLE licence_events (
    id BIGSERIAL PRIMARY KEY,
    licence TEXT NOT NULL REFERENCES licences(identifier),
    event TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX licence_events_licence ON licence_events (licence, id);
CREATE TRIGGER licence_events_no_update BEFORE UPDATE OR DELETE ON licence_events
    FOR EACH ROW EXECUTE FUNCTION licences_keep();
CREATE TRIGGER licence_events_no_truncate BEFORE TRUNCATE ON licence_events
    FOR EACH STATEMENT EXECUTE FUNCTION licences_keep();

CREATE TABLE licence_serials (
    issuer_code TEXT NOT NULL,
    type_code TEXT NOT NULL,
    last_serial BIGINT NOT NULL,
    PRIMARY KEY (issuer_code, type_code)
);
