import Foundation
import Testing

@testable import Scenarios

/// Reading real Fluentd's log: lines recorded from the bundled releases (fixtures/fluentd-logs) parse, and each
/// decision line becomes the event the Swift agent emits for the same decision.
struct FluentdLogTests {
    static func recorded(_ version: String) throws -> [Substring] {
        let path = ScenarioTestSupport.root + "/fixtures/fluentd-logs/\(version)-decisions.log"
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    }

    @Test(arguments: ["1.16.9", "1.16.11", "1.18.0"])
    func everyRecordedLineParses(version: String) throws {
        let lines = try Self.recorded(version)
        #expect(lines.count >= 20, "the fixture holds a sample of every decision line")
        for raw in lines {
            let line = try #require(FluentdLogLine(raw), "unparsed: \(raw)")
            #expect(!line.message.isEmpty && !line.message.contains("fluent/log.rb"), "\(raw)")
            #expect(line.wallNanos > 1_700_000_000_000_000_000, "\(raw)")
        }
    }

    @Test func fieldsAndTimes() throws {
        let l = try #require(FluentdLogLine("2026-12-02 18:37:44.105084545 +0000 [warn]: detached forwarding server 'r1' host=\"127.0.0.1\" port=46833 phi=1.131361466451703 phi_threshold=1"))
        #expect(l.level == "warn" && l.message == "detached forwarding server 'r1'")
        #expect(l.fields == ["host": "127.0.0.1", "port": "46833", "phi": "1.131361466451703", "phi_threshold": "1"])
        // 2026-12-02 18:37:44 UTC = 1796236664 s since the epoch.
        #expect(l.wallNanos == 1_796_236_664_105_084_545)
        // The offset is honoured; without it the time is UTC.
        #expect(FluentdLogLine("2026-12-02 19:37:44.5 +0100 [info]: x")?.wallNanos == 1_796_236_664_500_000_000)
        #expect(FluentdLogLine("2026-12-02 18:37:44 [info]: x")?.wallNanos == 1_796_236_664_000_000_000)
        // A Ruby Time inspects with spaces; the caller prefix and worker prefix are dropped.
        let r = try #require(FluentdLogLine("2026-12-02 18:37:43.303729885 +0000 [warn]: fluent/log.rb:383:warn: #0 failed to flush the buffer. retry_times=1 next_retry_time=2026-12-02 18:37:44 +0000 chunk=\"661a\" error_class=Errno::ECONNREFUSED error=\"Connection refused - connect(2) for \\\"127.0.0.1\\\" port 1\""))
        #expect(r.message == "failed to flush the buffer.")
        #expect(r.fields["next_retry_time"] == "2026-12-02 18:37:44 +0000")
        #expect(r.fields["error"] == "Connection refused - connect(2) for \"127.0.0.1\" port 1")
        #expect(r.fields["error_class"] == "Errno::ECONNREFUSED" && r.fields["retry_times"] == "1")
        // Not log records: config dump lines, backtraces, an unknown level.
        for bad in ["  <match **>", "</ROOT>", "2026-12-02 18:37:44 +0000 [loud]: x", "garbage"] {
            #expect(FluentdLogLine(Substring(bad)) == nil, "\(bad)")
        }
    }

