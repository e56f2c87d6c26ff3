import Foundation

/// Turns a capture into a `WireReport`: frames → TCP streams → forward messages → per-node figures.
///
/// One pass over the file; per packet it allocates nothing on the common path (frames are
/// borrowed from the reader's buffer, in-order TCP payload is handed straight to the stream
/// decoder). What it keeps is per message, per connection and per UDP datagram, all small.
public struct WireAnalyzer {
    /// Tuning knobs of an analysis.
    public struct Options: Sendable {
        /// Forward server ports; nil: the destination ports of observed SYNs plus 24224.
        public var serverPorts: Set<UInt16>?
        /// Timeline entries kept (0 for benchmarks).
        public var timelineLimit: Int
        /// Walk PackedForward blobs to count events exactly.
        public var countPackedEntries: Bool
        public var maxBufferedBytesPerStream: Int

        public init(serverPorts: Set<UInt16>? = nil, timelineLimit: Int = 100_000, countPackedEntries: Bool = true,
                    maxBufferedBytesPerStream: Int = 8 << 20) {
            self.serverPorts = serverPorts
            self.timelineLimit = timelineLimit
            self.countPackedEntries = countPackedEntries
            self.maxBufferedBytesPerStream = maxBufferedBytesPerStream
        }
    }

    /// Reads and analyses the capture at `path`; `port` restricts nodes to that server port.
    public static func inspect(path: String, port: UInt16? = nil) throws -> WireReport {
        try inspect(path: path, options: Options(serverPorts: port.map { [$0] }))
    }

    /// Reads and analyses the capture at `path` with explicit options.
    public static func inspect(path: String, options: Options) throws -> WireReport {
        let reader = try PcapFileReader(path: path)
        var analyzer = WireAnalyzer(options: options)
        try reader.forEachPacket { analyzer.add($0) }
        return analyzer.finish(file: (path as NSString).lastPathComponent)
    }

    // MARK: - State

    let options: Options
    private var reassembler: TCPStreamReassembler
    private var sink: Collector
    private var packets = PacketFigures()
    private var udp: [UDPRecord] = []

    struct UDPRecord {
        var time: Int64
        var source: IPEndpoint
        var destination: IPEndpoint
        var length: Int
        var firstByte: UInt8?
    }

    /// Creates an analyzer to feed frame by frame (for captures read elsewhere).
    public init(options: Options = Options()) {
        self.options = options
        self.reassembler = TCPStreamReassembler(maxBufferedBytesPerStream: options.maxBufferedBytesPerStream,
                                                serverPorts: options.serverPorts ?? [24_224])
        self.sink = Collector(options: options)
    }

    /// Adds one frame.
    public mutating func add(_ packet: PcapPacketView) {
        packets.frames += 1
        packets.bytes += Int64(packet.bytes.count)
        if packets.firstTimeNanos == nil { packets.firstTimeNanos = packet.timestampNanos }
        packets.lastTimeNanos = packet.timestampNanos
        let dissected: DissectedPacket
        switch PacketDissector.dissect(packet.bytes, linkType: packet.linkType) {
        case let .success(d): dissected = d
        case let .failure(f):
            packets.skipped[f.reason.rawValue, default: 0] += 1
            return
        }
        let payload = UnsafeRawBufferPointer(rebasing: packet.bytes[dissected.payloadOffset..<(dissected.payloadOffset + dissected.payloadLength)])
        if dissected.transport == .tcp {
            packets.tcp += 1
            if let ports = options.serverPorts, !ports.contains(dissected.source.port), !ports.contains(dissected.destination.port) {
                return
            }
            reassembler.process(dissected, payload: payload, time: packet.timestampNanos, into: &sink)
        } else {
            packets.udp += 1
            udp.append(UDPRecord(time: packet.timestampNanos, source: dissected.source, destination: dissected.destination,
                                 length: dissected.wirePayloadLength, firstByte: payload.first))
        }
    }

    /// Completes the analysis and builds the report.
    public mutating func finish(file: String = "") -> WireReport {
        let end = packets.lastTimeNanos ?? 0
        reassembler.finish(time: end, into: &sink)
        let connections = reassembler.connections
        var ports = options.serverPorts ?? Set(connections.map(\.server.port)).union([24_224])
        if options.serverPorts == nil {
            // Keep only ports that look like forward servers: ones that received SYNs or heartbeat bytes.
            ports = Set(connections.filter { $0.synTime != nil || $0.clientBytes > 0 }.map(\.server.port))
            if ports.isEmpty { ports = [24_224] }
        }
        return sink.buildReport(file: file, packets: packets, connections: connections, udp: udp, serverPorts: ports)
    }
}

// MARK: - Collector

extension WireAnalyzer {
    /// Receives reassembler output, decodes forward messages and records what the report needs.
    struct Collector: TCPStreamSink {
        let options: Options
        var timeline: WireTimeline
        var clientDecoders: [ForwardStreamDecoder?] = []
        var serverDecoders: [ForwardStreamDecoder?] = []
        var endpoints: [(client: IPEndpoint, server: IPEndpoint)] = []
        var requests: [RequestRecord] = []
        var pendingAcks: [Int: [String: [Int]]] = [:]  // connection → chunk → request indices
        var counts = MessageCounts()
        var acksPerConnection: [Int: Int] = [:]
        var requestsPerConnection: [Int: Int] = [:]
        var unmatchedAcks: [Int: Int] = [:]
        var ackCountByChunk: [String: Int] = [:]
        var problems: [String] = []
        var tags: [String] = []
        var tagIndex: [String: Int] = [:]

