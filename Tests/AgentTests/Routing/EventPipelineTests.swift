@testable import Agent
import FluentdConfig
import Foundation
import ForwardProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// Captures what reaches the forward output.
final class CapturingSink: EventBatchSink {
    let batches = NIOLockedValueBox([(tag: String, count: Int, entries: ByteBuffer)]())
    let failWith = NIOLockedValueBox<AgentEmitError?>(nil)
    func emit(tag: String, time: EventTime, record: ByteBuffer) throws(AgentEmitError) {
        var b = ByteBuffer()
        ForwardEntry.write(time: time, encodedRecord: record, into: &b)
        try emit(tag: tag, entries: b, count: 1)
    }
    func emit(tag: String, entries: ByteBuffer, count: Int) throws(AgentEmitError) {
        if let e = failWith.withLockedValue({ $0 }) { throw e }
        batches.withLockedValue { $0.append((tag, count, entries)) }
    }
}

@Suite("Event pipeline")
struct EventPipelineTests {
    static let dir = "\(repositoryRoot)/fixtures/fluentd-configs/checked"

    static func record(_ json: ConfigJSON) -> [MessagePackPair] { SampleInput.Settings.value(from: json).mapValue ?? [] }

    static func entries(_ events: [(EventTime, [MessagePackPair])]) -> ByteBuffer {
        var b = ByteBuffer()
        for (t, r) in events { ForwardEntry.write(time: t, encodedRecord: MessagePackValue.map(r).encoded, into: &b) }
        return b
    }

    /// fixtures/fluentd-configs/checked: the same configuration and input given to Fluentd 1.16.9 (TZ=UTC) printed
    /// these stdout lines; the agent's pipeline prints the same bytes (only the time zone of this process may differ).
    /// `pipeline`: labels, relabel, copy, <regexp>/<exclude>, placeholders, json and hash output, Ruby floats;
    /// `filters`: <and>/<or>, regexpN/excludeN, record_accessor keys, renew_time_key, auto_typecast false, __UPPER__.
    @Test(arguments: [("pipeline", 7, 3), ("filters", 3, 4)])
    func stdoutLinesMatchFluentdByteForByte(_ name: String, lines: Int, filteredOut: Int) throws {
        let config = try AgentConfiguration.load(path: "\(Self.dir)/\(name).conf")
        let out = NIOLockedValueBox("")
        let pipeline = EventPipeline(configuration: config, forward: nil, logger: Logger(label: "test"),
                                     writeStdout: { text in out.withLockedValue { $0 += text } })
        let input = try String(contentsOfFile: "\(Self.dir)/\(name).input.jsonl", encoding: .utf8)
        var times: Set<UInt32> = []
        for line in input.split(separator: "\n") {
            guard case .object(let o) = try ConfigJSON.parse(String(line)) else { continue }
            let v = Dictionary(o.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
            guard case .string(let tag) = v["tag"], case .number(let t) = v["time"], let rec = v["record"] else { continue }
            let label: String? = if case .string(let l) = v["label"] { l } else { nil }
            let time = EventTime(seconds: UInt32(t)!)
            times.insert(time.seconds)
            try pipeline.source(label: label).emit(tag: tag, entries: Self.entries([(time, Self.record(rec))]), count: 1)
        }
        let fluentd = try String(contentsOfFile: "\(Self.dir)/\(name).fluentd-1.16.9.stdout", encoding: .utf8)
        // Fluentd ran with TZ=UTC: render each line's instant (and the input's, for ${time}) in this process's zone.
        var expected: [String] = []
        for line in fluentd.split(separator: "\n") {
            var text = String(line)
            let stamp = String(line.prefix(35))
            if let t = Self.utcInstant(stamp) { text = EventTimeText.stdout(t) + text.dropFirst(35) }
            for s in times {
                let utc = FluentdTimeFormat.Instant(wallNanos: Int64(s) * 1_000_000_000)
                text = text.replacingOccurrences(of: FluentdTimeFormat.format("%Y-%m-%d %H:%M:%S %z", utc),
                                                 with: EventTimeText.rubyTimeToS(EventTime(seconds: s)))
            }
            expected.append(text)
        }
        // Lines of one connection keep their order; Fluentd interleaves its two connections as they are read.
        let got = out.withLockedValue { $0 }.split(separator: "\n").map(String.init)
        #expect(got.sorted() == expected.sorted())
        #expect(got.count == lines)
        #expect(pipeline.counters.withLockedValue { $0.filteredOut } == filteredOut)
    }

    /// `2023-11-14 22:13:20.500000000 +0000` (UTC) as an EventTime.
    static func utcInstant(_ s: String) -> EventTime? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(secondsFromGMT: 0)
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        guard s.count == 35, s.hasSuffix(" +0000"), let d = f.date(from: String(s.prefix(19))),
              let nanos = UInt32(s.dropFirst(20).prefix(9)) else { return nil }
        return EventTime(seconds: UInt32(d.timeIntervalSince1970), nanoseconds: nanos)
    }

