#!/usr/bin/env bash
# Cross-region verifications/s at region B with warm caches: region A issues an organization
# certificate and seals an OFD; B recognizes A through its signed trust list, and a region-peer
# caller posts them to B's /v1/verify. B's revocation cache (OCSP/CRL from A's listed supply
# points) is warm after the first request; A keeps running. See BENCHMARKS.md.
# After each phase: B's CPU time per verification (user + system of B's process over the
# phase, divided by the verifications), the figure to compare builds by on a shared machine,
# where the requests/s also depend on how the cores are split with A, the load generator and
# whatever else runs.
# Usage: benches/load/federation.sh [REQUESTS] [CONCURRENCY]
set -euo pipefail
cd "$(dirname "$0")/../.."
REQUESTS=${1:-20000}
CONCURRENCY=${2:-32}
PA=${PA:-18461}
PB=${PB:-18462}
# YINXIN_BIN_DIR=DIR runs the binaries in DIR instead (an A/B of two builds); else build them.
if [ -n "${YINXIN_BIN_DIR:-}" ]; then
    BIN=$YINXIN_BIN_DIR
else
    cargo build --release --bins >/dev/null
    BIN=target/release
fi
TMP=$(mktemp -d)
trap 'kill $SA $SB 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$TMP"' EXIT
export YINXIN_KEY_PASSPHRASE=load-benchmark-only-passphrase
# One load generator on loopback is one client address: lift the per-address connection cap
# and the anonymous per-address limits of OCSP and the TSA (0 = not limited).
export YINXIN_MAX_CONNECTIONS_PER_ADDRESS=100000 YINXIN_OCSP_RATE_LIMIT_PER_SECOND=0 \
    YINXIN_TSA_RATE_LIMIT_PER_SECOND=0
$BIN/yinxin init --data-dir "$TMP/a" --region ra --name "Region A" --public-base-url http://127.0.0.1:$PA >/dev/null
$BIN/yinxin init --data-dir "$TMP/b" --region rb --name "Region B" --public-base-url http://127.0.0.1:$PB >/dev/null
$BIN/yinxin trust-list publish --data-dir "$TMP/a" >/dev/null
PIN=$($BIN/yinxin trust-list show --data-dir "$TMP/a" | sed -n 's/.*"sm2": *"\([0-9a-f]*\)".*/\1/p')
cat >"$TMP/b/policies/trust.toml" <<TOML
[list.assurance_levels]
"1.3.6.1.4.1.32473.1.2.3" = "high"
[[peer]]
region = "ra"
list_url = "http://127.0.0.1:$PA/v1/trust-list"
signer_sha256 = ["$PIN"]
accept = ["certificates", "seals"]
[peer.assurance_map]
"1.3.6.1.4.1.32473.1.2.3" = "1.3.6.1.4.1.32473.1.2.3"
TOML
echo '{"name":"Federation load","credit_code":"91350100M000100Y43"}' >"$TMP/o.json"
$BIN/yinxin issue --data-dir "$TMP/a" --profile organization --algorithm sm2 \
    --csr fixtures/csr/test-sm2.csr.pem --subject "$TMP/o.json" --out "$TMP/o" >/dev/null
PEER=$($BIN/yinxin token create --data-dir "$TMP/b" --role region-peer | sed -n 's/.*"token": *"\([^"]*\)".*/\1/p')
YINXIN_LOG=warn $BIN/yinxin serve --data-dir "$TMP/a" --listen 127.0.0.1:$PA >"$TMP/a.out" 2>/dev/null &
SA=$!
YINXIN_PEER_RATE_LIMIT_PER_SECOND=1000000 YINXIN_PEER_RATE_LIMIT_BURST=1000000 \
    YINXIN_LOG=warn $BIN/yinxin serve --data-dir "$TMP/b" --listen 127.0.0.1:$PB >"$TMP/b.out" 2>/dev/null &
