#!/usr/bin/env bash
# The test command: the whole Swift test suite, then the default scenario suite.
# Tests run one at a time (--no-parallel): the fault and latency tests measure real timing on
# loopback (a 200 ms delay observed within a few ms), which parallel tests on 2 cores would blur.
# Serially the unit suite takes about a minute; the scenario suite about two.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test --skip-build --disable-xctest --no-parallel
# As root every scenario also takes a loopback capture and evaluates its wire expectations (measured: the suite
# takes about the same time with and without, ~130 s); without root the runner prints a note and reports them SKIP.
.build/debug/fwdlab run fixtures/scenarios --out "${FWDLAB_REPORTS:-reports}"
