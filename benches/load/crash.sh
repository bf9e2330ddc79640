#!/usr/bin/env bash
# Many kill -9s (see BENCHMARKS.md): the crash tests of `cargo test` (tests/crash_issuance.rs:
# issuance; tests/crash_operations.rs: e-licence issuance and revocation at once) with ROUNDS
# kills per backend instead of a few — SQLite, and PostgreSQL when YINXIN_TEST_POSTGRES_URL is
# set (default: the local server's `test` database if it answers). Each test asserts 0 lost,
# 0 duplicate, every answer audited once, OCSP agreeing, the audit trail one chain.
# Usage: benches/load/crash.sh [ROUNDS]   (default 50)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-50}
if [ -z "${YINXIN_TEST_POSTGRES_URL:-}" ] && pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    export YINXIN_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test
fi
export YINXIN_CRASH_ROUNDS=$ROUNDS
cargo test --release --test crash_issuance --test crash_operations -- --nocapture --test-threads 1 2>&1 |
    grep -E "kills?,|answered, all stored|^test |test result|panicked"
