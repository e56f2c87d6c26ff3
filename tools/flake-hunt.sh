#!/usr/bin/env bash
# Runs the Swift test suite N times and prints how often each test failed (a flake is a bug: fix it, never retry).
# Usage: tools/flake-hunt.sh N [--filter REGEX]   (logs in ${FWDLAB_REPORTS:-reports}/flake-hunt/run-K.log)
set -uo pipefail
cd "$(dirname "$0")/.."
n=${1:-}
if ! [[ "$n" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: tools/flake-hunt.sh N [--filter REGEX]  (N ≥ 1 runs of the Swift test suite)" >&2
  exit 64
fi
shift
filter=()
if [ "${1:-}" = "--filter" ]; then
  [ -n "${2:-}" ] || { echo "flake-hunt: --filter needs a regular expression" >&2; exit 64; }
  filter=(--filter "$2")
fi
dir=${FWDLAB_REPORTS:-reports}/flake-hunt
mkdir -p "$dir"
swift build --build-tests >"$dir/build.log" 2>&1 || { echo "flake-hunt: build failed, see $dir/build.log" >&2; exit 1; }
failed_runs=0
: >"$dir/failures.txt"
for k in $(seq 1 "$n"); do
  start=$SECONDS
  # Without a terminal swift-testing prints plain lines: "✘ Test NAME failed after …".
  swift test --skip-build --disable-xctest --no-parallel "${filter[@]}" >"$dir/run-$k.log" 2>&1
  rc=$?
  fails=$(grep -E '^✘ Test .* failed after' "$dir/run-$k.log" | sed -E 's/^✘ Test (.*) failed after.*/\1/' | sort -u)
  summary=$(grep -E '^(✔|✘) Test run with' "$dir/run-$k.log" | tail -1)
  if [ "$rc" -ne 0 ]; then
    failed_runs=$((failed_runs + 1))
    if [ -z "$fails" ]; then fails="(run exited $rc without a failed test: see run-$k.log)"; fi
    printf '%s\n' "$fails" >>"$dir/failures.txt"
  fi
  echo "run $k/$n: rc=$rc $((SECONDS - start)) s ${summary:-no summary line}"
done
echo "== $failed_runs of $n runs failed"
if [ -s "$dir/failures.txt" ]; then
  echo "== failures per test:"
  sort "$dir/failures.txt" | uniq -c | sort -rn
fi
[ "$failed_runs" -eq 0 ]
