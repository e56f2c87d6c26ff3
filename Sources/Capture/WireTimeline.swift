import Foundation

/// What a timeline line records.
public enum WireEventKind: String, Sendable, Codable {
    case syn, synAck, established, fin, reset, closed, gap
    case request, ack, ping, helo, pong, heartbeatNil, broken
    case udpHeartbeat, udpHeartbeatReply, transportHeartbeat
}

/// One line of the wire timeline.
public struct WireTimelineEntry: Sendable, Codable, Equatable {
    public var timeNanos: Int64
    public var kind: WireEventKind
    public var connection: Int?
    public var client: IPEndpoint?
    public var node: IPEndpoint?
    public var detail: String

    public init(timeNanos: Int64, kind: WireEventKind, connection: Int? = nil, client: IPEndpoint? = nil,
                node: IPEndpoint? = nil, detail: String = "") {
        self.timeNanos = timeNanos
        self.kind = kind
        self.connection = connection
        self.client = client
        self.node = node
        self.detail = detail
    }
}

/// The capture's forward-protocol events in time order, bounded in size.
public struct WireTimeline: Sendable, Codable, Equatable {
    public private(set) var entries: [WireTimelineEntry] = []
    /// Entries not kept because the limit was reached.
    public private(set) var omitted = 0
    public let limit: Int

    public init(limit: Int = 100_000) { self.limit = limit }

    /// Adds an entry unless the limit is reached (then it is only counted).
    public mutating func append(_ entry: WireTimelineEntry) {
        if entries.count < limit { entries.append(entry) } else { omitted += 1 }
    }

    /// Orders entries by time; entries at the same time keep their capture order.
    public mutating func sort() {
        entries = entries.enumerated().sorted { ($0.element.timeNanos, $0.offset) < ($1.element.timeNanos, $1.offset) }.map(\.element)
    }

    /// One line per entry: offset from `origin` in seconds, absolute time, connection, endpoints, event.
    public func render(origin: Int64? = nil, maxLines: Int = 10_000) -> String {
        guard let first = origin ?? entries.first?.timeNanos else { return "(no forward-protocol events)\n" }
        var out = ""
        for e in entries.prefix(maxLines) {
            let rel = Double(e.timeNanos - first) / 1e9
            var line = String(format: "+%10.6f  ", rel) + Self.absolute(e.timeNanos)
            line += e.connection.map { String(format: "  #%-4d", $0) } ?? "       "
            if let c = e.client, let n = e.node { line += "  \(c) → \(n)" } else if let n = e.node { line += "  \(n)" }
            line += "  \(e.kind.rawValue)"
            if !e.detail.isEmpty { line += "  \(e.detail)" }
            out += line + "\n"
        }
        let hidden = max(0, entries.count - maxLines) + omitted
        if hidden > 0 { out += "… \(hidden) more events not shown\n" }
        return out
    }

    static func absolute(_ nanos: Int64) -> String {
        let s = nanos / 1_000_000_000, ns = nanos % 1_000_000_000
        return String(format: "%lld.%09lld", s, ns)
    }
}
