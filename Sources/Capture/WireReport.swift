import Foundation

/// Everything the analyzer measured in one capture; encodes to JSON and renders as text.
public struct WireReport: Sendable, Codable, Equatable {
    /// File name (not the full path, so reports compare across machines).
    public var file: String
    public var packets: PacketFigures
    /// Server ports treated as forward nodes (TCP and UDP).
    public var serverPorts: [UInt16]
    public var messages: MessageCounts
    public var nodes: [NodeFigures]
    public var connections: [ConnectionFigures]
    public var chunks: [ChunkFigures]
    public var failovers: [FailoverGap]
    /// Decoding problems (capture gaps, undecodable streams, incomplete messages at the end).
    public var problems: [String]
    public var timeline: WireTimeline
}

/// Frame counts of the capture.
public struct PacketFigures: Sendable, Codable, Equatable {
    public var frames = 0
    public var tcp = 0
    public var udp = 0
    /// Frames that were not TCP/UDP over IP, by reason.
    public var skipped: [String: Int] = [:]
    public var firstTimeNanos: Int64?
    public var lastTimeNanos: Int64?
    public var bytes: Int64 = 0
}

/// Message counts over the whole capture, by kind.
public struct MessageCounts: Sendable, Codable, Equatable {
    public var message = 0
    public var forward = 0
    public var packedForward = 0
    public var compressedPackedForward = 0
    public var events = 0
    public var ping = 0
    public var helo = 0
    public var pong = 0
    public var ack = 0
    public var heartbeatNil = 0
    public var broken = 0
    public var udpHeartbeatRequests = 0
    public var udpHeartbeatReplies = 0
    public var transportHeartbeats = 0

    /// Requests in the four event modes.
    public var requests: Int { message + forward + packedForward + compressedPackedForward }

    mutating func count(_ kind: ForwardWireMessageKind) {
        switch kind {
        case .message: message += 1
        case .forward: forward += 1
        case .packedForward: packedForward += 1
        case .compressedPackedForward: compressedPackedForward += 1
        case .ping: ping += 1
        case .helo: helo += 1
        case .pong: pong += 1
        case .ack: ack += 1
        case .heartbeatNil: heartbeatNil += 1
        case .broken: broken += 1
        }
    }
}

/// Summary statistics of a set of durations or periods, in seconds.
public struct DurationStats: Sendable, Codable, Equatable {
    public var count: Int
    public var mean: Double
    public var stddev: Double
    public var min: Double
    public var p50: Double
    public var p95: Double
    public var max: Double

    /// nil for an empty sample.
    public init?(nanos values: [Int64]) {
        guard !values.isEmpty else { return nil }
        let s = values.map { Double($0) / 1e9 }.sorted()
        count = s.count
        let m = s.reduce(0, +) / Double(s.count)
        mean = Self.round(m)
        stddev = Self.round((s.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(s.count)).squareRoot())
        min = Self.round(s[0])
        max = Self.round(s[s.count - 1])
        p50 = Self.round(Self.percentile(s, 0.50))
        p95 = Self.round(Self.percentile(s, 0.95))
    }

    /// Nearest-rank percentile of a sorted sample.
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[Swift.max(0, Swift.min(sorted.count - 1, rank - 1))]
    }

    /// Microsecond resolution keeps JSON stable and readable.
    static func round(_ x: Double) -> Double { (x * 1e6).rounded() / 1e6 }
}

/// Events and bytes sent to a node during one wall-clock second.
public struct SecondBucket: Sendable, Codable, Equatable {
    /// Unix second.
    public var second: Int64
    public var requests: Int
    public var events: Int
    public var bytes: Int
}

/// Heartbeat figures of one node and transport.
public struct HeartbeatFigures: Sendable, Codable, Equatable {
    public var requests: Int
    public var replies: Int
    public var unanswered: Int
    /// Time between consecutive requests from the same client.
    public var period: DurationStats?
    /// Request → reply.
    public var replyLatency: DurationStats?
}

/// Ack figures of one node.
public struct AckFigures: Sendable, Codable, Equatable {
    /// Requests carrying a `chunk` option.
    public var requested: Int
    public var acked: Int
    public var unacked: Int
    /// Acks whose chunk matched no pending request on their connection.
    public var unmatched: Int
    /// Request completed → ack completed.
    public var latency: DurationStats?
}

