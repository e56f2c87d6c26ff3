import ForwardServer
import Foundation
import Testing

@testable import Simulator

#if canImport(Glibc)
import ForwardLabTestSupport
#endif

/// ReceiverMetrics for a standalone receiver (`fwdlab receiver --metrics`): the same series as the simulator's
/// control API, from the same function.
@Suite struct ReceiverMetricsTests {
    /// Each sample line's series (name and labels) mapped to its value.
    static func samples(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            out[String(line[..<space])] = String(line[line.index(after: space)...])
        }
        return out
    }

    @Test("a standalone receiver's series are the simulator's for a receiver of the same name, with its live counts")
    func standaloneMatchesTheSimulator() async throws {
        var settings = ReceiverSettings(name: "a", bind: "127.0.0.1", port: 0)
        settings.logger.logLevel = .critical
        let standalone = try await ForwardReceiver.start(settings)
        let fromSimulator = try await withController(ReceiverMetricsTests.topology) { c in
            let client = try RawClient(port: try await c.port(of: "a"))
            #expect(timedAck(client, seq: 1, chunk: chunkID(1)).0 != nil)
            return ReceiverMetrics.exposition(statuses: await c.statuses(), faultCounts: c.faultCounters())
        }
        let client = try RawClient(port: standalone.port)
        #expect(timedAck(client, seq: 1, chunk: chunkID(1)).0 != nil)
        let text = ReceiverMetrics.exposition(receiver: standalone, settings: settings)
        await standalone.stop()
        let mine = Self.samples(text), theirs = Self.samples(fromSimulator)
        #expect(mine.count >= 13, "\(text)")
        #expect(Set(mine.keys) == Set(theirs.keys), "standalone:\n\(text)\nsimulator:\n\(fromSimulator)")
        for series in [#"fwdlab_receiver_events{receiver="a"}"#, #"fwdlab_receiver_acks{receiver="a"}"#,
                       #"fwdlab_receiver_requests{receiver="a"}"#, #"fwdlab_receiver_ledger_events{receiver="a"}"#,
                       #"fwdlab_receiver_up{receiver="a"}"#] {
            #expect(mine[series] == "1.0" && theirs[series] == "1.0", "\(series): \(mine[series] ?? "-") / \(theirs[series] ?? "-")")
        }
        #expect(mine[#"fwdlab_receiver_bytes_read{receiver="a"}"#] == theirs[#"fwdlab_receiver_bytes_read{receiver="a"}"#])
    }

    static let topology = Topology(seed: 7, receivers: [Topology.Receiver(settings: ReceiverSettings(name: "a"), tlsFromTestCA: false)])
}
