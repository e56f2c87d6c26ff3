#!/usr/bin/env bash
# The test command: the whole Swift test suite (Swift Testing only).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test --skip-build --disable-xctest
