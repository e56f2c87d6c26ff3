#!/usr/bin/env bash
# Records sample log lines of every decision kind from each bundled Fluentd release into
# fixtures/fluentd-logs/VERSION-decisions.log (what FluentdLogTests parses): runs the scenarios that make
# Fluentd take those decisions with `fwdlab run --agent fluentd:VERSION`, then keeps the first two lines per kind.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product fwdlab
scenarios=(standby-promotion hard-timeout-detach recover-wait ack-timeout-resend ack-storm-stays-bounded
  detach-reason-known buffer-overflow-during-long-outage rpc-flush-reload shared-key-mismatch-rejected
  never-reconnects-after-partition secondary-output)
patterns=("detached forwarding server '[^']*' host=.*phi=" "hard_timeout=true" "recovered forwarding" "using standby"
  "No nodes are available" "no response from node" "destination node closed" "failed to flush the buffer\."
  "Hit limit for retries" "retry succeeded" "buffer overflow" "restart fluentd worker" "now stopping"
  "got a correct ack" "getting response from" "writing a chunk to" "taking back chunk" "ack in response"
  "connection refused to" "starting fluentd-" "fluentd worker is now running")
for version in "${@:-1.16.9 1.16.11 1.18.0}"; do
  for v in $version; do
    out=$(mktemp -d)
    for s in "${scenarios[@]}"; do
      [ -f "fixtures/scenarios/$s.yaml" ] || continue
      .build/debug/fwdlab run "fixtures/scenarios/$s.yaml" --agent "fluentd:$v" --no-capture --out "$out" >/dev/null || true
    done
    dest="fixtures/fluentd-logs/$v-decisions.log"
    : > "$dest"
    for p in "${patterns[@]}"; do
      cat "$out"/*/fluentd-*.log | grep -E "$p" | head -n 2 >> "$dest" || true
    done
    echo "$dest: $(wc -l < "$dest") lines"
    rm -rf "$out"
  done
done