    @Test func aPlainRelayPassesEntriesThroughUnchanged() throws {
        let config = try parseConfig("<match **>\n\(RoutingTableTests.forward)\n</match>")
        let sink = CapturingSink()
        let pipeline = EventPipeline(configuration: config, forward: sink, logger: Logger(label: "test"))
        let entries = Self.entries([(EventTime(seconds: 5, nanoseconds: 7), [MessagePackPair(.str("k"), .str("v"))])])
        try pipeline.source(label: nil).emit(tag: "t", entries: entries, count: 1)
        let got = sink.batches.withLockedValue { $0 }
        #expect(got.count == 1 && got[0].tag == "t" && got[0].count == 1)
        #expect(got[0].entries == entries)
    }

    @Test func copyIgnoreErrorAndErrorLabel() throws {
        let config = try parseConfig("""
            <match **>
              @type copy
              <store ignore_error>
            \(RoutingTableTests.forward)
              </store>
              <store>
                @type stdout
              </store>
            </match>
            """)
        let sink = CapturingSink()
        sink.failWith.withLockedValue { $0 = .bufferOverflow }
        let lines = NIOLockedValueBox(0)
        let pipeline = EventPipeline(configuration: config, forward: sink, logger: Logger(label: "test"),
                                     writeStdout: { t in lines.withLockedValue { $0 += t.split(separator: "\n").count } })
        let e = Self.entries([(EventTime(seconds: 1), []), (EventTime(seconds: 2), [])])
        // The forward store overflows; ignore_error lets the stdout store still print both.
        do { try pipeline.source(label: nil).emit(tag: "t", entries: e, count: 2) } catch { Issue.record("copy: \(error)") }
        #expect(lines.withLockedValue { $0 } == 2)

        // Without ignore_error the overflow reaches the input (no ack), unless an @ERROR label takes the stream.
        let strict = try parseConfig("<match **>\n\(RoutingTableTests.forward)\n</match>")
        let p2 = EventPipeline(configuration: strict, forward: sink, logger: Logger(label: "test"))
        #expect(throws: AgentEmitError.bufferOverflow) { try p2.source(label: nil).emit(tag: "t", entries: e, count: 2) }
        let withError = try parseConfig("<match **>\n\(RoutingTableTests.forward)\n</match>\n<label @ERROR>\n  <match **>\n    @type null\n  </match>\n</label>")
        #expect(withError.routing.rules["@ERROR"] != nil)
        let p3 = EventPipeline(configuration: withError, forward: sink, logger: Logger(label: "test"))
        #expect(p3.route(tag: "t", label: "@ERROR", worker: 0).target == .null)
        do { try p3.source(label: nil).emit(tag: "t", entries: e, count: 2) } catch { Issue.record("p3: \(error)") }
        #expect(p3.counters.withLockedValue { $0.nulled } == 2)
    }

    @Test func filteredEventsReachTheForwardOutputReencoded() throws {
        let config = try parseConfig("""
            <filter **>
              @type record_transformer
              <record>
                added ${tag_parts[0]}
              </record>
            </filter>
            <match **>
            \(RoutingTableTests.forward)
            </match>
            """)
        let sink = CapturingSink()
        let pipeline = EventPipeline(configuration: config, forward: sink, logger: Logger(label: "test"))
        try pipeline.source(label: nil).emit(tag: "a.b", entries: Self.entries([(EventTime(seconds: 9), [MessagePackPair(.str("k"), 1)])]), count: 1)
        let got = try #require(sink.batches.withLockedValue { $0 }.first)
        let events = EventPipeline.decode(got.entries, count: got.count)
        #expect(events == [.init(time: EventTime(seconds: 9), record: [MessagePackPair(.str("k"), 1), MessagePackPair(.str("added"), .str("a"))])])
    }

    @Test func aReloadReplacesTheRouting() throws {
        let before = try parseConfig("<match **>\n  @type null\n</match>\n<match never>\n\(RoutingTableTests.forward)\n</match>")
        let after = try parseConfig("<match **>\n\(RoutingTableTests.forward)\n</match>")
        let sink = CapturingSink()
        let pipeline = EventPipeline(configuration: before, forward: sink, logger: Logger(label: "test"))
        let e = Self.entries([(EventTime(seconds: 1), [])])
        try pipeline.source(label: nil).emit(tag: "t", entries: e, count: 1)
        #expect(pipeline.counters.withLockedValue { $0.nulled } == 1 && sink.batches.withLockedValue { $0.count } == 0)
        // The cached route of "t" must not survive the reload.
        pipeline.replace(with: after)
        try pipeline.source(label: nil).emit(tag: "t", entries: e, count: 1)
        #expect(sink.batches.withLockedValue { $0.count } == 1)
    }

    @Test func rubyFloatsAndInspect() {
        #expect(RubyValueText.float(1e15) == "1.0e+15")
        #expect(RubyValueText.float(1e14) == "100000000000000.0")
        #expect(RubyValueText.float(9999999999999998.0) == "9.999999999999998e+15")
        #expect(RubyValueText.float(0.00012345) == "0.00012345")
        #expect(RubyValueText.float(2.5e-5) == "2.5e-05")
        #expect(RubyValueText.float(1.5e300) == "1.5e+300")
        #expect(RubyValueText.float(-0.0) == "-0.0")
        #expect(RubyValueText.float(100) == "100.0")
        #expect(RubyValueText.inspect(.map([MessagePackPair(.str("a"), .array([.nil, .bool(true), .double(2)]))])) == #"{"a"=>[nil, true, 2.0]}"#)
    }
}
