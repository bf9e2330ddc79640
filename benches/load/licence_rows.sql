-- Bulk-load licence rows into a migrated yinxin database (PostgreSQL) for lookup benchmarks:
-- psql -v rows=10000000 -v data_bytes=N -v sig_bytes=N -f benches/load/licence_rows.sql URL
-- (run by benches/load/licence_rows.sh). One INSERT … SELECT generate_series with the indexes
-- dropped, then the same indexes rebuilt from their saved definitions, then VACUUM (ANALYZE).
--
-- Rows are shaped like real ones, not valid ones: unique identifiers in the GB/T 36904 layout
-- (check character not computed), 200 issuing agencies, three kinds (70 % organization-held,
-- holder_hash = a credit-code-like code; 30 % person-held, holder_hash = 64 hex characters
-- like the salted SM3 of an identity number), holders spread over 3,000,000 codes of each type,
-- issue times over six years, 1 % revoked, 1 % suspended, half with an external key, `data`
-- random bytes of the size of real encrypted values (`data_bytes`), `data_signature` of a
-- real detached CMS's size (`sig_bytes`: a constant certificate part per agency, as real
-- signatures carry the same certificates, and 72 random bytes of signature).
-- No lifecycle events are generated (the lookups do not read them).
\set ON_ERROR_STOP on
\timing on
CREATE EXTENSION IF NOT EXISTS pgcrypto;
SET maintenance_work_mem = '512MB';
SET synchronous_commit = off;
-- Random bytes of any length (gen_random_bytes gives at most 1024 at a time).
CREATE FUNCTION pg_temp.random_bytes(n int) RETURNS bytea AS $$
    SELECT string_agg(gen_random_bytes(least(1024, n - g)), ''::bytea ORDER BY g)
    FROM generate_series(0, n - 1, 1024) AS g
$$ LANGUAGE sql;

CREATE TEMP TABLE saved_indexes AS
    SELECT indexname, indexdef FROM pg_indexes
    WHERE tablename = 'licences' AND indexname <> 'licences_pkey';
-- The events' foreign key hangs on the primary key: dropped with it, put back after.
CREATE TEMP TABLE saved_fkeys AS
    SELECT conrelid::regclass::text AS tab, conname, pg_get_constraintdef(oid) AS def
    FROM pg_constraint WHERE contype = 'f' AND confrelid = 'licences'::regclass;
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT tab, conname FROM saved_fkeys LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.tab, r.conname);
    END LOOP;
END $$;
ALTER TABLE licences DROP CONSTRAINT licences_pkey;
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT indexname FROM saved_indexes LOOP
        EXECUTE format('DROP INDEX %I', r.indexname);
    END LOOP;
END $$;

-- One constant certificate part per agency (the agency's certificate and its CA's).
CREATE TEMP TABLE agencies AS
    SELECT a,
           '114401000' || lpad(a::text, 8, '0') || 'X' AS code,
           '示例市第' || a || '市场监督管理局' AS name,
           pg_temp.random_bytes(greatest(:sig_bytes - 72, 1)) AS certs
    FROM generate_series(0, 199) AS a;

INSERT INTO licences (identifier, lineage, kind, type_code, issuer_code, issuer_name, serial,
    version, holder_name, holder_hash, number, issue_date, valid_from, valid_to, status,
    superseded_by, status_reason, external_key, data, data_signature, document_sha256,
    issued_at, updated_at)
SELECT
    '1.2.156.3005.2.' || k.type_code || '.' || ag.code || '.' || lpad(g.i::text, 10, '0')
        || '.001.' || substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', (g.i % 36)::int + 1, 1),
    '1.2.156.3005.2.' || k.type_code || '.' || ag.code || '.' || lpad(g.i::text, 10, '0'),
    k.kind, k.type_code, ag.code, ag.name, lpad(g.i::text, 10, '0'), 1,
    CASE WHEN k.person THEN '王' || h.h ELSE '示例' || h.h || '有限公司' END,
    CASE WHEN k.person THEN encode(sha256(('holder-' || h.h)::bytea), 'hex')
         ELSE '91440101' || lpad(h.h::text, 9, '0') || 'Y' END,
    'NO' || lpad(g.i::text, 12, '0'),
    d.day, d.day,
    CASE WHEN k.kind = 'business-licence' THEN NULL
         ELSE to_char(d.at_date + interval '5 years', 'YYYY-MM-DD') END,
    CASE g.i % 100 WHEN 0 THEN 'revoked' WHEN 1 THEN 'suspended' ELSE 'active' END,
    NULL,
    CASE g.i % 100 WHEN 0 THEN '注销登记' WHEN 1 THEN '抽查' END,
    CASE WHEN g.i % 2 = 0 THEN 'import-' || g.i END,
    pg_temp.random_bytes(:data_bytes),
    ag.certs || gen_random_bytes(72),
    encode(sha256(int8send(g.i)), 'hex'),
    d.at, d.at
FROM generate_series(0::bigint, :rows - 1) AS g(i)
CROSS JOIN LATERAL (SELECT (g.i * 2654435761) % 3000000 AS h) h
CROSS JOIN LATERAL (
    SELECT CASE WHEN g.i % 10 < 5 THEN 'business-licence'
                WHEN g.i % 10 < 7 THEN 'food-business-licence'
                ELSE 'professional-qualification' END AS kind,
           CASE WHEN g.i % 10 < 5 THEN '91110000000013338W001'
                WHEN g.i % 10 < 7 THEN '91110000000013338W002'
                ELSE '11100000000013127D003' END AS type_code,
           g.i % 10 >= 7 AS person) k
CROSS JOIN LATERAL (
    SELECT 1577836800 + (g.i * 7919) % (6 * 365 * 86400) AS at) t
CROSS JOIN LATERAL (
    SELECT t.at AS at, to_timestamp(t.at)::date AS at_date,
           to_char(to_timestamp(t.at), 'YYYY-MM-DD') AS day) d
JOIN agencies ag ON ag.a = g.i % 200;

ALTER TABLE licences ADD CONSTRAINT licences_pkey PRIMARY KEY (identifier);
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT tab, conname, def FROM saved_fkeys LOOP
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', r.tab, r.conname, r.def);
    END LOOP;
END $$;
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT indexdef FROM saved_indexes LOOP
        EXECUTE r.indexdef;
    END LOOP;
END $$;
-- VACUUM, not only ANALYZE: it sets the visibility map, without which an index-only scan
-- (the holder list) still visits every heap page; autovacuum does the same on a live registry.
VACUUM (ANALYZE) licences;
SELECT count(*) AS rows, pg_size_pretty(pg_total_relation_size('licences')) AS total,
       pg_size_pretty(pg_relation_size('licences')) AS heap,
       pg_size_pretty(pg_indexes_size('licences')) AS indexes
FROM licences;
