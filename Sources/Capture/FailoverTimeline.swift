import Foundation

/// One moment of a failover as the packets show it.
public struct FailoverMilestone: Sendable, Equatable {
    public var timeNanos: Int64
    public var text: String
}

/// The few packets that tell the story of a failover, picked out of a full wire report: the failed node's last
/// accepted data, the first sign of trouble, the attempts and heartbeats that went unanswered, and when data and
/// acks resumed elsewhere (a node receiving its first data ever is a promoted standby). Derived from the report, so
/// the JSON does not change and old reports get it too.
public enum FailoverTimeline {
    public static func milestones(for f: FailoverGap, in report: WireReport) -> [FailoverMilestone] {
        let node = f.failedNode
        let last = f.lastAcceptedNanos
        var out: [FailoverMilestone] = []
        func add(_ t: Int64?, _ text: String) { if let t { out.append(FailoverMilestone(timeNanos: t, text: text)) } }
        func after(_ t: Int64) -> String { String(format: "+%.3f s after the last accepted data", Double(t - last) / 1e9) }

        let accepted = f.lastAcceptedChunk.map { "ack of chunk \($0)" } ?? "last request; it never acked"
        add(last, "last data accepted by \(node) (\(accepted))")
        if let t = f.firstFailureNanos { add(t, "first failure: \(f.firstFailure ?? "?")") }

        // Heartbeats: the last one answered before the first unanswered one after the last accepted data, and how
        // many went unanswered in a row from there.
        let entries = report.timeline.entries.filter { $0.node == node }
        let beats = heartbeats(entries)
        if let u = beats.firstIndex(where: { $0.answeredAt == nil && $0.sentAt > last }) {
            let silent = beats[u...].prefix { $0.answeredAt == nil }
            let summary = "\(silent.count) heartbeat(s) unanswered until \(WireTimeline.absolute(silent.last!.sentAt))"
            if let answered = beats[..<u].last(where: { $0.answeredAt != nil }), let t = answered.answeredAt {
                add(t, "last heartbeat answered by \(node); then \(summary)")
            } else {
                add(beats[u].sentAt, "first heartbeat unanswered by \(node); \(summary)")
            }
        }

        // Data still sent to the failed node after it stopped accepting, and connects it refused or ignored.
        let lateRequests = entries.filter { $0.kind == .request && $0.timeNanos > last }
        if let l = lateRequests.last {
            add(l.timeNanos, "last data sent to \(node): \(lateRequests.count) request(s) after the last accepted data were never acked")
        }
        let failedConnects = report.connections.filter {
            $0.tcp.server == node && ($0.tcp.synTime ?? 0) >= last && $0.tcp.synAckTime == nil
        }.sorted { ($0.tcp.synTime ?? 0) < ($1.tcp.synTime ?? 0) }
        if let firstConnect = failedConnects.first, let lastConnect = failedConnects.last {
            let refused = failedConnects.filter { $0.tcp.resetTime != nil }.count
            add(lastConnect.tcp.synTime, "last failed connect to \(node): \(failedConnects.count) since \(WireTimeline.absolute(firstConnect.tcp.synTime ?? 0)) (\(refused) refused, \(failedConnects.count - refused) unanswered)")
        }

        // Where the data went.
        if let next = f.nextNode {
            add(f.firstDataNanos, "next data to another node: \(next) (\(f.firstDataNanos.map(after) ?? "-"))")
            if let a = f.firstAckNanos { add(a, "its first ack from \(next) (\(after(a)))") }
        } else {
            add(report.packets.lastTimeNanos, "end of capture: no data reached another node after the failure")
        }
        for n in report.nodes where n.node != node {
            if let first = n.firstRequestNanos, first > last {
                add(first, "first data ever to \(n.node): a node that had no traffic before takes over (\(after(first)))")
            }
        }
        return out.enumerated().sorted { ($0.element.timeNanos, $0.offset) < ($1.element.timeNanos, $1.offset) }.map(\.element)
    }

    /// UDP heartbeat requests (answered when a reply came before the next request) and transport heartbeat connects
    /// (answered when the SYN got a SYN-ACK), in time order.
    static func heartbeats(_ entries: [WireTimelineEntry]) -> [(sentAt: Int64, answeredAt: Int64?)] {
        var out: [(sentAt: Int64, answeredAt: Int64?)] = []
        var pendingUDP: Int?
        for e in entries {
            switch e.kind {
            case .udpHeartbeat:
                out.append((e.timeNanos, nil))
                pendingUDP = out.count - 1
            case .udpHeartbeatReply:
                if let i = pendingUDP { out[i].answeredAt = e.timeNanos; pendingUDP = nil }
            case .transportHeartbeat:
                out.append((e.timeNanos, e.detail == "connect-only" ? e.timeNanos : nil))
            default:
                break
            }
        }
        return out
    }

    /// Milestones of every failover in the report, one line each, times from `origin` (the capture's first packet).
    public static func render(_ report: WireReport) -> String {
        guard !report.failovers.isEmpty else { return "" }
        let origin = report.packets.firstTimeNanos ?? 0
        var text = ""
        for f in report.failovers {
            text += "\nfailover timeline of \(f.failedNode) (seconds from the first packet):\n"
            for m in milestones(for: f, in: report) {
                text += String(format: "  +%10.6f  ", Double(m.timeNanos - origin) / 1e9) + WireTimeline.absolute(m.timeNanos) + "  " + m.text + "\n"
            }
        }
        return text
    }
}
