import ForwardLabTestSupport
import Foundation
import Testing

@testable import Scenarios

/// `fwdlab receiver --metrics HOST:PORT` through the real binary: GET /metrics serves the simulator's
/// `fwdlab_receiver_*` series for the one receiver; a malformed address is refused before anything listens.
@Suite(.serialized) struct ReceiverMetricsCommandTests {
    @Test("fwdlab receiver --metrics: /metrics counts the acked chunk; other paths 404; a bad address is refused")
    func receiverServesMetrics() throws {
        let port = try PortAllocator.freeTCPPort()
        var metricsPort = try PortAllocator.freeTCPPort()
        while metricsPort == port { metricsPort = try PortAllocator.freeTCPPort() }
        let p = try CommandLineTests.start(["receiver", "--port", String(port), "--bind", "127.0.0.1", "--name", "r1",
                                            "--metrics", "127.0.0.1:\(metricsPort)"])
        defer { _ = CommandLineTests.stop(p) }
        #expect(pollUntilBlocking(seconds: 10) { PortAllocator.accepts(port: port) && PortAllocator.accepts(port: metricsPort) })
        let client = try RawClient(port: port)
        client.send(Wire.packed(seqs: [1, 2]))
        #expect(client.readMessage(timeout: 5) == Wire.ack(Wire.chunkID))
        let (status, body) = Self.get(metricsPort, "/metrics")
        #expect(status.hasPrefix("HTTP/1.1 200") && status.contains("text/plain; version=0.0.4"), "\(status)")
        for line in [#"fwdlab_receiver_up{receiver="r1"} 1.0"#, #"fwdlab_receiver_events{receiver="r1"} 2.0"#,
                     #"fwdlab_receiver_requests{receiver="r1"} 1.0"#, #"fwdlab_receiver_acks{receiver="r1"} 1.0"#,
                     #"fwdlab_receiver_ledger_events{receiver="r1"} 2.0"#, #"fwdlab_receiver_connections_open{receiver="r1"} 1.0"#] {
            #expect(body.contains(line), "\(line) in:\n\(body)")
        }
        #expect(!body.contains("fwdlab_fault_actions"), "a standalone receiver has no faults")
        #expect(Self.get(metricsPort, "/other").head.hasPrefix("HTTP/1.1 404"))
        #expect(CommandLineTests.stop(p))

        let bad = try CommandLineTests.run(["receiver", "--port", "0", "--metrics", "localhost"], seconds: 10)
        #expect(bad.status != 0 && bad.err.contains("--metrics must be HOST:PORT, got 'localhost'"), "\(bad.err)")
    }

    /// One GET over a fresh connection: the status line and headers, and the body.
    static func get(_ port: Int, _ path: String) -> (head: String, body: String) {
        guard let c = try? RawClient(port: port) else { return ("", "") }
        c.send(Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
        let text = String(decoding: c.read(count: 1 << 20, timeout: 3), as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { return (text, "") }
        return (String(text[..<split.lowerBound]), String(text[split.upperBound...]))
    }
}
