import Foundation
import ForwardProtocol
import NIOCore

/// The differential's inputs: the malformed corpus (fixtures/malformed/corpus.jsonl) and generated valid edge cases
/// of the four forward modes, options, Forward-mode normalisation and JSON connections (docs/fidelity-receiver.md).
public enum ReceiverFrameCorpus {
    /// Why a corpus file could not be read.
    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    private struct Row: Decodable {
        var name: String
        var hex: String
        var expect: String
    }

    /// Reads a JSON-lines corpus of `{"name", "hex", "expect"}` rows.
    public static func load(corpusPath: String) throws -> [ReceiverFrame] {
        let text: String
        do { text = try String(contentsOfFile: corpusPath, encoding: .utf8) } catch {
            throw LoadError(description: "cannot read corpus \(corpusPath): \(error.localizedDescription)")
        }
        var frames: [ReceiverFrame] = []
        for (i, line) in text.split(separator: "\n").enumerated() where !line.allSatisfy(\.isWhitespace) {
            let row: Row
            do { row = try JSONDecoder().decode(Row.self, from: Data(line.utf8)) } catch {
                throw LoadError(description: "\(corpusPath):\(i + 1): not a corpus row: \(error)")
            }
            guard let bytes = bytes(hex: row.hex) else {
                throw LoadError(description: "\(corpusPath):\(i + 1): '\(row.name)' has invalid hex")
            }
            frames.append(ReceiverFrame(name: row.name, bytes: bytes, origin: .corpus, corpusExpect: row.expect))
        }
        return frames
    }