/// Connection lifecycle figures of one node.
public struct ConnectionLifecycleFigures: Sendable, Codable, Equatable {
    public var connections: Int
    public var syns: Int
    /// SYNs divided by chunk sends (requests) to this node.
    public var synsPerRequest: Double?
    /// Connections that carried more than one request.
    public var reused: Int
    public var requestsPerConnectionMean: Double?
    public var requestsPerConnectionMax: Int
    /// SYN (or first packet) → close.
    public var lifetime: DurationStats?
    public var resets: Int
    /// Resets answering a SYN (connection refused).
    public var refused: Int
}

/// Per-node figures (a node is a server address and port).
public struct NodeFigures: Sendable, Codable, Equatable {
    public var node: IPEndpoint
    public var clients: [IPAddress]
    public var requests: Int
    public var events: Int
    public var bytes: Int
    public var firstRequestNanos: Int64?
    public var lastRequestNanos: Int64?
    public var perSecond: [SecondBucket]
    public var udpHeartbeat: HeartbeatFigures?
    public var transportHeartbeat: HeartbeatFigures?
    public var acks: AckFigures
    public var lifecycle: ConnectionLifecycleFigures
}

/// One TCP connection with what it carried.
public struct ConnectionFigures: Sendable, Codable, Equatable {
    public var tcp: TCPConnectionSummary
    public var requests: Int
    public var acks: Int
    /// No payload either way: a transport heartbeat. A failed data connect looks the same on the
    /// wire, so refused or unanswered zero-byte connects count as failed transport heartbeats.
    public var isTransportHeartbeat: Bool
}

/// One send of a chunk.
public struct ChunkSend: Sendable, Codable, Equatable {
    public var timeNanos: Int64
    public var node: IPEndpoint
    public var connection: Int
    public var ackNanos: Int64?
}

/// Everything that happened to one chunk id: resends and duplicate acks become visible here.
public struct ChunkFigures: Sendable, Codable, Equatable {
    public var chunk: String
    public var tag: String?
    public var entries: Int?
    public var sends: [ChunkSend]
    public var acks: Int
    public var nodes: [IPEndpoint]
    /// Three or more sends of the same chunk.
    public var resendStorm: Bool
}

/// Time from the last data a failed node accepted to data (and an ack) on the next node.
public struct FailoverGap: Sendable, Codable, Equatable {
    public var failedNode: IPEndpoint
    /// Ack time of the last acked chunk, or the last request time when the node never acked.
    public var lastAcceptedNanos: Int64
    public var lastAcceptedChunk: String?
    /// First sign of trouble after that: an unacked request, a reset, a refused or unanswered SYN, an unanswered heartbeat.
    public var firstFailureNanos: Int64?
    public var firstFailure: String?
    public var nextNode: IPEndpoint?
    public var firstDataNanos: Int64?
    public var firstAckNanos: Int64?
    /// lastAccepted → first data on the next node, seconds.
    public var gapToData: Double?
    /// lastAccepted → first ack on the next node, seconds.
    public var gapToAck: Double?
}

extension WireReport {
    /// Pretty, key-sorted JSON (stable for golden files).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Reads a report written by `jsonData()`.
    public static func decode(json: Data) throws -> WireReport {
        try JSONDecoder().decode(WireReport.self, from: json)
    }
}

