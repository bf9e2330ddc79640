#!/usr/bin/env bash
# Licence lookups on a large registry (see BENCHMARKS.md): creates a PostgreSQL database, makes
# yinxin's schema in it (the store's migrations), bulk-loads ROWS licence rows
# (benches/load/licence_rows.sql: generate_series, indexes rebuilt after), checks with EXPLAIN
# that the lookups by identifier and by holder use indexes (the holder list an index-only
# scan), then measures them through the store (benches/licence_lookup.rs, yinxin's
# LicenceRepository) with CLIENTS concurrent clients: calls/s and p50/p90/p99/max.
# Usage: benches/load/licence_rows.sh [ROWS] [CLIENTS] [SECONDS]
#   PG=postgres://postgres@127.0.0.1:5432  DB=yinxin_bench  KEEP=1 (keep the database)
#   RATE=R (open loop: R lookups/s scheduled across the clients; see benches/licence_lookup.rs)
#   SKIP_LOAD=1 (measure an already loaded database)  SKIP_BUILD=1 (use the built harness)
#   DATA_BYTES / SIG_BYTES: sizes of the encrypted values and of the data signature.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${1:-10000000}
CLIENTS=${2:-64}
SECONDS_EACH=${3:-20}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
DB=${DB:-yinxin_bench}
URL="$PG/$DB"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"; [ "${KEEP:-}" = 1 ] || [ "${SKIP_LOAD:-}" = 1 ] || psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB" >/dev/null' EXIT
[ "${SKIP_BUILD:-}" = 1 ] || cargo bench --bench licence_lookup --no-run >/dev/null 2>&1
HARNESS=$(ls -t "${CARGO_TARGET_DIR:-target}"/release/deps/licence_lookup-* | grep -v '\.d$' | head -1)

if [ "${SKIP_LOAD:-}" != 1 ]; then
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
    "$HARNESS" --url "$URL" --migrate
    START=$(date +%s)
    psql "$URL" -q -v rows="$ROWS" -v data_bytes="${DATA_BYTES:-600}" -v sig_bytes="${SIG_BYTES:-2080}" \
        -f benches/load/licence_rows.sql
    echo "loaded $ROWS rows in $(( $(date +%s) - START )) s"
fi

# Keys drawn from the table: ~20,000 identifiers and the holders of those rows.
psql "$URL" -Atc "SELECT identifier FROM licences TABLESAMPLE SYSTEM (0.2) LIMIT 20000" >"$TMP/ids.txt"
psql "$URL" -Atc "SELECT DISTINCT holder_hash FROM licences TABLESAMPLE SYSTEM (0.2) LIMIT 20000" >"$TMP/holders.txt"
ID=$(head -1 "$TMP/ids.txt")
HOLDER=$(head -1 "$TMP/holders.txt")
echo "EXPLAIN by identifier:"
psql "$URL" -Atc "EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM licences WHERE identifier = '$ID'"
echo "EXPLAIN holder list (held_by):"
psql "$URL" -Atc "EXPLAIN (ANALYZE, BUFFERS) SELECT identifier, issued_at, kind, type_code, issuer_name, version, holder_name, number, valid_to, status, superseded_by FROM licences WHERE holder_hash = '$HOLDER' ORDER BY issued_at DESC, identifier LIMIT 100"
echo "EXPLAIN by holder (whole rows):"
psql "$URL" -Atc "EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM licences WHERE holder_hash = '$HOLDER' ORDER BY issued_at DESC, identifier LIMIT 100"
"$HARNESS" --url "$URL" --ids "$TMP/ids.txt" --holders "$TMP/holders.txt" \
    --clients "$CLIENTS" --seconds "$SECONDS_EACH" --rate "${RATE:-0}"
