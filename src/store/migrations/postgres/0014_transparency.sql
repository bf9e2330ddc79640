-- The transparency log (issue 20, src/transparency): entries waiting to be sequenced (written in
-- the same transaction as the object they record), the sequenced entries and every complete
-- Merkle tree node (append-only), the log head (one row: its size and latest checkpoint; moved by the sequencer,
-- whose row lock serializes sequencing), the signed checkpoints kept (at most one a second, append-only: those witnesses cosign) with the
-- witnesses' cosignatures, and, as a witness, the latest checkpoint cosigned for each peer log.
CREATE TABLE log_pending (
    seq BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    object_sha256 TEXT NOT NULL,
    entry BYTEA NOT NULL
);
CREATE TABLE log_entries (
    idx BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    object_sha256 TEXT NOT NULL,
    entry BYTEA NOT NULL
);
CREATE INDEX log_entries_object ON log_entries (object_sha256);
CREATE TABLE log_hashes (
    level INTEGER NOT NULL,
    idx BIGINT NOT NULL,
    hash BYTEA NOT NULL,
    PRIMARY KEY (level, idx)
);
CREATE TABLE log_head (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    size BIGINT NOT NULL,
    at BIGINT,
    checkpoint TEXT
);
INSERT INTO log_head (one, size) VALUES (1, 0);
CREATE TABLE log_checkpoints (
    size BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    note TEXT NOT NULL
);
CREATE TABLE log_cosignatures (
    size BIGINT NOT NULL,
    witness TEXT NOT NULL,
    line TEXT NOT NULL,
    PRIMARY KEY (size, witness)
);
CREATE TABLE log_witnessed (
    origin TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    root BYTEA NOT NULL,
    at BIGINT NOT NULL
);
CREATE FUNCTION log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the transparency log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER log_entries_no_change BEFORE UPDATE OR DELETE ON log_entries
    FOR EACH ROW EXECUTE FUNCTION log_append_only();
CREATE TRIGGER log_entries_no_truncate BEFORE TRUNCATE ON log_entries
    FOR EACH STATEMENT EXECUTE FUNCTION log_append_only();
CREATE TRIGGER log_hashes_no_change BEFORE UPDATE OR DELETE ON log_hashes
    FOR EACH ROW EXECUTE FUNCTION log_append_only();
CREATE TRIGGER log_hashes_no_truncate BEFORE TRUNCATE ON log_hashes
    FOR EACH STATEMENT EXECUTE FUNCTION log_append_only();
CREATE TRIGGER log_checkpoints_no_change BEFORE UPDATE OR DELETE ON log_checkpoints
    FOR EACH ROW EXECUTE FUNCTION log_append_only();
CREATE TRIGGER log_checkpoints_no_truncate BEFORE TRUNCATE ON log_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION log_append_only();
