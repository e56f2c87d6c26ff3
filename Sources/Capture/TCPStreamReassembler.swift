/// Rebuilds the in-order byte streams of TCP connections from packets, both directions.
///
/// Sequence numbers are unwrapped into 64-bit stream offsets relative to the next expected byte,
/// so wrap-around past 2³² is invisible to callers. Retransmitted and overlapping bytes are
/// delivered once; out-of-order segments wait in a per-direction buffer capped at
/// `maxBufferedBytesPerStream`: when a segment would exceed it, the hole is declared lost
/// (a `.gap` event) and the buffered bytes after it are delivered.
public struct TCPStreamReassembler: Sendable {
    public let maxBufferedBytesPerStream: Int
    /// Ports known to be servers; used to orient connections whose SYN was not captured.
    public var serverPorts: Set<UInt16>

    /// Every connection seen so far, by id (ids are dense, starting at 0).
    public private(set) var connections: [TCPConnectionSummary] = []

    private struct FlowKey: Hashable, Sendable {
        let a: IPEndpoint
        let b: IPEndpoint
        init(_ x: IPEndpoint, _ y: IPEndpoint) {
            if x < y { a = x; b = y } else { a = y; b = x }
        }
    }

    private struct Segment: Sendable {
        var offset: UInt64
        var bytes: [UInt8]
        var end: UInt64 { offset + UInt64(bytes.count) }
    }

    private struct HalfStream: Sendable {
        var started = false
        var nextSeq: UInt32 = 0
        var nextOffset: UInt64 = 0
        var pending: [Segment] = []
        var pendingBytes = 0
        var finSeen = false
    }

    private struct State: Sendable {
        var client = HalfStream()
        var server = HalfStream()
        var clientISN: UInt32?
        var established = false
    }

    private var flows: [FlowKey: Int] = [:]
    private var states: [State] = []

    public init(maxBufferedBytesPerStream: Int = 8 << 20, serverPorts: Set<UInt16> = []) {
        self.maxBufferedBytesPerStream = maxBufferedBytesPerStream
        self.serverPorts = serverPorts
    }

    /// Feeds one TCP packet whose payload is `payload`; events go to `sink`.
    public mutating func process<S: TCPStreamSink>(_ packet: DissectedPacket, payload: UnsafeRawBufferPointer, time: Int64, into sink: inout S) {
        guard packet.transport == .tcp else { return }
        let flags = packet.flags
        let key = FlowKey(packet.source, packet.destination)
        let isClientSYN = flags.contains(.syn) && !flags.contains(.ack)
        var id: Int
        if let existing = flows[key] {
            id = existing
            let s = states[id]
            // A fresh SYN with another ISN on a finished or data-carrying connection: the port was reused.
            if isClientSYN, let isn = s.clientISN, isn != packet.sequence {
                id = open(key, packet, time: time, into: &sink)
            } else if isClientSYN, s.clientISN == nil, connections[id].isClosed || s.client.nextOffset > 0 || s.server.nextOffset > 0 {
                id = open(key, packet, time: time, into: &sink)
            }
        } else {
            id = open(key, packet, time: time, into: &sink)
        }
        let fromClient = packet.source == connections[id].client
        let direction: TCPDirection = fromClient ? .clientToServer : .serverToClient
        connections[id].lastTime = time

        if flags.contains(.syn) {
            if fromClient {
                connections[id].synCount += 1
                if connections[id].synTime == nil { connections[id].synTime = time }
                if states[id].clientISN == nil { states[id].clientISN = packet.sequence }
                sink.tcpEvent(.syn(connection: id, time: time))
            } else if connections[id].synAckTime == nil {
                connections[id].synAckTime = time
                sink.tcpEvent(.synAck(connection: id, time: time))
            }
            withHalf(id, direction) { half in
                if !half.started {
                    half.started = true
                    half.nextSeq = packet.sequence &+ 1
                }
            }
        } else if !states[id].established, !connections[id].isClosed,
                  (fromClient && flags.contains(.ack) && connections[id].synAckTime != nil) || packet.payloadLength > 0 {
            states[id].established = true
            connections[id].establishedTime = time
            sink.tcpEvent(.established(connection: id, time: time))
        }

        if payload.count > 0 {
            deliver(id, direction, seq: packet.sequence, payload: payload, time: time, into: &sink)
        }

        if flags.contains(.fin) {
            let first = withHalf(id, direction) { half -> Bool in
                defer { half.finSeen = true }
                return !half.finSeen
            }
            if first {
                if fromClient { connections[id].clientFinTime = time } else { connections[id].serverFinTime = time }
                sink.tcpEvent(.fin(connection: id, direction: direction, time: time))
                if states[id].client.finSeen && states[id].server.finSeen && !connections[id].isClosed {
                    close(id, time: time, into: &sink)
                }
            }
        }
        if flags.contains(.rst), connections[id].resetTime == nil {
            connections[id].resetTime = time
            connections[id].resetBy = direction
            sink.tcpEvent(.reset(connection: id, direction: direction, time: time))
            if !connections[id].isClosed { close(id, time: time, into: &sink) }
        }
    }

