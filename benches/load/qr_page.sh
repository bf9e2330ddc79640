#!/usr/bin/env bash
# The page a licence's QR code opens, under load (see BENCHMARKS.md): a throw-away region
# (SQLite) with an agency (as licence.sh), LICENCES business licences issued over HTTP, then
# `yinxin-load --mode get --accept text/html` over their QR URLs (`/V/<payload>`, as a phone's
# browser opens them): each request verifies the payload's SM2 signature and its signer's
# certificate, reads the live status and renders the HTML result page.
# Usage: benches/load/qr_page.sh [LICENCES] [REQUESTS] [CONCURRENCY]   (YINXIN_BIN_DIR=DIR: use the binaries in DIR)
set -euo pipefail
cd "$(dirname "$0")/../.."
LICENCES=${1:-2000}
REQUESTS=${2:-100000}
CONCURRENCY=${3:-64}
PORT=${PORT:-18445}
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
# One load generator on loopback is one client address: lift the per-address limits that a
# public deployment keeps (connections, anonymous rate and concurrency).
export YINXIN_MAX_CONNECTIONS_PER_ADDRESS=100000 YINXIN_ANONYMOUS_RATE_LIMIT_PER_SECOND=1000000 \
    YINXIN_ANONYMOUS_RATE_LIMIT_BURST=1000000 YINXIN_ANONYMOUS_MAX_CONCURRENCY=100000
DATA="$TMP/data"
$BIN/yinxin init --data-dir "$DATA" --region load --name "Load test" >/dev/null
. benches/load/licence_agency.sh
make_agency "$BIN" "$DATA" "$TMP"
licence_template "$TMP/licence.json"
start_server "$BIN" "$DATA" "$PORT" "$TMP"
URL=http://127.0.0.1:$PORT
echo "issuing $LICENCES licences"
$BIN/yinxin-load --url $URL --mode licence-issue --body "$TMP/licence.json" --token "$TOKEN" \
    --concurrency 32 --requests "$LICENCES" --max-seconds 600 >/dev/null
# The QR texts printed on the faces, as paths (`/V/<payload>`).
sqlite3 "$DATA/yinxin.db" "SELECT qr_text FROM licences" | sed 's|^[^/]*//[^/]*||' >"$TMP/qr-paths.txt"
N=$(wc -l <"$TMP/qr-paths.txt")
echo "QR pages: $N licences; warm-up $N, then $REQUESTS at $CONCURRENCY clients (Accept: text/html)"
$BIN/yinxin-load --url $URL --mode get --accept text/html --path-list "$TMP/qr-paths.txt" \
    --concurrency "$CONCURRENCY" --requests "$N" >/dev/null
$BIN/yinxin-load --url $URL --mode get --accept text/html --path-list "$TMP/qr-paths.txt" \
    --concurrency "$CONCURRENCY" --requests "$REQUESTS" --max-seconds 120
# One page's size and verdict, for the record (the load measured valid results, not errors).
curl -s -H 'accept: text/html' "$URL$(head -1 "$TMP/qr-paths.txt")" >"$TMP/page.html"
wc -c <"$TMP/page.html" | sed 's/^/page bytes: /'
grep -o 'class="result result-[a-z]*"' "$TMP/page.html" | head -1 | sed 's/^/verdict: /'
grep -q 'class="result result-valid"' "$TMP/page.html" || { echo "the page is not a valid result" >&2; exit 1; }
