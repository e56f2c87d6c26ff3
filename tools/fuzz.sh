#!/usr/bin/env bash
# Coverage-guided fuzzing with libFuzzer (docs/fuzzing.md).
#
#   tools/fuzz.sh TARGET SECONDS [LIBFUZZER-FLAG...]   one target for SECONDS
#   tools/fuzz.sh all SECONDS [LIBFUZZER-FLAG...]      every target, one after another, SECONDS each
#   tools/fuzz.sh list                                 the targets
#   tools/fuzz.sh build                                only build fwdlab-fuzz
# FWDLAB_FUZZ_NO_BUILD=1 skips the build (tools/test.sh builds once, then runs two targets at a time).
#
# Prints one summary line per target on stdout ("fuzz: TARGET ok execs=... exec/s=... cov=... ft=... seconds=..." or
# "fuzz: TARGET FAILED (libFuzzer exit N) ..."), the details on stderr; `tools/fuzz.sh all 30` is the CI smoke run.
#
# Builds fwdlab-fuzz with libFuzzer and AddressSanitizer (-D FUZZING, -sanitize=fuzzer,address) in its own scratch
# path (.build-fuzz; the normal build is untouched), seeds the corpus from fixtures/ and the target's generated
# seeds, runs libFuzzer with -max_total_time=SECONDS and prints executions, exec/s and coverage. Exits non-zero when a
# target crashes, hangs (-timeout), runs out of memory or leaks; the input is left in .build-fuzz/artifacts/TARGET/.
# The corpus grows across runs in .build-fuzz/corpus/TARGET. Builds and fuzzers run under nice -n 19.
set -uo pipefail
cd "$(dirname "$0")/.."

scratch=${FWDLAB_FUZZ_SCRATCH:-.build-fuzz}
targets=(msgpack-scanner msgpack-reader forward-request forward-gzip forward-zstd server-ingest handshake config scenario dns pcap tcp)

usage() { echo "usage: tools/fuzz.sh TARGET|all SECONDS [libFuzzer flags] | tools/fuzz.sh list; targets: ${targets[*]}" >&2; exit 2; }

build() {
  echo "== fuzz: building fwdlab-fuzz with libFuzzer + ASan in $scratch" >&2
  local log
  log=$(mktemp)
  # -enable-testing: the server-ingest, handshake and dns targets reach internal entry points with @testable import.
  # LLVMFuzzerRunDriver is exported so the target's own main (SwiftPM defines `main` as the module's entry point)
  # can start libFuzzer.
  if ! nice -n 19 swift build -c release --product fwdlab-fuzz --scratch-path "$scratch" \
      -Xswiftc -DFUZZING -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -enable-testing \
      -Xlinker --export-dynamic-symbol=LLVMFuzzerRunDriver >"$log" 2>&1; then
    grep -v "Cannot export local symbol" "$log" | tail -40 >&2
    rm -f "$log"
    echo "== fuzz: build FAILED" >&2
    exit 1
  fi
  grep -E "error|warning: " "$log" | grep -v "Cannot export local symbol" >&2
  rm -f "$log"
}