    static func bytes(hex: String) -> [UInt8]? {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let b = UInt8(String(decoding: chars[i ..< i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(b)
            i += 2
        }
        return out
    }

    // MARK: Generated valid edge cases

    /// A fixed event time (2023-11-14T22:13:20.123456789Z) so both receivers see identical input.
    static let seconds: UInt32 = 1_700_000_000
    static let eventTime = EventTime(seconds: seconds, nanoseconds: 123_456_789)

    static func et(_ offset: UInt32 = 0) -> MessagePackValue {
        var b = ByteBuffer()
        EventTime(seconds: seconds + offset, nanoseconds: 123_456_789).encode(into: &b)
        // EventTime.encode writes fixext8 (d7 00 + 8 bytes): keep the 8 data bytes.
        return .ext(type: EventTime.extensionType, data: Array(b.readableBytesView.dropFirst(2)))
    }

    static func int(_ offset: Int64 = 0) -> MessagePackValue { .int(Int64(seconds) + offset) }

    static func record(_ seq: Int) -> MessagePackValue {
        .map([MessagePackPair("seq", .int(Int64(seq))), MessagePackPair("msg", "fidelity")])
    }

    static func chunk(_ id: String) -> MessagePackValue { .map([MessagePackPair("chunk", .str(id))]) }

    static func encode(_ v: MessagePackValue) -> [UInt8] { Array(v.encoded.readableBytesView) }

    static func entries(_ pairs: [(MessagePackValue, MessagePackValue)]) -> ByteBuffer {
        var b = ByteBuffer()
        for (t, r) in pairs { MessagePackValue.array([t, r]).encode(into: &b) }
        return b
    }

    static func gzip(_ parts: [ByteBuffer]) -> ByteBuffer {
        var out = ByteBuffer()
        for p in parts {
            // Compressing a few hundred bytes in memory cannot fail; an empty blob would show up as a DIFF.
            if var member = try? GzipMembers.compress(p) { out.writeBuffer(&member) }
        }
        return out
    }

    /// `[tag, blob, option]` with the blob as str32 (out_forward's form) or bin.
    static func packed(tag: String, blob: ByteBuffer, option: MessagePackValue?, asBinary: Bool = false) -> [UInt8] {
        var out = ByteBuffer()
        out.writeMessagePackArrayHeader(count: option == nil ? 2 : 3)
        out.writeMessagePackString(tag)
        if asBinary {
            out.writeMessagePackBinary(blob.readableBytesView)
        } else {
            out.writeMessagePackString32Header(length: blob.readableBytes)
            out.writeBytes(blob.readableBytesView)
        }
        option?.encode(into: &out)
        return Array(out.readableBytesView)
    }

    static func json(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// The generated frames; each uses its own tag `fid.gNN` so events can be told apart in logs.
    public static func generated() -> [ReceiverFrame] {
        var frames: [ReceiverFrame] = []
        func add(_ name: String, _ build: (String) -> [UInt8]) {
            let tag = "fid.g\(String(format: "%02d", frames.count + 1))"
            frames.append(ReceiverFrame(name: name, bytes: build(tag), origin: .generated))
        }
        func message(_ tag: String, _ time: MessagePackValue, _ rec: MessagePackValue, _ option: MessagePackValue?,
                     extra: [MessagePackValue] = []) -> [UInt8] {
            encode(.array([.str(tag), time, rec] + (option.map { [$0] } ?? []) + extra))
        }
        func forward(_ tag: String, _ entries: [MessagePackValue], _ option: MessagePackValue?) -> [UInt8] {
            encode(.array([.str(tag), .array(entries)] + (option.map { [$0] } ?? [])))
        }

        // Message mode: [tag, time, record(, option)].
        add("message: EventTime, chunk") { message($0, et(), record(1), chunk("m-et")) }
        add("message: integer time, chunk") { message($0, int(), record(1), chunk("m-int")) }
        add("message: no option") { message($0, et(), record(1), nil) }
        add("message: option with size only") { message($0, et(), record(1), .map([MessagePackPair("size", 1)])) }
        add("message: chunk plus unknown options") {
            message($0, et(), record(1), .map([MessagePackPair("size", 1), MessagePackPair("chunk", "m-unk"),
                                               MessagePackPair("x-custom", .array([1, 2])), MessagePackPair("compressed", "text")]))
        }
        add("message: empty option map") { message($0, et(), record(1), .map([])) }
        add("message: chunk as bin") { message($0, et(), record(1), .map([MessagePackPair("chunk", .binary(Array("m-bin".utf8)))])) }
        add("message: chunk as integer") { message($0, et(), record(1), .map([MessagePackPair("chunk", 7)])) }
        add("message: chunk false") { message($0, et(), record(1), .map([MessagePackPair("chunk", .bool(false))])) }
        add("message: chunk nil") { message($0, et(), record(1), .map([MessagePackPair("chunk", .nil)])) }
        add("message: option is a string containing 'chunk'") { message($0, et(), record(1), "my-chunk-id") }
        add("message: option is a string without it") { message($0, et(), record(1), "no-ack-please") }
        add("message: option is an integer") { message($0, et(), record(1), 7) }
        add("message: option is an array") { message($0, et(), record(1), .array(["chunk"])) }
        add("message: extra element after option") { message($0, et(), record(1), chunk("m-extra"), extra: ["extra"]) }
        add("message: time 0 (replaced by now)") { message($0, 0, record(1), chunk("m-t0")) }
        add("message: EventTime 0 (replaced by now)") { message($0, .ext(type: 0, data: [UInt8](repeating: 0, count: 8)), record(1), chunk("m-et0")) }
        add("message: time as float") { message($0, .double(1_700_000_000.5), record(1), chunk("m-float")) }
        add("message: time nil") { message($0, .nil, record(1), chunk("m-tnil")) }
        add("message: time as string (the string is read as a PackedForward blob)") { message($0, "yesterday", record(1), chunk("m-tstr")) }
        add("message: negative integer time") { message($0, -5, record(1), chunk("m-neg")) }
        add("message: record is a string") { message($0, et(), "just text", chunk("m-rstr")) }
        add("message: record is an array") { message($0, et(), .array([1, 2]), chunk("m-rarr")) }
        add("message: record is an empty map") { message($0, et(), .map([]), chunk("m-rempty")) }
        add("message: tag as bin") {
            encode(.array([.binary(Array($0.utf8)), et(), record(1), chunk("m-tagbin")]))
        }

        // Forward mode: [tag, [[time, record], ...](, option)].
        add("forward: three EventTime entries, chunk") { forward($0, [.array([et(), record(1)]), .array([et(1), record(2)]), .array([et(2), record(3)])], chunk("f-et")) }
        add("forward: integer times") { forward($0, [.array([int(), record(1)]), .array([int(1), record(2)])], chunk("f-int")) }
        add("forward: mixed EventTime and integer") { forward($0, [.array([et(), record(1)]), .array([int(1), record(2)])], chunk("f-mix")) }
        add("forward: no option") { forward($0, [.array([et(), record(1)])], nil) }
        add("forward: size option, no chunk") { forward($0, [.array([et(), record(1)])], .map([MessagePackPair("size", 1)])) }
        add("forward: empty entry array") { forward($0, [], chunk("f-empty")) }
        add("forward: entry is an integer") { forward($0, [.array([et(), record(1)]), 5], chunk("f-eint")) }
        add("forward: entry is a string") { forward($0, [.array([et(), record(1)]), "abc"], chunk("f-estr")) }
        add("forward: entry is a map") { forward($0, [.array([et(), record(1)]), .map([MessagePackPair("a", 1)])], chunk("f-emap")) }
        add("forward: entry is nil") { forward($0, [.array([et(), record(1)]), .nil], chunk("f-enil")) }
        add("forward: entry with time only") { forward($0, [.array([et(), record(1)]), .array([et(1)])], chunk("f-short")) }
        add("forward: entry is an empty array") { forward($0, [.array([et(), record(1)]), .array([])], chunk("f-e0")) }
        add("forward: entry with an extra element") { forward($0, [.array([et(), record(1), "extra"])], chunk("f-long")) }
        add("forward: time as float") { forward($0, [.array([.double(1_700_000_000.25), record(1)])], chunk("f-float")) }
        add("forward: time nil (replaced by now)") { forward($0, [.array([.nil, record(1)])], chunk("f-tnil")) }
        add("forward: time 0 (replaced by now)") { forward($0, [.array([0, record(1)])], chunk("f-t0")) }
        add("forward: time as non-numeric string") { forward($0, [.array(["abc", record(1)])], chunk("f-tstr")) }
        add("forward: time as numeric string") { forward($0, [.array(["1700000000", record(1)])], chunk("f-tnum")) }
        add("forward: record is a string") { forward($0, [.array([et(), "text"])], chunk("f-rstr")) }
        add("forward: record nil (skipped)") { forward($0, [.array([et(), .nil]), .array([et(1), record(2)])], chunk("f-rnil")) }
        add("forward: Fluent Bit metadata entry [[time, {}], record]") {
            forward($0, [.array([.array([et(), .map([])]), record(1)])], chunk("f-fb"))
        }
        add("forward: valid entry then a Fluent Bit metadata entry") {
            forward($0, [.array([et(), record(1)]), .array([.array([et(1), .map([])]), record(2)])], chunk("f-fb2"))
        }

        // PackedForward: [tag, blob(, option)].
        add("packed: three EventTime entries, size, chunk") {
            ForwardEncoder.packedForward(tag: $0, entries: entries([(et(), record(1)), (et(1), record(2)), (et(2), record(3))]), size: 3, chunk: "p-et")
                .readableBytesView.map { $0 }
        }
        add("packed: integer times") { packed(tag: $0, blob: entries([(int(), record(1)), (int(1), record(2))]), option: chunk("p-int")) }
        add("packed: no option") { packed(tag: $0, blob: entries([(et(), record(1))]), option: nil) }
        add("packed: size larger than the entries") {
            packed(tag: $0, blob: entries([(et(), record(1)), (et(1), record(2))]),
                   option: .map([MessagePackPair("size", 10), MessagePackPair("chunk", "p-size")]))
        }
        add("packed: empty blob") { packed(tag: $0, blob: ByteBuffer(), option: chunk("p-empty")) }
        add("packed: blob as bin") { packed(tag: $0, blob: entries([(et(), record(1))]), option: chunk("p-bin"), asBinary: true) }
        add("packed: compressed text") {
            packed(tag: $0, blob: entries([(et(), record(1))]),
                   option: .map([MessagePackPair("compressed", "text"), MessagePackPair("chunk", "p-text")]))
        }
        add("packed: record is a string") { packed(tag: $0, blob: entries([(et(), "text")]), option: chunk("p-rstr")) }
        add("packed: time nil") { packed(tag: $0, blob: entries([(.nil, record(1))]), option: chunk("p-tnil")) }

        // CompressedPackedForward: [tag, gzip blob, {"compressed": "gzip"}].
        func gzipOption(_ id: String, size: Int) -> MessagePackValue {
            .map([MessagePackPair("size", .int(Int64(size))), MessagePackPair("compressed", "gzip"), MessagePackPair("chunk", .str(id))])
        }
        add("compressed: one gzip member") {
            packed(tag: $0, blob: gzip([entries([(et(), record(1)), (et(1), record(2))])]), option: gzipOption("c-one", size: 2))
        }
        add("compressed: two gzip members") {
            packed(tag: $0, blob: gzip([entries([(et(), record(1))]), entries([(et(1), record(2)), (et(2), record(3))])]),
                   option: gzipOption("c-two", size: 3))
        }
        add("compressed: four members, integer times") {
            packed(tag: $0, blob: gzip((0 ..< 4).map { entries([(int(Int64($0)), record($0))]) }), option: gzipOption("c-four", size: 4))
        }
        add("compressed: member of nothing") { packed(tag: $0, blob: gzip([ByteBuffer()]), option: gzipOption("c-nothing", size: 0)) }
        add("compressed: no chunk") {
            packed(tag: $0, blob: gzip([entries([(et(), record(1))])]), option: .map([MessagePackPair("compressed", "gzip")]))
        }

        // Streams: several requests in one write; the MessagePack heartbeat.
        add("stream: message then packed in one write") {
            message($0, et(), record(1), chunk("s-1")) + packed(tag: $0, blob: entries([(et(1), record(2))]), option: chunk("s-2"))
        }
        add("stream: nil (TCP heartbeat placeholder)") { _ in [0xc0] }

        // JSON connections: in_forward parses a stream of JSON arrays and answers in JSON.
        add("json: message with chunk") { json("[\"\($0)\",\(seconds),{\"seq\":1},{\"chunk\":\"j-m\"}]") }
        add("json: message without option") { json("[\"\($0)\",\(seconds),{\"seq\":1}]") }
        add("json: forward with chunk") { json("[\"\($0)\",[[\(seconds),{\"seq\":1}],[\(seconds + 1),{\"seq\":2}]],{\"chunk\":\"j-f\"}]") }
        add("json: two documents, newline separated") {
            json("[\"\($0)\",\(seconds),{\"seq\":1},{\"chunk\":\"j-a\"}]\n[\"\($0)\",\(seconds),{\"seq\":2},{\"chunk\":\"j-b\"}]\n")
        }
        add("json: float time") { json("[\"\($0)\",\(seconds).5,{\"seq\":1},{\"chunk\":\"j-float\"}]") }
        add("json: object at top level (broken chunk)") { _ in json("{\"seq\":1}") }
        add("json: forward entry time nil") { json("[\"\($0)\",[[null,{\"seq\":1}]],{\"chunk\":\"j-tnil\"}]") }

        // Edges of the lazy PackedForward stream, non-map options, bare entries and non-string tags
        // (appended so the earlier frames keep their tags).
        add("packed: complete entry then a truncated one") {
            var blob = entries([(et(), record(1))])
            blob.writeBytes([0x92, 0xd7, 0x00, 0x65, 0x53])
            return packed(tag: $0, blob: blob, option: chunk("p-trunc"))
        }
        add("packed: option is an integer") { packed(tag: $0, blob: entries([(et(), record(1))]), option: 7) }
        add("packed: option is a string containing 'chunk'") { packed(tag: $0, blob: entries([(et(), record(1))]), option: "p-chunk-s") }
        add("message: option is a bin containing 'chunk'") { message($0, et(), record(1), .binary(Array("bin-chunk".utf8))) }
        add("message: option true") { message($0, et(), record(1), .bool(true)) }
        add("message: option false") { message($0, et(), record(1), .bool(false)) }
        add("message: nil record with an integer option") { message($0, et(), .nil, 7) }
        add("message: no record") { encode(.array([.str($0), et()])) }
        add("message: EventTime ext 8 with a 12-byte payload") {
            message($0, .ext(type: 0, data: [0x65, 0x53, 0xf1, 0x00, 0, 0, 0, 0, 9, 9, 9, 9]), record(1), chunk("m-et12"))
        }
        add("forward: option is an integer") { forward($0, [.array([et(), record(1)])], 7) }
        add("forward: entry is a bare EventTime") { forward($0, [.array([et(), record(1)]), et(3)], chunk("f-eet")) }
        add("forward: entry is a multibyte string") { forward($0, [.str("\u{e9}\u{20ac}x")], chunk("f-emb")) }
        add("forward: entry is a one-character string") { forward($0, [.array([et(), record(1)]), "z"], chunk("f-e1")) }
        add("forward: entry is a negative integer") { forward($0, [-2], chunk("f-eneg")) }
        add("message: tag is an array") { _ in encode(.array([.array([1, "a", .nil]), et(), record(1), chunk("m-tarr")])) }
        add("message: tag true") { _ in encode(.array([.bool(true), et(), record(1), chunk("m-ttrue")])) }
        add("message: tag is a float") { _ in encode(.array([.double(1.5), et(), record(1), chunk("m-tfloat")])) }
        add("json: integer tag") { _ in json("[7,\(seconds),{\"seq\":1},{\"chunk\":\"j-tint\"}]") }
        add("json: option is a string containing 'chunk'") { json("[\"\($0)\",\(seconds),{\"seq\":1},\"j-chunk-s\"]") }
        // Fluent Bit 5 senders (retain_metadata_in_forward_mode, on by default since 5.0.5): the time of every entry
        // becomes [time, metadata], in its default PackedForward requests too, gzip-compressed with `compress gzip`.
        let metadata: MessagePackValue = .map([MessagePackPair("otlp", .map([MessagePackPair("severity_number", 9)]))])
        add("packed: Fluent Bit metadata entries [[time, {}], record]") {
            packed(tag: $0, blob: entries([(.array([et(), .map([])]), record(1)), (.array([et(1), .map([])]), record(2))]),
                   option: .map([MessagePackPair("size", 2), MessagePackPair("chunk", "p-fb")]))
        }
        add("packed: Fluent Bit metadata with keys") {
            packed(tag: $0, blob: entries([(.array([et(), metadata]), record(1))]), option: .map([MessagePackPair("size", 1), MessagePackPair("chunk", "p-fbk")]))
        }
        add("packed: valid entry then a Fluent Bit metadata entry") {
            packed(tag: $0, blob: entries([(et(), record(1)), (.array([et(1), .map([])]), record(2))]), option: .map([MessagePackPair("size", 2), MessagePackPair("chunk", "p-fb2")]))
        }
        add("compressed: Fluent Bit metadata entries (gzip)") {
            packed(tag: $0, blob: gzip([entries([(.array([et(), metadata]), record(1)), (.array([et(1), .map([])]), record(2))])]), option: gzipOption("c-fb", size: 2))
        }
        add("forward: Fluent Bit metadata with keys") { forward($0, [.array([.array([et(), metadata]), record(1)])], chunk("f-fbk")) }
        return frames
    }
}
