#!/usr/bin/env bash
# The test command: the whole Swift test suite, the default scenario suite, then real Fluentd: the receiver
# differential (fwdlab receiver vs in_forward 1.16.9, frame by frame) and the fidelity subset (the Swift agent's
# decisions vs Fluentd 1.16.9's on the same scenarios). Every step runs even when an earlier one failed; the run
# fails if any step did, and the closing lines say which.
# Tests run one at a time (--no-parallel): the fault and latency tests measure real timing on loopback (a 200 ms delay
# observed within a few ms), which parallel tests on 2 cores would blur.
set -uo pipefail
cd "$(dirname "$0")/.."
reports=${FWDLAB_REPORTS:-reports}
failed=()
step() {
  local name=$1
  shift
  echo "== $name: $*" >&2
  local start=$SECONDS
  if "$@"; then
    echo "== $name: ok ($((SECONDS - start)) s)" >&2
  else
    echo "== $name: FAILED ($((SECONDS - start)) s)" >&2
    failed+=("$name")
  fi
}

swift build --build-tests || { echo "== build: FAILED" >&2; exit 1; }
# The libFuzzer + AddressSanitizer build of the fuzz targets (its own scratch path, .build-fuzz), before the timed steps
# like the build above.
tools/fuzz.sh build || { echo "== fuzz build: FAILED" >&2; exit 1; }
step "swift tests" swift test --skip-build --disable-xctest --no-parallel
# As root every scenario also takes a loopback capture and evaluates its wire expectations; without root the runner
# prints a note and reports them SKIP, which --strict accepts only where the scenario declares it (may_skip: capture).
# Any other SKIP fails the step.
step "scenario suite" .build/debug/fwdlab run fixtures/scenarios --strict --out "$reports"
# The mutation check on a subset that fits the budget: the detector-timing scenario must kill each of these mutants
# (the whole library's matrix: `fwdlab run fixtures/scenarios --mutants`, docs/scenarios.md).
step "mutation check subset" .build/debug/fwdlab run fixtures/scenarios/phi-idle-detach-from-last-heartbeat.yaml --mutants \
  --mutant phi_threshold_x2 --mutant phi_threshold_div2 --mutant heartbeat_interval_x2 --mutant heartbeat_interval_div2 \
  --mutant phi_detector_off --out "$reports/mutants"
# The three-minute fault soak (docs/soak.md: every receiver fault, DNS changes, RPC flushes, reloads, kill -9 of the
# agent; acked loss, RSS/fd growth, stuck states) and the fuzz smoke run (every target 30 s, two at a time under
# nice 19, docs/fuzzing.md) side by side: the soak is mostly waiting on its schedule and judges no sub-second timing,
# and the fuzzers only take the CPU it leaves.
fault_soak() { .build/debug/fwdlab soak --minutes 3 --seed "${FWDLAB_SOAK_SEED:-1}" --out "$reports/soak"; }
fuzz_smoke() { tools/fuzz.sh list | xargs -P 2 -I{} env FWDLAB_FUZZ_NO_BUILD=1 tools/fuzz.sh {} 30; }
soak_rc=$(mktemp)
( if fault_soak; then echo ok >"$soak_rc"; fi ) &
soak_job=$!
echo "== fault soak (3 min): started beside the fuzz smoke run" >&2
soak_start=$SECONDS
step "fuzz smoke (30 s per target)" fuzz_smoke
wait "$soak_job"
if [ "$(cat "$soak_rc")" = ok ]; then
  echo "== fault soak (3 min): ok ($((SECONDS - soak_start)) s)" >&2
else
  echo "== fault soak (3 min): FAILED ($((SECONDS - soak_start)) s)" >&2
  failed+=("fault soak")
fi
rm -f "$soak_rc"
step "receiver differential" .build/debug/fwdlab fidelity-receiver --against fluentd:1.16.9 --out "$reports/fidelity-receiver"
# The subset covers every heartbeat type (udp, tcp, transport, none), crash idle and under traffic with and without
# acks, pause (shorter than the ack timeout: decisions that do not depend on thread phases or the balancer's
# shuffle, see primary-paused-shorter-than-ack-timeout), standby promotion and demotion, never-acking nodes, hard_timeout, recover_wait, secondary, TLS, the
# shared-key handshake, RPC, DNS answers changing (as root), a middlebox closing an idle keepalive socket, a Fluent Bit 5
# sender's metadata entries and file service discovery; the full library runs with `fwdlab fidelity fixtures/scenarios` (docs/fidelity.md).
subset=(standby-promotion standby-demoted-after-recovery phi-detach-udp-heartbeat phi-detach-tcp-heartbeat
  connection-churn-without-keepalive primary-killed-idle primary-killed-under-traffic-no-ack
  primary-paused-shorter-than-ack-timeout hard-timeout-detach recover-wait never-acks-with-standby never-acks-beside-active-node
  secondary-output tls-transport shared-key-handshake rpc-flush-reload dns-round-robin-change
  keepalive-idle-close-by-middlebox fluent-bit-5-sender-relayed file-discovery-moves-traffic)
files=()
for s in "${subset[@]}"; do files+=("fixtures/scenarios/$s.yaml"); done
step "fidelity subset" .build/debug/fwdlab fidelity "${files[@]}" --against fluentd:1.16.9 --out "$reports/fidelity"

# Every fenced block of README.md and docs/*.md: run (and its quoted output checked) or marked skip with a reason.
step "doc test" python3 tools/doc-test.py

if [ "${#failed[@]}" -gt 0 ]; then
  echo "FAILED steps: ${failed[*]}" >&2
  exit 1
fi
echo "all steps passed" >&2
