#!/usr/bin/env python3
"""Regenerates fixtures/vectors/msgpack.jsonl: values encoded by Python's msgpack library.

Each line is {"name", "hex", "value"} where "value" is a JSON-ish description the Swift test
rebuilds. The Swift codec must decode every hex and re-encode it to the same bytes.
"""
import json, msgpack, os, sys

def v(name, value, desc):
    return {"name": name, "hex": msgpack.packb(value, use_bin_type=True).hex(), "value": desc}

rows = []
for n in [0, 1, 127, 128, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**63 - 1]:
    rows.append(v(f"uint {n}", n, {"int": str(n)}))
rows.append(v("uint64 max", 2**64 - 1, {"uint": str(2**64 - 1)}))
for n in [-1, -32, -33, -128, -129, -32768, -32769, -2**31, -2**31 - 1, -2**63]:
    rows.append(v(f"int {n}", n, {"int": str(n)}))
rows.append(v("nil", None, {"nil": True}))
rows.append(v("true", True, {"bool": True}))
rows.append(v("false", False, {"bool": False}))
rows.append(v("float64 1.5", 1.5, {"double": 1.5}))
rows.append(v("float64 -0.25", -0.25, {"double": -0.25}))
rows.append({"name": "float32 2.5", "hex": msgpack.packb(2.5, use_single_float=True).hex(), "value": {"float": 2.5}})
for n in [0, 31, 32, 255, 256, 65535]:
    rows.append(v(f"str {n}", "x" * n, {"str": "x", "repeat": n}))
rows.append(v("str utf8", "héllo ✓", {"str": "héllo ✓", "repeat": 1}))
for n in [0, 255, 256]:
    rows.append(v(f"bin {n}", b"\x01" * n, {"bin": 1, "repeat": n}))
for n in [0, 15, 16, 65535]:
    rows.append(v(f"array {n}", [1] * n, {"array_of_one": n}))
for n in [0, 15, 16]:
    rows.append(v(f"map {n}", {str(i): i for i in range(n)}, {"map_str_int": n}))
for n in [1, 2, 4, 8, 16, 3, 255, 256]:
    rows.append(v(f"ext {n}", msgpack.ExtType(5, b"\x07" * n), {"ext": 5, "byte": 7, "repeat": n}))
rows.append(v("nested", {"a": [1, {"b": None}], "c": b"\x00"}, {"nested": True}))
out = os.path.join(os.path.dirname(__file__), "..", "fixtures", "vectors", "msgpack.jsonl")
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as f:
    for r in rows:
        f.write(json.dumps(r) + "\n")
print(f"wrote {len(rows)} vectors to {out}", file=sys.stderr)