SB=$!
for _ in $(seq 100); do grep -q listening "$TMP/a.out" 2>/dev/null && grep -q listening "$TMP/b.out" 2>/dev/null && break; sleep 0.1; done
# B's startup sync may have run before A listened: sync now.
ADMIN=$($BIN/yinxin token create --data-dir "$TMP/b" --role admin | sed -n 's/.*"token": *"\([^"]*\)".*/\1/p')
curl -sf -X POST -H "authorization: Bearer $ADMIN" "http://127.0.0.1:$PB/v1/trust/peers/sync" >/dev/null
curl -sf -X POST -H "content-type: application/octet-stream" --data-binary @"$TMP/o/cert.pem" \
    "http://127.0.0.1:$PB/v1/verify" | grep -q '"indication":"TOTAL_PASSED"' \
    || { echo "warm-up verification did not pass"; exit 1; }
echo "certificate of region A verified at region B (recognized via A's trust list):"
# B's CPU time so far, in clock ticks (utime + stime of /proc/PID/stat).
ticks() { awk '{print $14 + $15}' "/proc/$SB/stat"; }
# Runs yinxin-load with the arguments and prints B's CPU microseconds per verification.
measured() {
    local before out after n
    before=$(ticks)
    out=$($BIN/yinxin-load "$@")
    after=$(ticks)
    echo "$out"
    n=$(echo "$out" | sed -n 's/.*"ok":\([0-9]*\).*/\1/p')
    echo "region B CPU per verification: $(((after - before) * 1000000 / $(getconf CLK_TCK) / n)) µs"
}
measured --url http://127.0.0.1:$PB --mode verify --body "$TMP/o/cert.pem" --token "$PEER" \
    --expect-body '"indication":"TOTAL_PASSED"' --concurrency "$CONCURRENCY" --requests "$REQUESTS" --max-seconds 120

# Phase 2: an OFD sealed in region A (SM2 seal, server-side stamping, timestamp by A's TSA)
# verified at B: the seven seal steps, three chains (signer, seal maker, TSU) each with
# revocation from A's listed supply points, and the trust-list review of each.
json() { python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }
echo signer-key-passphrase >"$TMP/kp.txt"
SER=$($BIN/yinxin issue --data-dir "$TMP/a" --profile organization --algorithm sm2 --generate-key \
    --key-passphrase-file "$TMP/kp.txt" --subject "$TMP/o.json" --out "$TMP/s" | json serial)
SEAL_ADMIN=$($BIN/yinxin token create --data-dir "$TMP/a" --role seal-admin --org 91350100M000100Y43 | json token)
SIGNER=$($BIN/yinxin token create --data-dir "$TMP/a" --role signer --cert "$SER" --key "$TMP/s/key.pem" \
    --key-passphrase-file "$TMP/kp.txt" | json token)
SEAL=$(curl -sf -H "authorization: Bearer $SEAL_ADMIN" -H 'content-type: application/json' \
    -d "{\"holder\":\"91350100M000100Y43\",\"type\":\"official\",\"name\":\"Federation load\",\"signers\":[\"$SER\"],\"picture_png_base64\":\"$(base64 -w0 fixtures/ofd/test-seal-picture.png)\"}" \
    "http://127.0.0.1:$PA/v1/seals" | json id)
curl -sf -H "authorization: Bearer $SIGNER" -H 'content-type: application/octet-stream' \
    --data-binary @fixtures/ofd/unsigned-contract.ofd -o "$TMP/sealed.ofd" \
    "http://127.0.0.1:$PA/v1/documents/seal?seal=$SEAL&page=1&x=120&y=200"
curl -sf -H "content-type: application/octet-stream" --data-binary @"$TMP/sealed.ofd" \
    "http://127.0.0.1:$PB/v1/verify" | grep -q '"indication":"TOTAL_PASSED"' \
    || { echo "warm-up OFD verification did not pass"; exit 1; }
echo "OFD sealed in region A verified at region B:"
measured --url http://127.0.0.1:$PB --mode verify --body "$TMP/sealed.ofd" --token "$PEER" \
    --expect-body '"indication":"TOTAL_PASSED"' --concurrency "$CONCURRENCY" --requests "$((REQUESTS / 4))" --max-seconds 120
