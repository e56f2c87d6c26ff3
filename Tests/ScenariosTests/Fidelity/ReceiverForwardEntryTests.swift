import ForwardProtocol
import Testing
@testable import Scenarios

/// The receiver fix the differential found: Forward-mode entries are indexed (`e[1]`, `e[0]`, `time.to_i`) by
/// in_forward, so entries it cannot index close the connection with nothing accepted (docs/fidelity-receiver.md).
@Suite("Receiver fidelity: Forward-mode entries Fluentd cannot index")
struct ReceiverForwardEntryTests {
    static func frame(_ name: String, _ entries: [MessagePackValue]) -> ReceiverFrame {
        let v = MessagePackValue.array(["fid.t", .array(entries), .map([MessagePackPair("chunk", "c1")])])
        return ReceiverFrame(name: name, bytes: Array(v.encoded.readableBytesView), origin: .generated)
    }

    static let valid = MessagePackValue.array([.int(1_700_000_000), .map([MessagePackPair("seq", 1)])])

    @Test("nil, boolean and float entries, and a Fluent Bit metadata time, close without events or ack",
          arguments: [
              ("nil entry", MessagePackValue.nil),
              ("boolean entry", MessagePackValue.bool(true)),
              ("float entry", MessagePackValue.double(1.5)),
              ("Fluent Bit metadata", MessagePackValue.array([.array([.int(1_700_000_000), .map([])]), .map([MessagePackPair("seq", 2)])])),
              ("map as time", MessagePackValue.array([.map([]), .map([MessagePackPair("seq", 2)])])),
          ])
    func closes(name: String, entry: MessagePackValue) async throws {
        let side = FwdlabReceiverSide()
        let port = try await side.ensureRunning()
        let outcome = try FrameExchange(probeTimeout: 2).run(Self.frame(name, [Self.valid, entry]), port: port, probeChunk: "p")
        #expect(outcome.connection == .closed, "\(name)")
        #expect(outcome.responses.isEmpty, "\(name): no ack")
        let after = try FrameExchange(probeTimeout: 2).run(Self.frame("after", [Self.valid]), port: port, probeChunk: "p2")
        #expect(after.connection == .kept)
        await side.shutdown()
    }

    @Test("Entries Fluentd skips stay skipped: nil record, short entry, map entry (record lookup is nil)")
    func skips() async throws {
        let side = FwdlabReceiverSide()
        let port = try await side.ensureRunning()
        let entries: [MessagePackValue] = [Self.valid, .array([.int(1), .nil]), .array([.int(1)]), .map([MessagePackPair("a", 1)]),
                                           .array([.nil, .map([MessagePackPair("seq", 3)])])]
        let outcome = try FrameExchange(probeTimeout: 2).run(Self.frame("skips", entries), port: port, probeChunk: "p")
        #expect(outcome.connection == .kept)
        #expect(outcome.responses.count == 1, "the request is acked")
        await side.shutdown()
    }
}
