#!/usr/bin/env python3
"""Regenerates fixtures/malformed/corpus.jsonl: hostile or broken frames for a forward receiver.

expect:
  close      the receiver logs the peer and the reason and closes the connection; no ack
  ignore     Fluentd drops it without a response and keeps the connection open
  incomplete the frame never completes; the client then closes; nothing is accepted
Whatever the expectation, nothing from these frames may enter the ledger, and the receiver keeps
serving other connections.
"""
import json, os, struct, sys, gzip
import msgpack

P = lambda v: msgpack.packb(v, use_bin_type=True)
ET = lambda s: b"\xd7\x00" + struct.pack(">II", s, 0)
entry = lambda t, rec: b"\x92" + t + P(rec)
def packed(tag, blob, opt=None):
    return b"\x93" + P(tag) + b"\xdb" + struct.pack(">I", len(blob)) + blob + P(opt or {"size": 1, "compressed": "text", "chunk": "AAECAwQFBgcICQoLDA0ODw==\n"})

rows = []
def add(name, data, expect):
    rows.append({"name": name, "hex": data.hex(), "expect": expect})

add("never-used format byte 0xc1", b"\xc1", "close")
add("0xc1 inside an array", b"\x92\xa1t\xc1", "close")
add("str32 claiming 4 GiB", b"\x92\xa1t\xdb\xff\xff\xff\xff", "close")
add("bin32 claiming 4 GiB", b"\x92\xa1t\xc6\xff\xff\xff\xff", "close")
add("array32 with 4 billion elements", b"\xdd\xff\xff\xff\xff", "close")
add("map32 with 4 billion pairs", b"\xdf\xff\xff\xff\xff", "close")
add("ext32 claiming 4 GiB", b"\x93\xa1t\xc9\xff\xff\xff\xff\x00", "close")
add("nesting 1000 deep", b"\x91" * 1000 + b"\xc0", "close")
add("map nesting 500 deep", b"\x81\xa1k" * 500 + b"\xc0", "close")
add("top-level map (broken chunk)", P({"a": 1}), "ignore")
add("top-level integer", P(42), "ignore")
add("top-level string", P("hello"), "ignore")
add("top-level float", P(1.5), "ignore")
add("empty array", P([]), "close")
add("array of one tag", P(["tag"]), "close")
add("integer tag", P([1, 2, {"a": 1}]), "close")
add("nil tag", P([None, 2, {"a": 1}]), "close")
add("map tag", P([{"t": 1}, 2, {"a": 1}]), "close")
add("Message mode with nil record", P(["tag", 1700000000, None, {"chunk": "x"}]), "ignore")
add("EventTime ext with 4-byte payload", b"\x93\xa3tag\xd6\x00\x01\x02\x03\x04" + P({"a": 1}), "close")
add("EventTime ext with 16-byte payload", b"\x93\xa3tag\xd8\x00" + b"\x01" * 16 + P({"a": 1}), "close")
add("msgpack timestamp ext -1 as time", b"\x93\xa3tag\xd6\xff\x00\x00\x00\x01" + P({"a": 1}), "close")
add("unknown ext type 5 inside a record", b"\x93\xa3tag" + ET(1700000000) + b"\x81\xa1a\xd4\x05\x01", "close")
add("PackedForward blob of garbage bytes", packed("tag", b"\xc1\xc1\xc1\xc1"), "close")
add("PackedForward blob with a truncated entry", packed("tag", entry(ET(1700000000), {"a": 1})[:-2]), "close")
add("PackedForward blob with an over-long length inside", packed("tag", b"\x92" + ET(1) + b"\xdb\x00\x10\x00\x00"), "close")
add("CompressedPackedForward with plain bytes", packed("tag", entry(ET(1), {"a": 1}), {"size": 1, "compressed": "gzip", "chunk": "c"}), "close")
gz = gzip.compress(entry(ET(1), {"a": 1}))
add("CompressedPackedForward truncated member", packed("tag", gz[: len(gz) // 2], {"size": 1, "compressed": "gzip", "chunk": "c"}), "close")
add("CompressedPackedForward corrupt member", packed("tag", gz[:10] + b"\xff" * (len(gz) - 10), {"size": 1, "compressed": "gzip", "chunk": "c"}), "close")
add("Forward entries with ext type 9 time", P(["tag", [[msgpack.ExtType(9, b"12345678"), {"a": 1}]], {"chunk": "c"}]), "close")
add("str8 length past the end of the stream", b"\x92\xa3tag\xd9\xff" + b"x" * 10, "incomplete")
add("array header and nothing else", b"\x93", "incomplete")
add("PackedForward cut inside the blob", packed("tag", entry(ET(1), {"a": 1}) * 10)[:30], "incomplete")

out = os.path.join(os.path.dirname(__file__), "..", "fixtures", "malformed", "corpus.jsonl")
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as f:
    for r in rows:
        f.write(json.dumps(r) + "\n")
print(f"wrote {len(rows)} frames to {out}", file=sys.stderr)