extension WireReport {
    /// A readable summary followed by the timeline.
    public func renderText(timelineLines: Int = 10_000) -> String {
        func t(_ ns: Int64?) -> String { ns.map { WireTimeline.absolute($0) } ?? "-" }
        func s(_ d: DurationStats?) -> String {
            guard let d else { return "-" }
            return String(format: "n=%d mean=%.6fs sd=%.6fs min=%.6fs p50=%.6fs p95=%.6fs max=%.6fs",
                          d.count, d.mean, d.stddev, d.min, d.p50, d.p95, d.max)
        }
        var out = "capture \(file): \(packets.frames) frames (\(packets.tcp) TCP, \(packets.udp) UDP"
        if !packets.skipped.isEmpty {
            out += ", skipped " + packets.skipped.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        }
        out += "), \(t(packets.firstTimeNanos)) … \(t(packets.lastTimeNanos))\n"
        out += "server ports: \(serverPorts.map(String.init).joined(separator: ", "))\n"
        let m = messages
        out += "messages: \(m.requests) requests (message \(m.message), forward \(m.forward), packed \(m.packedForward), compressed \(m.compressedPackedForward)), \(m.events) events, \(m.ack) acks"
        out += ", HELO \(m.helo), PING \(m.ping), PONG \(m.pong), nil \(m.heartbeatNil), broken \(m.broken)\n"
        out += "heartbeats: UDP \(m.udpHeartbeatRequests) requests / \(m.udpHeartbeatReplies) replies, transport \(m.transportHeartbeats)\n"
        for n in nodes {
            out += "\nnode \(n.node)  clients: \(n.clients.map(\.description).joined(separator: ", "))\n"
            out += "  data: \(n.requests) requests, \(n.events) events, \(n.bytes) bytes, \(t(n.firstRequestNanos)) … \(t(n.lastRequestNanos))\n"
            out += "  acks: \(n.acks.acked)/\(n.acks.requested) acked, \(n.acks.unacked) unacked, \(n.acks.unmatched) unmatched; latency \(s(n.acks.latency))\n"
            let l = n.lifecycle
            out += "  connections: \(l.connections), SYNs \(l.syns)"
            if let spr = l.synsPerRequest { out += String(format: " (%.3f per request)", spr) }
            out += ", reused \(l.reused), max requests/conn \(l.requestsPerConnectionMax), resets \(l.resets) (refused \(l.refused))\n"
            out += "  lifetime: \(s(l.lifetime))\n"
            if let h = n.udpHeartbeat {
                out += "  UDP heartbeat: \(h.requests) sent, \(h.replies) replies, \(h.unanswered) unanswered\n"
                out += "    period \(s(h.period))\n    reply  \(s(h.replyLatency))\n"
            }
            if let h = n.transportHeartbeat {
                out += "  transport heartbeat: \(h.requests) connects, \(h.unanswered) without SYN-ACK\n"
                out += "    period \(s(h.period))\n    connect \(s(h.replyLatency))\n"
            }
            if !n.perSecond.isEmpty {
                out += "  per second: " + n.perSecond.prefix(20).map { "\($0.second % 100_000):\($0.events)ev/\($0.bytes)B" }.joined(separator: " ")
                out += n.perSecond.count > 20 ? " …\n" : "\n"
            }
        }
        let repeated = chunks.filter { $0.sends.count > 1 || $0.acks > 1 }
        out += "\nchunks: \(chunks.count) ids, \(repeated.count) sent or acked more than once, \(chunks.filter(\.resendStorm).count) resend storms\n"
        for c in repeated.prefix(50) {
            out += "  \(c.chunk.trimmingCharacters(in: .newlines)): \(c.sends.count) sends to \(c.nodes.map(\.description).joined(separator: ", ")), \(c.acks) acks\(c.resendStorm ? "  RESEND STORM" : "")\n"
        }
        for f in failovers {
            out += "\nfailover from \(f.failedNode): last accepted \(t(f.lastAcceptedNanos))"
            if let c = f.lastAcceptedChunk { out += " (chunk \(c))" }
            out += "; first failure \(t(f.firstFailureNanos)) \(f.firstFailure ?? "")\n"
            if let next = f.nextNode {
                out += "  → \(next): first data \(t(f.firstDataNanos))" + (f.gapToData.map { String(format: " (+%.6fs)", $0) } ?? "")
                out += ", first ack \(t(f.firstAckNanos))" + (f.gapToAck.map { String(format: " (+%.6fs)", $0) } ?? "") + "\n"
            } else {
                out += "  → no data reached another node afterwards\n"
            }
        }
        out += FailoverTimeline.render(self)
        if !problems.isEmpty {
            out += "\nproblems:\n" + problems.map { "  \($0)\n" }.joined()
        }
        out += "\ntimeline:\n" + timeline.render(origin: packets.firstTimeNanos, maxLines: timelineLines)
        return out
    }
}
