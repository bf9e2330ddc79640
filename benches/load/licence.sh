#!/usr/bin/env bash
# Reproducible e-licence HTTP load benchmark (see BENCHMARKS.md).
# Builds release binaries (YINXIN_BIN_DIR=DIR: use those in DIR), creates a throw-away
# region (SQLite) in a temp dir with an agency: an SM2 organization certificate, its
# 电子证照专用章 listing it and a licence-issuer token bound to both (as tests/licences_api.rs
# does), starts `yinxin serve` on a loopback port, then runs `yinxin-load`:
#   1. licence-issue: POST /v1/licences, business licences (face rendered, sealed, timestamped
#      by the region's TSA, data signed, stored), each request a different company;
#   2. get: GET /v1/licences/{id}/status over every licence issued, round-robin (signed status).
# Usage: benches/load/licence.sh [ISSUE_REQUESTS] [ISSUE_CONCURRENCY] [STATUS_REQUESTS] [STATUS_CONCURRENCY]
set -euo pipefail
cd "$(dirname "$0")/../.."
ISSUE_REQUESTS=${1:-5000}
ISSUE_CONCURRENCY=${2:-32}
STATUS_REQUESTS=${3:-200000}
STATUS_CONCURRENCY=${4:-64}
PORT=${PORT:-18444}
# YINXIN_BIN_DIR=DIR runs the binaries in DIR instead (an A/B of two builds); else build them.
if [ -n "${YINXIN_BIN_DIR:-}" ]; then
    BIN=$YINXIN_BIN_DIR
else
    cargo build --release --bins >/dev/null
    BIN=${CARGO_TARGET_DIR:-target}/release
fi
TMP=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && { kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; }; rm -rf "$TMP"' EXIT
export YINXIN_KEY_PASSPHRASE=load-benchmark-only-passphrase YINXIN_LANG=en
# One load generator on loopback is one client address: lift the per-address connection cap.
export YINXIN_MAX_CONNECTIONS_PER_ADDRESS=100000
DATA="$TMP/data"
$BIN/yinxin init --data-dir "$DATA" --region load --name "Load test" >/dev/null

# The agency: certificate, e-licence seal, licence-issuer token (AGENCY, SERIAL, TOKEN).
. benches/load/licence_agency.sh
make_agency "$BIN" "$DATA" "$TMP"

licence_template "$TMP/licence.json"

start_server "$BIN" "$DATA" "$PORT" "$TMP"
URL=http://127.0.0.1:$PORT

echo "licence-issue: warm-up 200, then $ISSUE_REQUESTS at $ISSUE_CONCURRENCY clients"
$BIN/yinxin-load --url $URL --mode licence-issue --body "$TMP/licence.json" --token "$TOKEN" \
    --concurrency "$ISSUE_CONCURRENCY" --requests 200 >/dev/null
$BIN/yinxin-load --url $URL --mode licence-issue --body "$TMP/licence.json" --token "$TOKEN" \
    --concurrency "$ISSUE_CONCURRENCY" --requests "$ISSUE_REQUESTS" --max-seconds 300

# Every licence issued, for the status run (the region's SQLite database).
sqlite3 "$DATA/yinxin.db" "SELECT '/v1/licences/' || identifier || '/status' FROM licences" >"$TMP/status-paths.txt"
N=$(wc -l <"$TMP/status-paths.txt")
echo "status: $N licences; first pass (each status signed once), then $STATUS_REQUESTS at $STATUS_CONCURRENCY clients"
$BIN/yinxin-load --url $URL --mode get --path-list "$TMP/status-paths.txt" \
    --concurrency "$STATUS_CONCURRENCY" --requests "$N"
$BIN/yinxin-load --url $URL --mode get --path-list "$TMP/status-paths.txt" \
    --concurrency "$STATUS_CONCURRENCY" --requests "$STATUS_REQUESTS" --max-seconds 120
