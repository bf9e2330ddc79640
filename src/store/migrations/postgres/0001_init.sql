-- yinxin schema, PostgreSQL. Times are Unix seconds (audit: milliseconds).
CREATE TABLE region (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE cas (
    id TEXT PRIMARY KEY,
    algorithm TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('root', 'issuing')),
    parent_id TEXT REFERENCES cas(id),
    subject TEXT NOT NULL,
    serial TEXT NOT NULL,
    not_before BIGINT NOT NULL,
    not_after BIGINT NOT NULL,
    ski TEXT NOT NULL,
    key_id TEXT NOT NULL,
    der BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE certificates (
    serial TEXT PRIMARY KEY,
    issuer_ca TEXT NOT NULL REFERENCES cas(id),
    profile TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    subject TEXT NOT NULL,
    holder_id TEXT NOT NULL,
    organization TEXT,
    not_before BIGINT NOT NULL,
    not_after BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'revoked', 'hold')),
    revoked_at BIGINT,
    revocation_reason BIGINT,
    der BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX certificates_profile ON certificates (profile, serial);
CREATE INDEX certificates_holder ON certificates (holder_id);
CREATE INDEX certificates_organization ON certificates (organization);
CREATE INDEX certificates_status ON certificates (status, serial);

CREATE TABLE services (
    name TEXT PRIMARY KEY,
    algorithm TEXT NOT NULL,
    profile TEXT NOT NULL,
    serial TEXT NOT NULL REFERENCES certificates(serial),
    key_id TEXT NOT NULL
);

CREATE TABLE audit (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
