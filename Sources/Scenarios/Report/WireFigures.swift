import Capture
import Foundation

/// The capture's part of a report: packet and message counts, the capture clock, and for every detached node the
/// failover as the event stream and the capture each measured it (`FailoverAgreement`).
public enum WireFigures {
    /// The first detach of each node, compared (nodes in the order of their first detach).
    public static func agreements(_ r: RunRecord) -> [FailoverAgreement] {
        guard r.wire != nil else { return [] }
        var seen = Set<String>()
        return r.agentEvents.filter { $0.isDetach && seen.insert($0.node).inserted }
            .map { FailoverAgreement.measure(node: $0.node, record: r) }
    }

    /// `failover-agreement.json` next to `wire.json`.
    public static func json(_ r: RunRecord) -> Data? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try? encoder.encode(agreements(r))
    }

    /// The report's "Wire figures" section (empty without a capture).
    static func html(_ r: RunRecord) -> String {
        guard let w = r.wire else { return "" }
        func ms(_ d: Double?) -> String { d.map { String(format: "%+.1f ms", $0 * 1000) } ?? "-" }
        func s(_ d: Double?) -> String { d.map { String(format: "%.3f s", $0) } ?? "-" }
        let m = w.messages
        var out = "<h2>Wire figures</h2>\n<p class=\"meta\" id=\"wire-counts\">capture: \(w.packets.frames) frames (\(w.packets.tcp) TCP, \(w.packets.udp) UDP) · "
        out += "\(m.requests) requests, \(m.events) events, \(m.ack) acks · UDP heartbeats \(m.udpHeartbeatRequests)/\(m.udpHeartbeatReplies) replied · "
        out += "transport heartbeats \(m.transportHeartbeats) · \(w.chunks.count) chunk ids"
        if let c = r.captureClock { out += String(format: " · wall-clock drift during capture %.3f ms", Double(c.wallDriftNanos) / 1e6) }
        out += "</p>\n"
        let gaps = w.failovers.compactMap { f -> String? in
            guard let g = f.gapToData else { return nil }
            return "\(f.failedNode) → \(f.nextNode.map(\.description) ?? "-") \(ScenarioFormat.seconds(g))"
        }
        if !gaps.isEmpty { out += "<p class=\"meta\">failover gaps from packets alone (last accepted → next node's data): \(HTMLText.escape(gaps.joined(separator: ", ")))</p>\n" }
        let list = agreements(r)
        guard !list.isEmpty else { return out + "<p class=\"meta\">no node was detached: no failover to compare.</p>\n" }
        out += "<table id=\"failover-agreement\"><tr><th>failover</th><th>moment</th><th>agent events</th><th>capture</th><th>capture − agent</th></tr>\n"
        for a in list {
            let head = "\(a.node) → \(a.newNode ?? "-") (\(a.detachEvent ?? "detached") at \(s(a.detachTime)))"
            if let p = a.problem, a.worstDifference == nil {
                out += "<tr><td>\(HTMLText.escape(head))</td><td colspan=\"4\">\(HTMLText.escape(p))</td></tr>\n"
                continue
            }
            let rows: [(String, Double?, Double?, Double?)] = [
                ("last ack from \(a.node)", a.lastAccepted?.agent, a.lastAccepted?.wire, a.lastAccepted?.difference),
                ("first chunk to \(a.firstSend?.node ?? "-")", a.firstSend?.agent, a.firstSend?.wire, a.firstSend?.difference),
                ("failover time", a.agentFailover, a.wireFailover, a.failoverDifference),
            ]
            for (i, row) in rows.enumerated() {
                out += "<tr><td>\(i == 0 ? HTMLText.escape(head) : "")</td><td>\(HTMLText.escape(row.0))</td><td>\(s(row.1))</td><td>\(s(row.2))</td><td>\(ms(row.3))</td></tr>\n"
            }
        }
        return out + "</table>\n"
    }
}
