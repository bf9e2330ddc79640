#!/usr/bin/env bash
# Fuzz every target for SECONDS each (default 60): seeds the corpora (seeds.sh), then runs
# `cargo +nightly fuzz run <target> fuzz/corpus/<target>` from the repository root, prints per
# target the executions (libFuzzer's final `stat::number_of_executed_units`) and whether it
# crashed, then a summary table. Crash inputs (crash-, leak-, timeout-, oom- artifacts) are
# copied to fuzz/regressions/<target>/, where tests/fuzz_regressions.rs runs them. Logs are
# kept in fuzz/artifacts/logs/<target>.log. The CPU seconds of each run are printed beside
# its wall time (with /usr/bin/time, when installed).
#
# Exits non-zero when a target crashed or could not be built or run.
#
# Usage: fuzz/run-all.sh [SECONDS] [TARGET...]     (all targets when none is named)
# FUZZ_RUNS=N also stops a target after N executions (libFuzzer -runs), so that
# `FUZZ_RUNS=10000000 fuzz/run-all.sh 3600` runs each target to 10^7 executions or an hour,
# whichever comes first. FUZZ_FLAGS adds cargo-fuzz build flags (e.g. "-s none -a": no
# sanitizer, debug assertions on, for long campaigns).
# Needs: a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
set -uo pipefail

secs=${1:-60}
shift || true
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cd "$root" || exit 2

case "$secs" in
'' | *[!0-9]*)
    echo "usage: fuzz/run-all.sh [SECONDS] [TARGET...]" >&2
    exit 2
    ;;
esac

"$here/seeds.sh" >/dev/null || {
    echo "run-all.sh: seeds.sh failed" >&2
    exit 2
}

if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' "$here/Cargo.toml" | grep -v '^yinxin-fuzz$')
fi

logs=$here/artifacts/logs
mkdir -p "$logs"
rows=()
failed=0

for t in "${targets[@]}"; do
    mkdir -p "$here/corpus/$t" "$here/artifacts/$t"
    marker=$(mktemp)
    start=$(date +%s)
    echo "== $t: ${secs}s"
    cpufile=$(mktemp)
    timer=()
    [ -x /usr/bin/time ] && timer=(/usr/bin/time -f '%U %S' -o "$cpufile")
    # shellcheck disable=SC2086
    "${timer[@]}" cargo +nightly fuzz run -O ${FUZZ_FLAGS:-} "$t" "fuzz/corpus/$t" -- \
        -max_total_time="$secs" ${FUZZ_RUNS:+-runs="$FUZZ_RUNS"} \
        -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        >"$logs/$t.log" 2>&1
    rc=$?
    elapsed=$(($(date +%s) - start))
    # CPU seconds (user + system) of the run, which includes the build check: on a shared
    # machine the wall time alone overstates the fuzzing a target received.
    cpu=$(awk 'NF == 2 && $1 ~ /^[0-9.]+$/ {printf "%d", $1 + $2}' "$cpufile" 2>/dev/null)
    cpu=${cpu:-?}
    rm -f "$cpufile"
    execs=$(grep 'stat::number_of_executed_units' "$logs/$t.log" | tail -n 1 | awk '{print $2}')
    execs=${execs:-0}
    found=()
    while IFS= read -r -d '' f; do
        found+=("$f")
    done < <(find "$here/artifacts/$t" -maxdepth 1 -type f \
        \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) \
        -newer "$marker" -print0)
    rm -f "$marker"
    if [ ${#found[@]} -gt 0 ]; then
        mkdir -p "$here/regressions/$t"
        cp "${found[@]}" "$here/regressions/$t/"
        names=$(for f in "${found[@]}"; do basename "$f"; done | paste -sd ' ')
        status="CRASH (${#found[@]}: $names)"
        failed=1
    elif [ $rc -ne 0 ]; then
        status="ERROR (exit $rc, see fuzz/artifacts/logs/$t.log)"
        failed=1
    else
        status="ok"
    fi
    echo "   executions: $execs, ${elapsed}s wall, ${cpu}s CPU, $status"
    rows+=("$(printf '| %-15s | %12s | %6ss | %6ss | %s |' "$t" "$execs" "$elapsed" "$cpu" "$status")")
done

echo
echo "| target          |   executions |    wall |     CPU | crashes |"
echo "|-----------------|--------------|---------|---------|---------|"
printf '%s\n' "${rows[@]}"
if [ $failed -ne 0 ]; then
    echo
    echo "Crash inputs were copied to fuzz/regressions/<target>/; reproduce one with"
    echo "  cargo +nightly fuzz run <target> fuzz/regressions/<target>/<file>"
fi
exit $failed