    /// Declares remaining holes lost and delivers what was buffered behind them (end of capture).
    public mutating func finish<S: TCPStreamSink>(time: Int64, into sink: inout S) {
        for id in states.indices {
            flushPending(id, .clientToServer, time: time, into: &sink)
            flushPending(id, .serverToClient, time: time, into: &sink)
        }
    }

    // MARK: - Internals

    private mutating func open<S: TCPStreamSink>(_ key: FlowKey, _ packet: DissectedPacket, time: Int64, into sink: inout S) -> Int {
        let flags = packet.flags
        let sourceIsClient: Bool
        if flags.contains(.syn) {
            sourceIsClient = !flags.contains(.ack)
        } else if serverPorts.contains(packet.destination.port) != serverPorts.contains(packet.source.port) {
            sourceIsClient = serverPorts.contains(packet.destination.port)
        } else {
            // No handshake and no hint: the lower port is most likely the listening one.
            sourceIsClient = packet.destination.port <= packet.source.port
        }
        let client = sourceIsClient ? packet.source : packet.destination
        let server = sourceIsClient ? packet.destination : packet.source
        let id = connections.count
        connections.append(TCPConnectionSummary(id: id, client: client, server: server, time: time))
        states.append(State())
        flows[key] = id
        sink.tcpEvent(.opened(connection: id, client: client, server: server, time: time, sawSYN: flags.contains(.syn)))
        return id
    }

    private mutating func close<S: TCPStreamSink>(_ id: Int, time: Int64, into sink: inout S) {
        flushPending(id, .clientToServer, time: time, into: &sink)
        flushPending(id, .serverToClient, time: time, into: &sink)
        connections[id].closeTime = time
        sink.tcpEvent(.closed(connection: id, time: time))
    }

    @discardableResult
    private mutating func withHalf<R>(_ id: Int, _ direction: TCPDirection, _ body: (inout HalfStream) -> R) -> R {
        direction == .clientToServer ? body(&states[id].client) : body(&states[id].server)
    }

