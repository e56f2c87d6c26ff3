import Testing
@testable import Capture

private let c = IPEndpoint(address: .loopbackV4, port: 40_000)
private let s = IPEndpoint(address: .loopbackV4, port: 24_224)

/// Feeds hand-made TCP packets (no frames needed) into a reassembler.
private struct Feeder {
    var r = TCPStreamReassembler(maxBufferedBytesPerStream: 64)
    var sink = TCPStreamEventCollector()
    var t: Int64 = 0

    mutating func send(_ from: IPEndpoint, _ to: IPEndpoint, seq: UInt32, _ flags: TCPFlags, _ payload: [UInt8] = []) {
        t += 1
        var p = DissectedPacket(transport: .tcp, source: from, destination: to, payloadOffset: 0,
                                payloadLength: payload.count, wirePayloadLength: payload.count)
        p.sequence = seq
        p.flags = flags
        payload.withUnsafeBytes { r.process(p, payload: $0, time: t, into: &sink) }
    }
}

@Test func inOrderHandshakeDataAndClose() {
    var f = Feeder()
    f.send(c, s, seq: 100, .syn)
    f.send(s, c, seq: 900, [.syn, .ack])
    f.send(c, s, seq: 101, .ack)
    f.send(c, s, seq: 101, [.ack, .psh], [1, 2, 3])
    f.send(s, c, seq: 901, [.ack, .psh], [9])
    f.send(c, s, seq: 104, [.fin, .ack])
    f.send(s, c, seq: 902, [.fin, .ack])
    #expect(f.sink.stream(0, .clientToServer) == [1, 2, 3])
    #expect(f.sink.stream(0, .serverToClient) == [9])
    let summary = f.r.connections[0]
    #expect(summary.synTime == 1 && summary.synAckTime == 2 && summary.establishedTime == 3)
    #expect(summary.clientFinTime == 6 && summary.closeTime == 7 && summary.resetTime == nil)
    #expect(f.sink.events.contains(.closed(connection: 0, time: 7)))
}

@Test func outOfOrderRetransmissionAndOverlap() {
    var f = Feeder()
    f.send(c, s, seq: 0, .syn)
    f.send(c, s, seq: 4, .ack, [4, 5, 6, 7])       // early
    f.send(c, s, seq: 1, .ack, [1, 2, 3])          // fills the hole → 1..7 delivered with this time
    f.send(c, s, seq: 1, .ack, [1, 2, 3])          // retransmission
    f.send(c, s, seq: 6, .ack, [6, 7, 8, 9])       // overlap
    #expect(f.sink.stream(0, .clientToServer) == [1, 2, 3, 4, 5, 6, 7, 8, 9])
    #expect(f.r.connections[0].retransmittedBytes == 5)
    #expect(f.r.connections[0].outOfOrderSegments == 1)
    let times = f.sink.events.compactMap { e -> Int64? in
        if case let .data(_, _, off, _, t) = e, off == 3 { return t } else { return nil }
    }
    #expect(times == [3])  // bytes 4..7 were completed by the third packet
}

@Test func sequenceWrapAround() {
    var f = Feeder()
    let isn: UInt32 = 0xffff_fffd
    f.send(c, s, seq: isn, .syn)
    f.send(c, s, seq: isn &+ 1, .ack, [1, 2])
    f.send(c, s, seq: 2, .ack, [5, 6])              // after the wrap, out of order
    f.send(c, s, seq: isn &+ 3, .ack, [3, 4])       // crosses 2^32
    #expect(f.sink.stream(0, .clientToServer) == [1, 2, 3, 4, 5, 6])
}

@Test func resetAndGapCap() {
    var f = Feeder()
    f.send(c, s, seq: 0, .syn)
    f.send(c, s, seq: 1, .ack, [1])
    f.send(c, s, seq: 100, .ack, [UInt8](repeating: 7, count: 40))   // hole of 98 bytes
    f.send(c, s, seq: 140, .ack, [UInt8](repeating: 8, count: 40))   // would exceed the 64-byte cap
    #expect(f.sink.events.contains(.gap(connection: 0, direction: .clientToServer, streamOffset: 1, missingBytes: 98, time: 4)))
    #expect(f.sink.stream(0, .clientToServer).count == 81)
    f.send(s, c, seq: 5, .rst)
    #expect(f.r.connections[0].resetBy == .serverToClient)
    #expect(f.r.connections[0].isClosed)
    // Port reuse: a new SYN with a new ISN opens connection 1.
    f.send(c, s, seq: 5000, .syn)
    #expect(f.r.connections.count == 2)
    f.send(c, s, seq: 5000, .syn)  // retransmitted SYN
    #expect(f.r.connections[1].synCount == 2)
}

@Test func midStreamCaptureUsesServerPortHint() {
    var f = Feeder()
    f.r.serverPorts = [24_224]
    f.send(s, c, seq: 77, .ack, [0x81])
    #expect(f.r.connections[0].server == s)
    #expect(f.sink.stream(0, .serverToClient) == [0x81])
}
