#!/usr/bin/env python3
"""The doc test: every fenced block in README.md and docs/*.md carries a marker on the line before it, and the
runnable ones are run.

Markers (an HTML comment, invisible when rendered):
  <!-- doc-test: run [timeout=N] [lines=A-B] [before="COMMANDS"] [expect="TEXT"]... [reject="TEXT"]... -->
        run the block (or only its lines A to B, from 1) with bash (set -euo pipefail) from the repository root,
        after COMMANDS (what the text says must already run, e.g. a simulator); it must exit 0 within N seconds
        (default 60), print every expect TEXT and no reject TEXT.
  <!-- doc-test: output [timeout=N] -->   the block shows `$ COMMAND` and its output: the command is run and every
        non-empty line shown must be in what it prints (whitespace runs compared as one space).
  <!-- doc-test: skip: REASON -->   not run here, and why (a reason is required).

In a block, `swift run fwdlab …` and `fwdlab …` run the already built .build/debug/fwdlab (tools/test.sh builds
first) and `swift build …` does nothing; background jobs are killed when the block ends. Only loopback addresses
are used by the runnable blocks. Exit status 1 when a block fails or has no marker.
Usage: tools/doc-test.py [FILE.md ...]
"""
import glob
import os
import re
import shlex
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRELUDE = r"""
set -euo pipefail
cd "$DOC_ROOT"
export PATH="$DOC_ROOT/.build/debug:$PATH"
swift() {
  case "${1:-}" in
    run) shift; if [ "${1:-}" = fwdlab ]; then shift; fwdlab "$@"; else command swift run "$@"; fi ;;
    build) return 0 ;;
    *) command swift "$@" ;;
  esac
}
wait_port() { local n=0; until (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; do n=$((n + 1)); [ "$n" -lt 300 ] || { echo "doc-test: port $1 never opened" >&2; return 1; }; sleep 0.1; done; }
doc_cleanup() { local j; j=$(jobs -p); if [ -n "$j" ]; then kill $j 2>/dev/null || true; wait $j 2>/dev/null || true; fi; }
trap doc_cleanup EXIT
trap 'exit 143' TERM
"""

MARKER = re.compile(r"^<!--\s*doc-test:\s*(.*?)\s*-->\s*$")


def blocks(path):
    """(line of the opening fence, info string, body lines, marker text or None)."""
    lines = open(path, encoding="utf-8").read().split("\n")
    out, i = [], 0
    while i < len(lines):
        m = re.match(r"^(```+)(.*)$", lines[i])
        if not m:
            i += 1
            continue
        fence, info, start = m.group(1), m.group(2).strip(), i
        j = i + 1
        while j < len(lines) and not lines[j].startswith(fence):
            j += 1
        k = start - 1
        while k >= 0 and lines[k].strip() == "":
            k -= 1
        mm = MARKER.match(lines[k]) if k >= 0 else None
        out.append((start + 1, info, lines[start + 1:j], mm.group(1) if mm else None))
        i = j + 1
    return out


def options(text):
    """`run timeout=30 expect="a b"` → ("run", {"timeout": "30"}, ["a b"])."""
    words = shlex.split(text)
    kind, opts, expects = (words[0] if words else ""), {"reject": []}, []
    for w in words[1:]:
        key, _, value = w.partition("=")
        if key == "expect":
            expects.append(value)
        elif key == "reject":
            opts["reject"].append(value)
        else:
            opts[key] = value
    return kind, opts, expects


def run_bash(script, timeout):
    env = dict(os.environ, DOC_ROOT=ROOT)
    p = subprocess.Popen(["bash", "-c", PRELUDE + "\n" + script], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout)
        return p.returncode, out.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGTERM)
        try:
            out, _ = p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, _ = p.communicate()
        return None, out.decode("utf-8", "replace")
    finally:
        # Whatever the block left behind (a job bash did not reap) goes with its session.
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def squash(s):
    return re.sub(r"\s+", " ", s).strip()


def check(path, line, info, body, marker):
    where = f"{os.path.relpath(path, ROOT)}:{line}"
    if marker is None:
        return "FAIL", f"{where}: block has no doc-test marker (run, output, or skip: REASON)"
    if marker.startswith("skip"):
        reason = marker.partition(":")[2].strip()
        if not reason:
            return "FAIL", f"{where}: skip needs a reason (skip: REASON)"
        return "SKIP", f"{where}: {reason}"
    kind, opts, expects = options(marker)
    timeout = float(opts.get("timeout", "60"))
    started = time.monotonic()
    if kind == "run":
        script = body
        if "lines" in opts:
            a, _, b = opts["lines"].partition("-")
            if not a.isdigit() or (b and not b.isdigit()):
                return "FAIL", f"{where}: lines=A or lines=A-B with line numbers from 1"
            script = body[int(a) - 1:int(b or a)]
            if not script:
                return "FAIL", f"{where}: lines={opts['lines']} selects nothing in a {len(body)}-line block"
        rc, out = run_bash(opts.get("before", "") + "\n" + "\n".join(script), timeout)
        took = time.monotonic() - started
        if rc is None:
            return "FAIL", f"{where}: still running after {timeout:g} s\n{tail(out)}"
        if rc != 0:
            return "FAIL", f"{where}: exit status {rc}\n{tail(out)}"
        missing = [e for e in expects if e not in out]
        if missing:
            return "FAIL", f"{where}: output lacks {missing}\n{tail(out)}"
        found = [r for r in opts["reject"] if r in out]
        if found:
            return "FAIL", f"{where}: output has {found}\n{tail(out)}"
        return "OK", f"{where} ({took:.1f} s)"
    if kind == "output":
        if not body or not body[0].startswith("$ "):
            return "FAIL", f"{where}: an output block starts with `$ COMMAND`"
        rc, out = run_bash(body[0][2:], timeout)
        took = time.monotonic() - started
        if rc != 0:
            return "FAIL", f"{where}: `{body[0][2:]}` exit status {rc}\n{tail(out)}"
        printed = squash(out)
        missing = [l for l in body[1:] if l.strip() and squash(l) not in printed]
        if missing:
            return "FAIL", f"{where}: the command no longer prints {len(missing)} shown line(s), first: {missing[0].strip()}\n{tail(out)}"
        return "OK", f"{where} ({took:.1f} s)"
    return "FAIL", f"{where}: unknown doc-test marker '{marker}'"


def tail(out, n=15):
    lines = out.rstrip("\n").split("\n")
    return "\n".join("    | " + l for l in lines[-n:])


def main(argv):
    files = argv or [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
    counts = {"OK": 0, "SKIP": 0, "FAIL": 0}
    started = time.monotonic()
    for path in files:
        for line, info, body, marker in blocks(path):
            status, message = check(path, line, info, body, marker)
            counts[status] += 1
            print(f"{status:4} {message}", flush=True)
    print(f"doc test: {counts['OK']} run, {counts['SKIP']} skipped with a reason, {counts['FAIL']} failed "
          f"({time.monotonic() - started:.0f} s)")
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
