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

Figures quoted in the text (counts, times, rates) that a command produces carry a marker before the paragraph or
table that quotes them:
  <!-- doc-figure: cmd="COMMAND" measured="REGEX" quoted="REGEX" [tolerance=N|N%] [timeout=S] -->
        COMMAND runs as a block does; `measured` (a regex whose groups are numbers) is searched in its output and
        `quoted` in the paragraph or table that follows the marker (its lines joined by spaces); each quoted number must be within the tolerance (default 0,
        exact; the text says so where it is not) of the measured one, in group order. A figure that cannot be
        re-measured here (a release-build benchmark, a CI duration) says in the text which command wrote it and when,
        and carries no marker.

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


FIGURE = re.compile(r"^<!--\s*doc-figure:\s*(.*?)\s*-->\s*$")


def figures(path):
    """(line of the marker, marker text, the quoting line) for every doc-figure marker outside fenced blocks."""
    lines = open(path, encoding="utf-8").read().split("\n")
    out, fenced = [], False
    for i, l in enumerate(lines):
        if l.startswith("```"):
            fenced = not fenced
            continue
        m = None if fenced else FIGURE.match(l)
        if not m:
            continue
        j = i + 1
        while j < len(lines) and (lines[j].strip() == "" or FIGURE.match(lines[j])):
            j += 1
        k = j
        while k < len(lines) and lines[k].strip() != "" and not FIGURE.match(lines[k]):
            k += 1
        out.append((i + 1, m.group(1), " ".join(l.strip() for l in lines[j:k])))
    return out


def numbers(regex, text):
    m = re.search(regex, text)
    if not m:
        return None
    groups = m.groups() or (m.group(0),)
    try:
        return [float(g.replace(",", "")) for g in groups]
    except (AttributeError, ValueError):
        return None


def check_figure(path, line, marker, quoting):
    where = f"{os.path.relpath(path, ROOT)}:{line}"
    try:
        opts = dict(w.partition("=")[::2] for w in shlex.split(marker))
    except ValueError as e:
        return "FAIL", f"{where}: unreadable doc-figure marker ({e})"
    for key in ("cmd", "measured", "quoted"):
        if not opts.get(key):
            return "FAIL", f"{where}: doc-figure needs {key}=\"…\""
    quoted = numbers(opts["quoted"], quoting)
    if quoted is None:
        return "FAIL", f"{where}: the text after the marker no longer quotes /{opts['quoted']}/: {quoting.strip()[:160]}"
    started = time.monotonic()
    rc, out = run_bash(opts["cmd"], float(opts.get("timeout", "60")))
    if rc != 0:
        return "FAIL", f"{where}: `{opts['cmd']}` exit status {rc}\n{tail(out)}"
    measured = numbers(opts["measured"], out)
    if measured is None or len(measured) != len(quoted):
        return "FAIL", f"{where}: `{opts['cmd']}` printed nothing matching /{opts['measured']}/ with {len(quoted)} number(s)\n{tail(out)}"
    tol = opts.get("tolerance", "0")
    off = []
    for q, m in zip(quoted, measured):
        limit = abs(m) * float(tol[:-1]) / 100 if tol.endswith("%") else float(tol)
        if abs(q - m) > limit:
            off.append(f"quoted {q:g}, measured {m:g}")
    if off:
        return "FAIL", f"{where}: figure outside ±{tol}: {'; '.join(off)} (`{opts['cmd']}`)"
    shown = ", ".join(f"{q:g}" for q in quoted)
    return "OK", f"{where}: figure {shown} as measured ({time.monotonic() - started:.1f} s)"


def main(argv):
    if argv[:1] == ["--count"]:
        files = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
        kinds = [(m or "").split()[0] if (m or "").split() else "none" for f in files for _, _, _, m in blocks(f)]
        marks = sum(len(figures(f)) for f in files)
        print(f"blocks: {sum(k in ('run', 'output') for k in kinds)} run, {sum(k.startswith('skip') for k in kinds)} skipped; figures: {marks}")
        return 0
    files = argv or [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
    counts = {"OK": 0, "SKIP": 0, "FAIL": 0}
    started = time.monotonic()
    for path in files:
        for line, info, body, marker in blocks(path):
            status, message = check(path, line, info, body, marker)
            counts[status] += 1
            print(f"{status:4} {message}", flush=True)
    figure_counts = {"OK": 0, "FAIL": 0}
    for path in files:
        for line, marker, quoting in figures(path):
            status, message = check_figure(path, line, marker, quoting)
            figure_counts[status] += 1
            print(f"{status:4} {message}", flush=True)
    print(f"doc test: {counts['OK']} run, {counts['SKIP']} skipped with a reason, {counts['FAIL']} failed; "
          f"{figure_counts['OK']} figures as measured, {figure_counts['FAIL']} off "
          f"({time.monotonic() - started:.0f} s)")
    return 1 if counts["FAIL"] or figure_counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