# Writes the fixture seeds of one target into DIR.
fixture_seeds() {
  local target=$1 dir=$2
  hex_corpus() {  # the "hex" field of every line of the JSONL files given
    python3 - "$dir" "$@" <<'EOF'
import json, sys
out = sys.argv[1]
for path in sys.argv[2:]:
    for i, line in enumerate(open(path)):
        line = line.strip()
        if not line:
            continue
        h = json.loads(line).get("hex")
        if h is not None:
            open(f"{out}/{path.replace('/', '_')}-{i:03d}", "wb").write(bytes.fromhex(h))
EOF
  }
  case $target in
    msgpack-scanner|msgpack-reader|forward-request|server-ingest|handshake)
      hex_corpus fixtures/vectors/msgpack.jsonl fixtures/malformed/corpus.jsonl ;;
    config)
      find fixtures/configs -name '*.conf' -exec cp {} "$dir"/ \; ;;
    scenario)
      cp fixtures/scenarios/*.yaml fixtures/fault-check/*.yaml "$dir"/ ;;
    pcap)
      cp fixtures/pcaps/*.pcap fixtures/pcaps/*.pcapng "$dir"/ ;;
  esac
  if [ -d "fixtures/fuzz-regressions/$target" ]; then cp "fixtures/fuzz-regressions/$target"/* "$dir"/ 2>/dev/null; fi
  return 0
}

run_target() {
  local target=$1 seconds=$2
  shift 2
  local bin=$scratch/release/fwdlab-fuzz corpus=$scratch/corpus/$target seeds=$scratch/seeds/$target
  local artifacts=$scratch/artifacts/$target log=$scratch/logs/$target.log
  rm -rf "$seeds"
  mkdir -p "$corpus" "$seeds" "$artifacts" "$scratch/logs"
  fixture_seeds "$target" "$seeds"
  SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 FWDLAB_FUZZ_TARGET=$target FWDLAB_FUZZ_WRITE_SEEDS=$seeds FWDLAB_FUZZ_ROOT=$PWD \
    "$bin" >/dev/null
  # -max_len: 4096 covers every MessagePack format (lengths are checked before the payload is awaited, so a str32 or
  # a map32 header needs no 64 KB body) and several frames; 16384 for the text formats and for pcap (every synthetic
  # capture in fixtures/pcaps fits; the two real ones are cut either way; the target's reassembly cap is 4 KB).
  local max_len=4096 malloc_context=${FWDLAB_FUZZ_MALLOC_CONTEXT:-4}
  case $target in
    config|scenario|pcap) max_len=16384 ;;
  esac
  echo "== fuzz: $target for $seconds s ($(ls "$seeds" | wc -l) seeds, corpus $corpus)" >&2
  local start=$SECONDS status
  # SWIFT_BACKTRACE=enable=no: Swift's crash backtracer would otherwise hold a crashing fuzzer for minutes.
  # leak_check_at_exit=0: libFuzzer still checks every input for leaks (-detect_leaks=1); at exit LeakSanitizer would
  # also report the process's global state, which it cannot see through Swift's tagged pointers.
  # malloc_context_size=$malloc_context: ASan records the stack of every allocation and free; 30 frames (the default)
  # cost about a tenth of each execution, the detection is the same (FWDLAB_FUZZ_MALLOC_CONTEXT=30 for full stacks in a
  # report; docs/fuzzing.md).
  # -reload=0: one fuzzer per corpus, so there is nothing to reload; with reloading on, libFuzzer listed and stat-ed
  # the whole corpus directory (and read its newest files) every second in which it had added a file.
  SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=leak_check_at_exit=0:malloc_context_size=$malloc_context \
    FWDLAB_FUZZ_TARGET=$target FWDLAB_FUZZ_ROOT=$PWD \
    nice -n 19 "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=$max_len -reload=0 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "$@" "$corpus" "$seeds" >"$log" 2>&1
  status=$?
  local elapsed=$((SECONDS - start))
  local final execs rate cov ft
  final=$(grep -E '^#[0-9]+' "$log" | tail -1)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$final")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$final")
  echo "$final" >&2
  if [ "$status" -ne 0 ]; then
    grep -E "ERROR: |SUMMARY: |invariant broken|Fatal error|Test unit written|timeout after" "$log" | head -20 >&2
    echo "fuzz: $target FAILED (libFuzzer exit $status) execs=${execs:-?} exec/s=${rate:-?} cov=${cov:-?} ft=${ft:-?} seconds=$elapsed log=$log"
    return 1
  fi
  echo "fuzz: $target ok execs=${execs:-?} exec/s=${rate:-?} cov=${cov:-?} ft=${ft:-?} seconds=$elapsed"
}

[ $# -ge 1 ] || usage
case $1 in
  list) printf '%s\n' "${targets[@]}"; exit 0 ;;
  build) build; exit 0 ;;
esac
[ $# -ge 2 ] || usage
which=$1 seconds=$2
shift 2
[[ $seconds =~ ^[0-9]+$ ]] || usage
if [ "$which" = all ]; then
  selected=("${targets[@]}")
else
  printf '%s\n' "${targets[@]}" | grep -qx -- "$which" || usage
  selected=("$which")
fi

[ "${FWDLAB_FUZZ_NO_BUILD:-}" = 1 ] || build
failed=()
for t in "${selected[@]}"; do
  run_target "$t" "$seconds" "$@" || failed+=("$t")
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: FAILED targets: ${failed[*]}" >&2
  exit 1
fi
