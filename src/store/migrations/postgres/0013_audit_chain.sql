-- Tamper-evident audit trail: each row's link to the row before it (SHA-256, hex; rows
-- written before this migration have none and are covered by the first linked row), the head
-- of the chain (one row, moved by every append: its row lock also serializes appends, so ids
-- are given in commit order), and checkpoints time-stamped by the region's TSA (append-only).
ALTER TABLE audit ADD COLUMN prev_hash TEXT;
ALTER TABLE audit ADD COLUMN hash TEXT;
CREATE TABLE audit_head (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    id BIGINT NOT NULL,
    hash TEXT
);
INSERT INTO audit_head (one, id, hash) SELECT 1, COALESCE(MAX(id), 0), NULL FROM audit;
CREATE TABLE audit_checkpoints (
    size BIGINT PRIMARY KEY,
    head TEXT NOT NULL,
    at BIGINT NOT NULL,
    token BYTEA NOT NULL
);
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
