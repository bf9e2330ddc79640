#!/usr/bin/env bash
# Reproducible HTTP issuance load benchmark (see BENCHMARKS.md).
# Builds release binaries, creates a throw-away region (SQLite) in a temp dir, starts
# `yinxin serve` on a loopback port, runs `yinxin-load` for each algorithm, stops the server.
# Usage: benches/load/issue.sh [REQUESTS] [CONCURRENCY]
set -euo pipefail
cd "$(dirname "$0")/../.."
REQUESTS=${1:-20000}
CONCURRENCY=${2:-64}
PORT=${PORT:-18443}
# YINXIN_BIN_DIR=DIR runs the binaries in DIR instead (an A/B of two builds); else build them.
if [ -n "${YINXIN_BIN_DIR:-}" ]; then
    BIN=$YINXIN_BIN_DIR
else
    cargo build --release --bins >/dev/null
    BIN=target/release
fi
TMP=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$TMP"' EXIT
export YINXIN_KEY_PASSPHRASE=load-benchmark-only-passphrase
# One load generator on loopback is one client address: lift the per-address connection cap
# and the anonymous per-address limits of OCSP and the TSA (0 = not limited).
export YINXIN_MAX_CONNECTIONS_PER_ADDRESS=100000 YINXIN_OCSP_RATE_LIMIT_PER_SECOND=0 \
    YINXIN_TSA_RATE_LIMIT_PER_SECOND=0
$BIN/yinxin init --data-dir "$TMP/data" --region load --name "Load test" >/dev/null
TOKEN=$($BIN/yinxin token create --data-dir "$TMP/data" --role admin | sed -n 's/.*"token": "\(.*\)".*/\1/p')
YINXIN_RATE_LIMIT_PER_SECOND=1000000 YINXIN_RATE_LIMIT_BURST=1000000 YINXIN_LOG=warn \
    $BIN/yinxin serve --data-dir "$TMP/data" --listen 127.0.0.1:$PORT >"$TMP/serve.out" 2>"$TMP/serve.err" &
SERVER=$!
for _ in $(seq 50); do grep -q listening "$TMP/serve.out" 2>/dev/null && break; sleep 0.1; done
# The server's CPU time so far, in clock ticks (utime + stime of /proc/PID/stat): the figure
# to compare builds by on a shared machine, where the rate also depends on the neighbours.
ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }
for ALG in p256 sm2; do
    # Warm-up, then the measured run.
    $BIN/yinxin-load --url http://127.0.0.1:$PORT --token "$TOKEN" --csr fixtures/csr/test-$ALG.csr.pem \
        --algorithm $ALG --concurrency "$CONCURRENCY" --requests 1000 >/dev/null
    before=$(ticks)
    out=$($BIN/yinxin-load --url http://127.0.0.1:$PORT --token "$TOKEN" --csr fixtures/csr/test-$ALG.csr.pem \
        --algorithm $ALG --concurrency "$CONCURRENCY" --requests "$REQUESTS" --max-seconds 120)
    after=$(ticks)
    echo "$out"
    n=$(echo "$out" | sed -n 's/.*"ok":\([0-9]*\).*/\1/p')
    echo "server CPU per issuance ($ALG): $(((after - before) * 1000000 / $(getconf CLK_TCK) / n)) µs"
done
