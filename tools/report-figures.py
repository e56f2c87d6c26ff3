#!/usr/bin/env python3
"""Prints the figures the docs quote from what an earlier step of tools/test.sh wrote under reports/ (or
$FWDLAB_REPORTS), so the doc test can check them against the same run without measuring twice.
Usage: tools/report-figures.py receiver-differential
"""
import json
import os
import sys

REPORTS = os.environ.get("FWDLAB_REPORTS", "reports")


def receiver_differential():
    path = os.path.join(REPORTS, "fidelity-receiver", "receiver-fidelity.json")
    if not os.path.exists(path):
        sys.exit(f"{path} is missing: the receiver differential step of tools/test.sh writes it "
                 "(fwdlab fidelity-receiver --against fluentd:1.16.9 --out reports/fidelity-receiver)")
    rows = json.load(open(path))["rows"]
    count = {s: sum(r["status"] == s for r in rows) for s in ("same", "differ", "explained")}
    print(f"{len(rows)} frames: {count['same']} agree, {count['differ']} differ, {count['explained']} explained")


FIGURES = {"receiver-differential": receiver_differential}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in FIGURES:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(FIGURES)}")
    FIGURES[sys.argv[1]]()
