#!/usr/bin/env python3
"""Prints the figures the docs quote, for the doc test's doc-figure markers: from what an earlier step of
tools/test.sh wrote under reports/ (or $FWDLAB_REPORTS), so they are checked against the same run without measuring
twice, and counts that need more than a shell line (the fixtures, tools/test.sh, the built binary's own lists).
Usage: tools/report-figures.py receiver-differential|malformed-corpus|fault-kinds|mutants|fidelity-subset|golden-captures
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FWDLAB = os.path.join(ROOT, ".build", "debug", "fwdlab")

REPORTS = os.environ.get("FWDLAB_REPORTS", "reports")


def receiver_differential():
    path = os.path.join(REPORTS, "fidelity-receiver", "receiver-fidelity.json")
    if not os.path.exists(path):
        sys.exit(f"{path} is missing: the receiver differential step of tools/test.sh writes it "
                 "(fwdlab fidelity-receiver --against fluentd:1.16.9 --out reports/fidelity-receiver)")
    rows = json.load(open(path))["rows"]
    count = {s: sum(r["status"] == s for r in rows) for s in ("same", "differ", "explained")}
    origin = {o: sum(r["origin"] == o for r in rows) for o in ("corpus", "generated")}
    restarts = json.load(open(path)).get("fluentdRestarts", 0)
    print(f"{len(rows)} frames: {count['same']} agree, {count['differ']} differ, {count['explained']} explained; "
          f"{origin['corpus']} corpus, {origin['generated']} generated; Fluentd restarted {restarts} time(s)")


def malformed_corpus():
    """The rows of fixtures/malformed/corpus.jsonl by their `expect` label (what in_forward 1.16.9 does)."""
    rows = [json.loads(l) for l in open(os.path.join(ROOT, "fixtures", "malformed", "corpus.jsonl")) if l.strip()]
    count = {e: sum(r["expect"] == e for r in rows) for e in ("close", "ignore", "accept", "incomplete")}
    print(f"{len(rows)} frames: {count['close']} close, {count['ignore']} ignore, {count['accept']} accept, "
          f"{count['incomplete']} incomplete")


def known_list(args, what):
    """The names the built fwdlab lists when it refuses an unknown one (`... (known: a, b, c)`)."""
    out = subprocess.run([FWDLAB] + args, cwd=ROOT, capture_output=True, text=True, timeout=30)
    m = re.search(r"\(known: ([^)]*)\)", out.stdout + out.stderr)
    if not m:
        sys.exit(f"fwdlab {' '.join(args)} listed no known {what}:\n{out.stdout}{out.stderr}")
    return [n.strip() for n in m.group(1).split(",") if n.strip()]


def fault_kinds():
    with tempfile.TemporaryDirectory() as d:
        topology = os.path.join(d, "topology.yaml")
        with open(topology, "w") as f:
            f.write("receivers:\n  - name: a\n    port: 0\n    faults:\n      - kind: no-such-kind\n")
        kinds = known_list(["simulate", "--config", topology, "--control", "127.0.0.1:0"], "fault kinds")
    print(f"{len(kinds)} fault kinds")


def mutants():
    names = known_list(["run", "fixtures/scenarios/standby-promotion.yaml", "--mutants", "--mutant", "no-such-mutant"],
                       "mutants")
    print(f"{len(names)} mutants")


def fidelity_subset():
    """The scenarios of the fidelity subset step: the `subset=(...)` array of tools/test.sh."""
    m = re.search(r"^subset=\(([^)]*)\)", open(os.path.join(ROOT, "tools", "test.sh")).read(), re.M)
    if not m:
        sys.exit("tools/test.sh has no subset=(...) array")
    print(f"{len(m.group(1).split())} scenarios in the fidelity subset")


def golden_captures():
    files = sorted(glob.glob(os.path.join(ROOT, "fixtures", "pcaps", "*.pcap"))
                   + glob.glob(os.path.join(ROOT, "fixtures", "pcaps", "*.pcapng")))
    real = sorted((f for f in files if os.path.basename(f).startswith("real-")), reverse=True)  # the README's order
    sizes = ", ".join(f"{os.path.basename(f)} {round(os.path.getsize(f) / 1024)} KiB" for f in real)
    print(f"{len(files) - len(real)} synthetic, {len(real)} recorded: {sizes}")


FIGURES = {"receiver-differential": receiver_differential, "malformed-corpus": malformed_corpus,
           "fault-kinds": fault_kinds, "mutants": mutants, "fidelity-subset": fidelity_subset,
           "golden-captures": golden_captures}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in FIGURES:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(FIGURES)}")
    FIGURES[sys.argv[1]]()
