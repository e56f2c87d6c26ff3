#!/usr/bin/env bash
# Re-records the golden captures of real scenario runs (fixtures/pcaps/real-*.pcap) with their expected analyzer
# output (.expected.json / .expected.txt) and the agent's side of the failover (.agent-failover.json, the run's
# failover-agreement.json). Needs root: the scenario runner captures on lo only then.
#
# Real runs differ in timestamps, ephemeral ports and chunk ids, so a re-recording rewrites every file; review the
# failover timeline at the end of each .expected.txt before committing.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
  echo "record-golden-captures: needs root (live capture on lo)" >&2
  exit 1
fi
swift build --product fwdlab
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# scenario file : fixture name
for pair in "standby-promotion:real-standby-promotion" "phi-detach-udp-heartbeat:real-phi-detach-udp"; do
  scenario=${pair%%:*}
  name=${pair##*:}
  .build/debug/fwdlab run "fixtures/scenarios/$scenario.yaml" --out "$out/$scenario"
  run=$(ls -d "$out/$scenario"/*/ | head -n 1)
  cp "$run/capture.pcap" "fixtures/pcaps/$name.pcap"
  cp "$run/failover-agreement.json" "fixtures/pcaps/$name.pcap.agent-failover.json"
  .build/debug/fwdlab pcap inspect "fixtures/pcaps/$name.pcap" --json > "fixtures/pcaps/$name.pcap.expected.json"
  .build/debug/fwdlab pcap inspect "fixtures/pcaps/$name.pcap" > "fixtures/pcaps/$name.pcap.expected.txt"
  echo "$name.pcap: $(stat -c %s "fixtures/pcaps/$name.pcap") bytes"
done
