/// Writes a plausible TCP conversation (handshake, segments, acks, FIN or RST) into a capture.
///
/// Tracks both sides' sequence numbers so generated captures reassemble like real ones; the
/// golden captures and the benchmark are built with it.
public struct SyntheticTCPConnection {
    public let client: IPEndpoint
    public let server: IPEndpoint
    public let linkType: LinkType
    /// Next sequence number each side will send.
    public private(set) var clientSeq: UInt32
    public private(set) var serverSeq: UInt32
    private var frame: [UInt8] = []

    public init(client: IPEndpoint, server: IPEndpoint, clientISN: UInt32 = 1000, serverISN: UInt32 = 5000,
                linkType: LinkType = .ethernet) {
        self.client = client
        self.server = server
        self.linkType = linkType
        self.clientSeq = clientISN
        self.serverSeq = serverISN
    }

    /// SYN, SYN-ACK, ACK starting at `time`, `rtt` nanoseconds apart.
    public mutating func handshake(_ w: PcapFileWriter, at time: Int64, rtt: Int64 = 20_000) throws(PcapFileError) {
        try write(w, time, fromClient: true, seq: clientSeq, flags: .syn)
        clientSeq &+= 1
        try write(w, time + rtt, fromClient: false, seq: serverSeq, flags: [.syn, .ack])
        serverSeq &+= 1
        try write(w, time + 2 * rtt, fromClient: true, seq: clientSeq, flags: .ack)
    }

    /// Just a SYN (a connect attempt); `refused` adds the server's RST.
    public mutating func synOnly(_ w: PcapFileWriter, at time: Int64, refused: Bool, rtt: Int64 = 20_000) throws(PcapFileError) {
        try write(w, time, fromClient: true, seq: clientSeq, flags: .syn)
        clientSeq &+= 1
        if refused { try write(w, time + rtt, fromClient: false, seq: 0, flags: [.rst, .ack]) }
    }

    /// Sends `bytes` in segments of at most `segmentSize`, one segment every `spacing` ns; returns the last segment's time.
    @discardableResult
    public mutating func send(_ w: PcapFileWriter, fromClient: Bool, _ bytes: [UInt8], at time: Int64,
                              segmentSize: Int = 32_768, spacing: Int64 = 1_000) throws(PcapFileError) -> Int64 {
        var t = time
        var at = 0
        while at < bytes.count {
            let n = min(segmentSize, bytes.count - at)
            let seq = fromClient ? clientSeq : serverSeq
            try write(w, t, fromClient: fromClient, seq: seq, flags: [.ack, .psh], payload: bytes[at..<(at + n)])
            if fromClient { clientSeq &+= UInt32(n) } else { serverSeq &+= UInt32(n) }
            at += n
            t += spacing
        }
        return t - spacing
    }

    /// One segment at an explicit offset from the side's next sequence number, without advancing it
    /// (to stage out-of-order delivery and retransmissions; call `advance` once the bytes are all written).
    public mutating func segment(_ w: PcapFileWriter, fromClient: Bool, offset: Int, _ bytes: [UInt8], at time: Int64) throws(PcapFileError) {
        let base = fromClient ? clientSeq : serverSeq
        try write(w, time, fromClient: fromClient, seq: base &+ UInt32(truncatingIfNeeded: offset), flags: [.ack, .psh], payload: bytes[...])
    }

    /// Moves a side's sequence number past bytes written with `segment`.
    public mutating func advance(fromClient: Bool, by n: Int) {
        if fromClient { clientSeq &+= UInt32(truncatingIfNeeded: n) } else { serverSeq &+= UInt32(truncatingIfNeeded: n) }
    }

    /// A bare ACK.
    public mutating func ack(_ w: PcapFileWriter, fromClient: Bool, at time: Int64) throws(PcapFileError) {
        try write(w, time, fromClient: fromClient, seq: fromClient ? clientSeq : serverSeq, flags: .ack)
    }

    /// FIN from the initiator, FIN-ACK from the other side, final ACK.
    public mutating func close(_ w: PcapFileWriter, fromClient: Bool = true, at time: Int64, rtt: Int64 = 20_000) throws(PcapFileError) {
        try write(w, time, fromClient: fromClient, seq: fromClient ? clientSeq : serverSeq, flags: [.fin, .ack])
        if fromClient { clientSeq &+= 1 } else { serverSeq &+= 1 }
        try write(w, time + rtt, fromClient: !fromClient, seq: fromClient ? serverSeq : clientSeq, flags: [.fin, .ack])
        if fromClient { serverSeq &+= 1 } else { clientSeq &+= 1 }
        try write(w, time + 2 * rtt, fromClient: fromClient, seq: fromClient ? clientSeq : serverSeq, flags: .ack)
    }

    /// A RST from one side.
    public mutating func reset(_ w: PcapFileWriter, fromClient: Bool, at time: Int64) throws(PcapFileError) {
        try write(w, time, fromClient: fromClient, seq: fromClient ? clientSeq : serverSeq, flags: [.rst, .ack])
    }

    private mutating func write(_ w: PcapFileWriter, _ time: Int64, fromClient: Bool, seq: UInt32, flags: TCPFlags,
                                payload: ArraySlice<UInt8> = []) throws(PcapFileError) {
        frame.removeAll(keepingCapacity: true)
        payload.withUnsafeBytes { payload in
            PacketBuilder.appendTCP(into: &frame, linkType: linkType, source: fromClient ? client : server,
                                    destination: fromClient ? server : client, sequence: seq,
                                    acknowledgment: flags.contains(.syn) && !flags.contains(.ack) ? 0 : (fromClient ? serverSeq : clientSeq),
                                    flags: flags, payload: payload)
        }
        let result = frame.withUnsafeBytes { raw in
            Result { () throws(PcapFileError) in try w.write(timestampNanos: time, bytes: raw) }
        }
        try result.get()
    }
}