    @Test func decisionsFromRecordedLines() throws {
        let text = try Self.recorded("1.16.9").joined(separator: "\n")
        let reader = FluentdDecisionReader(labels: ["127.0.0.1:44459": "r3", "127.0.0.1:38041": "r2", "127.0.0.1:44201": "r1"])
        let events = reader.events(inLog: text, toRunSeconds: { Double($0) / 1e9 })
        func first(_ name: String) -> AgentEventEntry? { events.first { $0.event.rawValue == name } }
        let phi = try #require(events.first { $0.event == .detached && $0.cause == "phi" })
        #expect(phi.node == "r1" && phi.phi == 1.131361466451703 && phi.threshold == 1)
        // The fixture gathers lines of several runs; a node already out of the rotation is not detached again, so
        // the hard_timeout line is read on its own.
        let hard = reader.events(inLog: text.split(separator: "\n").filter { $0.contains("hard_timeout=true") }.joined(separator: "\n"),
                                 toRunSeconds: { _ in 0 })
        #expect(hard.map(\.event.rawValue) == ["detached"] && hard.first?.cause == "hard_timeout" && hard.first?.node == "r1")
        #expect(first("recovered")?.node == "r1")
        #expect(first("standby_promoted")?.node == "r3", "host:port mapped to the server's name")
        let ack = events.filter { $0.cause == "ack_timeout" }
        #expect(ack.map(\.event.rawValue).prefix(2) == ["ack_failed", "disabled"] && ack.allSatisfy { $0.node == "r2" })
        #expect(events.contains { $0.event == .disabled && $0.cause == "peer_closed_before_ack" })
        let retry = try #require(first("chunk_retry"))
        #expect(retry.cause == "Errno::ECONNREFUSED" && retry.detail == "661aaf03c6e7257b4f4caa302937ab27 retry_times=0")
        #expect(first("retry_succeeded")?.detail == "661aaf03c6e7257b4f4caa302937ab27")
        #expect(first("buffer_overflow") != nil && first("reloaded") != nil && first("stopped") != nil)
        // The ack handler names the node in the trace line just before its verdict on the same chunk.
        let ackPair = """
            2026-12-02 18:37:35.860413494 +0000 [trace]: getting response from destination host="127.0.0.1" port=44201 chunk_id="661aaefbf476d7cf5ad55b62c83feda3" response={"ack"=>"Zhqu+/R2189a1VtiyD/tow==\\n"}
            2026-12-02 18:37:35.860496558 +0000 [trace]: got a correct ack response chunk_id="661aaefbf476d7cf5ad55b62c83feda3"
            """
        let acked = reader.events(inLog: ackPair, toRunSeconds: { _ in 0 })
        #expect(acked.map(\.event.rawValue) == ["chunk_acked"] && acked.first?.node == "r1")
        #expect(first("chunk_sent")?.detail == "661aaefbf476d7cf5ad55b62c83feda3")
        #expect(first("ack_unmatched") != nil && first("chunk_rolled_back")?.cause == "flush_failed")
        // Every event the reader produces is one it declares observable.
        #expect(Set(events.map(\.event)).isSubset(of: FluentdDecisionReader.observableEvents))
    }

    /// Fluentd logs "regard it as unavailable" once per timed-out chunk; only the first, until the node recovers, is
    /// a `disabled` decision.
    @Test func repeatedDisablesOfAnUnavailableNodeAreOneDecision() {
        let l = { (t: String) in "2026-12-02 18:00:0\(t) +0000 [warn]: no response from node. regard it as unavailable. host=\"127.0.0.1\" port=1" }
        let text = [l("1.0"), l("1.1"), "2026-12-02 18:00:02.0 +0000 [warn]: recovered forwarding server 'r1' host=\"127.0.0.1\" port=1", l("3.0")]
            .joined(separator: "\n")
        let events = FluentdDecisionReader(labels: ["127.0.0.1:1": "r1"]).events(inLog: text, toRunSeconds: { Double($0 % 10_000_000_000) / 1e9 })
        #expect(events.map(\.event.rawValue) == ["ack_failed", "disabled", "ack_failed", "recovered", "ack_failed", "disabled"])
    }

    @Test func noNodesAvailableInAFlushError() {
        let line = "2026-12-02 18:00:00.1 +0000 [warn]: failed to flush the buffer. retry_times=2 next_retry_time=2026-12-02 18:00:01 +0000 chunk=\"ab\" error_class=Fluent::Plugin::ForwardOutput::NoNodesAvailable error=\"no nodes are available\""
        let events = FluentdDecisionReader(labels: [:]).events(inLog: line, toRunSeconds: { _ in 1 })
        #expect(events.map(\.event.rawValue) == ["no_nodes_available", "chunk_retry"])
        #expect(events[0].cause == "flush_failed" && events[1].cause == "Fluent::Plugin::ForwardOutput::NoNodesAvailable")
    }

    /// The discovery manager's lines (docs/fluentd-host.md): a named service by its name, an unnamed one by HOST:PORT.
    @Test func serviceInAndOutLines() {
        let text = ["2026-12-07 14:25:26.196740488 +0000 [info]: Service in: name=r2 127.0.0.1:45847",
                    "2026-12-07 14:25:26.196903730 +0000 [info]: Service out: name= 127.0.0.1:33129"].joined(separator: "\n")
        let events = FluentdDecisionReader(labels: [:]).events(inLog: text, toRunSeconds: { _ in 1 })
        #expect(events.map(\.event) == [.serviceIn, .serviceOut])
        #expect(events.map(\.node) == ["r2", "127.0.0.1:33129"])
    }
}
