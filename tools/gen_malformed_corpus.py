#!/usr/bin/env python3
"""Regenerates fixtures/malformed/corpus.jsonl: hostile or broken frames for a forward receiver.

expect (what the fwdlab receiver does, which is what Fluentd 1.16.9's in_forward does as measured by
`fwdlab fidelity-receiver`, docs/fidelity-receiver.md, except where a "fluentd" note says otherwise):
  close      the receiver logs the peer and the reason and closes the connection; nothing accepted, no ack
  ignore     dropped without a response; the connection stays open; nothing accepted
  accept     in_forward takes the request: "events" events enter the ledger under "tag", the ack is "ack"
             (hex of the expected response) when present, and the connection stays open
  incomplete the frame never completes; the client then closes; nothing is accepted
Nothing else from these frames may enter the ledger, and the receiver keeps serving other connections.
"fluentd" notes what 1.16.9 does where it differs from the label (deliberate limits,
fixtures/fidelity/receiver-known-differences.json) or where the label was changed after measuring.
"""
import json, os, struct, sys, gzip
import msgpack

P = lambda v: msgpack.packb(v, use_bin_type=True)
ET = lambda s: b"\xd7\x00" + struct.pack(">II", s, 0)
entry = lambda t, rec: b"\x92" + t + P(rec)
def packed(tag, blob, opt=None):
    return b"\x93" + P(tag) + b"\xdb" + struct.pack(">I", len(blob)) + blob + P(opt or {"size": 1, "compressed": "text", "chunk": "AAECAwQFBgcICQoLDA0ODw==\n"})

rows = []
def add(name, data, expect, fluentd=None, **extra):
    row = {"name": name, "hex": data.hex(), "expect": expect}
    row.update(extra)
    if fluentd:
        row["fluentd"] = fluentd
    rows.append(row)

LIMIT = "waits for the declared bytes (connection silent); the receiver closes at its frame limits by design"
ACK_C = P({"ack": "AAECAwQFBgcICQoLDA0ODw==\n"}).hex()

add("never-used format byte 0xc1", b"\xc1", "close")
add("0xc1 inside an array", b"\x92\xa1t\xc1", "close")
add("str32 claiming 4 GiB", b"\x92\xa1t\xdb\xff\xff\xff\xff", "close", LIMIT)
add("bin32 claiming 4 GiB", b"\x92\xa1t\xc6\xff\xff\xff\xff", "close", LIMIT)
add("array32 with 4 billion elements", b"\xdd\xff\xff\xff\xff", "close", "the unpacker tries to allocate the array and the process dies (NoMemoryError); its peer sees the connection closed")
add("map32 with 4 billion pairs", b"\xdf\xff\xff\xff\xff", "close", LIMIT)
add("ext32 claiming 4 GiB", b"\x93\xa1t\xc9\xff\xff\xff\xff\x00", "close", LIMIT)
add("nesting 1000 deep", b"\x91" * 1000 + b"\xc0", "close")
add("map nesting 500 deep", b"\x81\xa1k" * 500 + b"\xc0", "close")
add("top-level map (broken chunk)", P({"a": 1}), "ignore")
add("top-level integer", P(42), "ignore")
add("top-level string", P("hello"), "ignore")
add("top-level float", P(1.5), "ignore")
add("empty array", P([]), "ignore", "relabelled from close: [] is Message mode with a nil record, ignored")
add("array of one tag", P(["tag"]), "ignore", "relabelled from close: [tag] is Message mode with a nil record, ignored")
add("integer tag", P([1, 2, {"a": 1}]), "accept", "relabelled from close: the tag type is never checked; emitted under tag 1", events=1, tag="1")
add("nil tag", P([None, 2, {"a": 1}]), "accept", "relabelled from close: emitted under the empty tag (nil.to_s)", events=1, tag="")
add("map tag", P([{"t": 1}, 2, {"a": 1}]), "accept", "relabelled from close: emitted under the tag {\"t\"=>1} (Hash#to_s)", events=1, tag='{"t"=>1}')
add("Message mode with nil record", P(["tag", 1700000000, None, {"chunk": "x"}]), "ignore")
add("EventTime ext with 4-byte payload", b"\x93\xa3tag\xd6\x00\x01\x02\x03\x04" + P({"a": 1}), "close")
add("EventTime ext with 16-byte payload", b"\x93\xa3tag\xd8\x00" + b"\x01" * 16 + P({"a": 1}), "accept", "relabelled from close: EventTime is unpacked from the first 8 bytes", events=1, tag="tag")
add("msgpack timestamp ext -1 as time", b"\x93\xa3tag\xd6\xff\x00\x00\x00\x01" + P({"a": 1}), "close")
add("unknown ext type 5 inside a record", b"\x93\xa3tag" + ET(1700000000) + b"\x81\xa1a\xd4\x05\x01", "close")
add("PackedForward blob of garbage bytes", packed("tag", b"\xc1\xc1\xc1\xc1"), "close")
add("PackedForward blob with a truncated entry", packed("tag", entry(ET(1700000000), {"a": 1})[:-2]), "accept", "relabelled from close: the lazy event stream ends at the incomplete entry; acked, nothing emitted", events=0, ack=ACK_C)
add("PackedForward blob with an over-long length inside", packed("tag", b"\x92" + ET(1) + b"\xdb\x00\x10\x00\x00"), "accept", "relabelled from close: the str32 is just incomplete, so the stream ends there; acked, nothing emitted", events=0, ack=ACK_C)
add("CompressedPackedForward with plain bytes", packed("tag", entry(ET(1), {"a": 1}), {"size": 1, "compressed": "gzip", "chunk": "c"}), "close")
gz = gzip.compress(entry(ET(1), {"a": 1}), mtime=0x6B0257E5)  # fixed mtime: the bytes stay the committed ones
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