    private mutating func deliver<S: TCPStreamSink>(_ id: Int, _ direction: TCPDirection, seq: UInt32,
                                                    payload: UnsafeRawBufferPointer, time: Int64, into sink: inout S) {
        var half = direction == .clientToServer ? states[id].client : states[id].server
        // Move the half out so appending to its buffer does not copy (restored below).
        if direction == .clientToServer { states[id].client = HalfStream() } else { states[id].server = HalfStream() }
        defer { if direction == .clientToServer { states[id].client = half } else { states[id].server = half } }

        if !half.started {
            half.started = true
            half.nextSeq = seq
        }
        let delta = Int64(Int32(bitPattern: seq &- half.nextSeq))
        let start = Int64(half.nextOffset) + delta
        let end = start + Int64(payload.count)
        let next = Int64(half.nextOffset)
        if end <= next {
            connections[id].retransmittedBytes += UInt64(payload.count)
            return
        }
        if start <= next {
            let skip = Int(next - start)
            connections[id].retransmittedBytes += UInt64(skip)
            emit(id, direction, &half, UnsafeRawBufferPointer(rebasing: payload[skip...]), time: time, into: &sink)
            drain(id, direction, &half, time: time, into: &sink)
            return
        }
        // Out of order: keep a copy, within the cap.
        connections[id].outOfOrderSegments += 1
        let offset = UInt64(start)
        while half.pendingBytes + payload.count > maxBufferedBytesPerStream {
            // Give up on the hole before the earliest data we hold (this segment or a buffered one).
            let target = min(half.pending.first?.offset ?? offset, offset)
            skipTo(id, direction, &half, target, time: time, into: &sink)
            drain(id, direction, &half, time: time, into: &sink)
            if Int64(half.nextOffset) >= start { break }
        }
        let now = Int64(half.nextOffset)
        if end <= now { return }
        if start <= now {
            emit(id, direction, &half, UnsafeRawBufferPointer(rebasing: payload[Int(now - start)...]), time: time, into: &sink)
            drain(id, direction, &half, time: time, into: &sink)
            return
        }
        let segment = Segment(offset: offset, bytes: Array(payload))
        var lo = 0, hi = half.pending.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if half.pending[mid].offset < offset { lo = mid + 1 } else { hi = mid }
        }
        if lo < half.pending.count, half.pending[lo].offset == offset, half.pending[lo].bytes.count >= payload.count {
            connections[id].retransmittedBytes += UInt64(payload.count)
            return
        }
        half.pending.insert(segment, at: lo)
        half.pendingBytes += payload.count
    }

    private mutating func emit<S: TCPStreamSink>(_ id: Int, _ direction: TCPDirection, _ half: inout HalfStream,
                                                 _ bytes: UnsafeRawBufferPointer, time: Int64, into sink: inout S) {
        guard !bytes.isEmpty else { return }
        sink.tcpData(connection: id, direction: direction, streamOffset: half.nextOffset, bytes: bytes, time: time)
        half.nextOffset += UInt64(bytes.count)
        half.nextSeq = half.nextSeq &+ UInt32(truncatingIfNeeded: bytes.count)
        if direction == .clientToServer {
            connections[id].clientBytes += UInt64(bytes.count)
        } else {
            connections[id].serverBytes += UInt64(bytes.count)
        }
    }

    /// Delivers buffered segments that now touch the stream's end.
    private mutating func drain<S: TCPStreamSink>(_ id: Int, _ direction: TCPDirection, _ half: inout HalfStream,
                                                  time: Int64, into sink: inout S) {
        while let first = half.pending.first, first.offset <= half.nextOffset {
            half.pending.removeFirst()
            half.pendingBytes -= first.bytes.count
            if first.end > half.nextOffset {
                let skip = Int(half.nextOffset - first.offset)
                connections[id].retransmittedBytes += UInt64(skip)
                first.bytes.withUnsafeBytes { raw in
                    emit(id, direction, &half, UnsafeRawBufferPointer(rebasing: raw[skip...]), time: time, into: &sink)
                }
            } else {
                connections[id].retransmittedBytes += UInt64(first.bytes.count)
            }
        }
    }

    private mutating func skipTo<S: TCPStreamSink>(_ id: Int, _ direction: TCPDirection, _ half: inout HalfStream,
                                                   _ offset: UInt64, time: Int64, into sink: inout S) {
        guard offset > half.nextOffset else { return }
        let missing = offset - half.nextOffset
        sink.tcpEvent(.gap(connection: id, direction: direction, streamOffset: half.nextOffset, missingBytes: missing, time: time))
        connections[id].missingBytes += missing
        half.nextSeq = half.nextSeq &+ UInt32(truncatingIfNeeded: missing)
        half.nextOffset = offset
    }

    private mutating func flushPending<S: TCPStreamSink>(_ id: Int, _ direction: TCPDirection, time: Int64, into sink: inout S) {
        var half = direction == .clientToServer ? states[id].client : states[id].server
        // Bounded: every pass removes at least one segment.
        while let first = half.pending.first {
            skipTo(id, direction, &half, first.offset, time: time, into: &sink)
            drain(id, direction, &half, time: time, into: &sink)
        }
        half.pending = []
        half.pendingBytes = 0
        if direction == .clientToServer { states[id].client = half } else { states[id].server = half }
    }
}
