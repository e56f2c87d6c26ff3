#!/usr/bin/env bash
# The test command: the whole Swift test suite, then the default scenario suite.
# Tests run one at a time (--no-parallel): the fault and latency tests measure real timing on
# loopback (a 200 ms delay observed within a few ms), which parallel tests on 2 cores would blur.
# Serially the unit suite takes about a minute; the scenario suite about two.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test --skip-build --disable-xctest --no-parallel
.build/debug/fwdlab run fixtures/scenarios --no-capture --out "${FWDLAB_REPORTS:-reports}"
