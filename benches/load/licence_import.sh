#!/usr/bin/env bash
# Bulk import benchmark (see BENCHMARKS.md): a throw-away region (SQLite) with an agency (as
# licence.sh), a JSON-lines file of ROWS business licences (each a different company with a
# valid credit code, keyed by `external_key`), then `yinxin licence import` with --workers
# WORKERS (0: one per core) — the progress lines go to standard error, the summary (rows/s) to
# standard output — and a second run of the same file (every row skipped: resume).
# Usage: benches/load/licence_import.sh [ROWS] [WORKERS]   (YINXIN_BIN_DIR=DIR: use the binaries in DIR)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${1:-10000}
WORKERS=${2:-0}
# YINXIN_BIN_DIR=DIR runs the binaries in DIR instead (an A/B of two builds); else build them.
if [ -n "${YINXIN_BIN_DIR:-}" ]; then
    BIN=$YINXIN_BIN_DIR
else
    cargo build --release --bins >/dev/null
    BIN=${CARGO_TARGET_DIR:-target}/release
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export YINXIN_KEY_PASSPHRASE=load-benchmark-only-passphrase YINXIN_LANG=en
DATA="$TMP/data"
$BIN/yinxin init --data-dir "$DATA" --region load --name "Load test" >/dev/null
. benches/load/licence_agency.sh
make_agency "$BIN" "$DATA" "$TMP"
python3 - "$ROWS" >"$TMP/rows.jsonl" <<'PY'
import json, sys
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
def credit(first17):
    s = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS))
    return first17 + ALPHABET[(31 - s % 31) % 31]
for i in range(int(sys.argv[1])):
    print(json.dumps({
        "external_key": f"import-{i}",
        "credit_code": credit(f"91440101MA{i:07d}"),
        "name": f"广州导入测试{i}科技有限公司",
        "entity_type": "有限责任公司（自然人投资或控股）",
        "legal_representative": "张三",
        "business_scope": "软件开发；信息技术咨询服务；数据处理和存储支持服务。",
        "registered_capital": "100",
        "established": "2019-03-01",
        "domicile": f"广州市天河区示例路{i}号",
    }, ensure_ascii=False))
PY
run() {
    $BIN/yinxin licence import --data-dir "$DATA" --agency $AGENCY --cert "$SERIAL" \
        --kind business-licence --workers "$WORKERS" "$TMP/rows.jsonl"
}
echo "import of $ROWS rows, --workers $WORKERS"
run
echo "again (resume: every row skipped)"
run
