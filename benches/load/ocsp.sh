#!/usr/bin/env bash
# OCSP responses/s over HTTP with cached (pre-signed, RFC 5019 style: one CertID, no nonce)
# responses, and time-stamps/s. See BENCHMARKS.md.
# Usage: benches/load/ocsp.sh [OCSP_REQUESTS] [CONCURRENCY]
set -euo pipefail
cd "$(dirname "$0")/../.."
REQUESTS=${1:-200000}
CONCURRENCY=${2:-64}
PORT=${PORT:-18444}
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
echo '{"name":"OCSP load","credit_code":"91350100M000100Y43"}' >"$TMP/o.json"
$BIN/yinxin issue --data-dir "$TMP/data" --profile organization --algorithm p256 \
    --csr fixtures/csr/test-p256.csr.pem --subject "$TMP/o.json" --out "$TMP/o" >/dev/null
openssl ocsp -issuer "$TMP/data/ca/p256-issuing.pem" -cert "$TMP/o/cert.pem" -no_nonce -reqout "$TMP/req.der" >/dev/null
echo "timestamp me" >"$TMP/f.txt"
openssl ts -query -data "$TMP/f.txt" -sha256 -cert -out "$TMP/q.tsq" 2>/dev/null
YINXIN_LOG=warn $BIN/yinxin serve --data-dir "$TMP/data" --listen 127.0.0.1:$PORT >"$TMP/serve.out" 2>"$TMP/serve.err" &
SERVER=$!
for _ in $(seq 50); do grep -q listening "$TMP/serve.out" 2>/dev/null && break; sleep 0.1; done
$BIN/yinxin-load --url http://127.0.0.1:$PORT --mode ocsp --body "$TMP/req.der" --concurrency "$CONCURRENCY" --requests 2000 >/dev/null
$BIN/yinxin-load --url http://127.0.0.1:$PORT --mode ocsp --body "$TMP/req.der" --concurrency "$CONCURRENCY" --requests "$REQUESTS" --max-seconds 120
$BIN/yinxin-load --url http://127.0.0.1:$PORT --mode tsa --body "$TMP/q.tsq" --concurrency 32 --requests 20000 --max-seconds 120

# Revocation visibility: revoke through the CLI (another process, as an operator would) and poll
# OCSP until the answer says revoked; prints the latency against the one-second target.
SERIAL=$(openssl x509 -in "$TMP/o/cert.pem" -noout -serial | cut -d= -f2)
START=$(date +%s%N)
$BIN/yinxin revoke --data-dir "$TMP/data" --reason keyCompromise "$SERIAL" >/dev/null
for _ in $(seq 1000); do
    if openssl ocsp -issuer "$TMP/data/ca/p256-issuing.pem" -cert "$TMP/o/cert.pem" -no_nonce \
        -url http://127.0.0.1:$PORT/ocsp -noverify 2>/dev/null | grep -q ": revoked"; then
        END=$(date +%s%N)
        echo "revocation visible in OCSP after $(((END - START) / 1000000)) ms (target < 1000 ms, CLI process start included)"
        break
    fi
    sleep 0.02
done
