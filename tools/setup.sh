#!/usr/bin/env bash
# One-time set-up for a fresh Debian machine that already has Swift 6.1+ on PATH.
# Installs the system libraries and tools ForwardLab builds against and tests with.
set -euo pipefail

packages=(
  libpcap-dev        # CPcap: live capture
  tcpdump tshark     # golden-capture cross-checks, Lua dissector test
  iproute2 nftables  # network namespaces and partitions
  libc-ares-dev      # agent DNS queries to a chosen nameserver
  libzstd-dev        # CZstd: zstd CompressedPackedForward (Fluentd 1.19 profile)
  python3-msgpack python3-fluent-logger  # interop clients for the system python3
  zlib1g-dev
  curl               # the README's control-API example, run by the doc test
  chromium           # renders report.html in the report test
  # Real Fluentd (the bundled releases under FWDLAB_FLUENTD_HOME) on Debian's own Ruby and gems: docs/fluentd-host.md
  ruby ruby-msgpack ruby-yajl ruby-cool.io ruby-serverengine ruby-sigdump ruby-http-parser.rb ruby-tzinfo
  ruby-strptime ruby-webrick ruby-concurrent ruby-console
)

export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  # tshark asks whether non-root users may capture; answer no without a prompt.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The python3 first on PATH may not be Debian's: give it the same interop clients.
if ! python3 -c 'import msgpack, fluent' 2>/dev/null; then
  echo "setup: pip installing msgpack and fluent-logger for $(command -v python3)" >&2
  python3 -m pip install -q msgpack fluent-logger
fi
echo "setup: done" >&2