        struct RequestRecord {
            var time: Int64
            var connection: Int
            var tag: Int
            var entries: Int
            var bytes: Int
            var chunk: String?
            var ackTime: Int64?
            var duplicateAcks = 0
        }

        init(options: Options) {
            self.options = options
            self.timeline = WireTimeline(limit: options.timelineLimit)
        }

        mutating func tcpEvent(_ event: TCPStreamEvent) {
            switch event {
            case let .opened(id, client, server, _, _):
                clientDecoders.append(ForwardStreamDecoder(direction: .clientToServer, countPackedEntries: options.countPackedEntries))
                serverDecoders.append(ForwardStreamDecoder(direction: .serverToClient, countPackedEntries: options.countPackedEntries))
                endpoints.append((client, server))
                assert(clientDecoders.count == id + 1)
            case let .syn(id, t): line(t, .syn, id)
            case let .synAck(id, t): line(t, .synAck, id)
            case let .established(id, t): line(t, .established, id)
            case let .fin(id, d, t): line(t, .fin, id, d == .clientToServer ? "from client" : "from server")
            case let .reset(id, d, t): line(t, .reset, id, d == .clientToServer ? "from client" : "from server")
            case let .closed(id, t): line(t, .closed, id)
            case let .gap(id, d, offset, missing, t):
                line(t, .gap, id, "\(missing) bytes missing at \(d.rawValue) offset \(offset)")
                problems.append("connection #\(id) \(d.rawValue): \(missing) bytes missing from the capture at stream offset \(offset)")
                if d == .clientToServer { clientDecoders[id]?.gap(missingBytes: missing) } else { serverDecoders[id]?.gap(missingBytes: missing) }
            case .data:
                break
            }
        }

        mutating func tcpData(connection: Int, direction: TCPDirection, streamOffset: UInt64, bytes: UnsafeRawBufferPointer, time: Int64) {
            // Move the decoder out (leaving nil) so appending does not copy its buffer, and so
            // `handle` may mutate self while the decoder runs.
            var slot: ForwardStreamDecoder? = nil
            if direction == .clientToServer { swap(&slot, &clientDecoders[connection]) } else { swap(&slot, &serverDecoders[connection]) }
            guard var decoder = slot else { return }
            slot = nil
            decoder.append(bytes, streamOffset: streamOffset, time: time) { message in
                handle(message, connection: connection)
            }
            slot = decoder
            if direction == .clientToServer { swap(&slot, &clientDecoders[connection]) } else { swap(&slot, &serverDecoders[connection]) }
        }

        private mutating func line(_ t: Int64, _ kind: WireEventKind, _ id: Int, _ detail: String = "") {
            guard timeline.limit > 0 else { return }
            timeline.append(WireTimelineEntry(timeNanos: t, kind: kind, connection: id, client: endpoints[id].client,
                                              node: endpoints[id].server, detail: detail))
        }

        private mutating func handle(_ m: ForwardWireMessage, connection: Int) {
            counts.count(m.kind)
            if m.isRequest {
                let entries = m.entries ?? 0
                counts.events += entries
                let tag = m.tag ?? ""
                let tagID: Int
                if let known = tagIndex[tag] { tagID = known } else {
                    tagID = tags.count
                    tags.append(tag)
                    tagIndex[tag] = tagID
                }
                requests.append(RequestRecord(time: m.time, connection: connection, tag: tagID, entries: entries,
                                              bytes: m.length, chunk: m.chunk))
                requestsPerConnection[connection, default: 0] += 1
                if let chunk = m.chunk { pendingAcks[connection, default: [:]][chunk, default: []].append(requests.count - 1) }
                if timeline.limit > 0 {
                    var detail = "\(m.kind.rawValue) tag=\(tag) entries=\(entries) bytes=\(m.length)"
                    if let c = m.chunk { detail += " chunk=\(Self.shortChunk(c))" }
                    if let n = m.note { detail += " (\(n))" }
                    line(m.time, .request, connection, detail)
                }
                return
            }
            switch m.kind {
            case .ack:
                acksPerConnection[connection, default: 0] += 1
                let chunk = m.chunk ?? ""
                ackCountByChunk[chunk, default: 0] += 1
                var detail = "chunk=\(Self.shortChunk(chunk))"
                if var list = pendingAcks[connection]?[chunk], !list.isEmpty {
                    let index = list.removeFirst()
                    pendingAcks[connection]?[chunk] = list
                    requests[index].ackTime = m.time
                    detail += String(format: " latency=%.6fs", Double(m.time - requests[index].time) / 1e9)
                } else {
                    unmatchedAcks[connection, default: 0] += 1
                    detail += " (matches no pending request)"
                }
                line(m.time, .ack, connection, detail)
            case .ping: line(m.time, .ping, connection, m.note.map { "hostname=\($0)" } ?? "")
            case .helo: line(m.time, .helo, connection, m.flag.map { "keepalive=\($0)" } ?? "")
            case .pong: line(m.time, .pong, connection, (m.flag == true ? "auth ok" : "auth failed") + (m.note.map { ": \($0)" } ?? ""))
            case .heartbeatNil: line(m.time, .heartbeatNil, connection)
            case .broken:
                line(m.time, .broken, connection, m.note ?? "")
                problems.append("connection #\(connection) \(m.direction.rawValue): unusable message at offset \(m.streamOffset): \(m.note ?? "?")")
            default: break
            }
        }

        static func shortChunk(_ c: String) -> String {
            c.hasSuffix("\n") ? String(c.dropLast()) : c
        }
    }
}
