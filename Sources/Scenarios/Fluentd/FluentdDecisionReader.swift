import Agent
import Foundation

/// Turns Fluentd's log into the agent event stream the Swift agent produces (the same event names, causes and
/// node labels), so expectations, reports and the fidelity diff read both agents alike. Which log line means which
/// decision, and where in Fluentd it is written, is tabled in docs/fluentd-host.md.
public struct FluentdDecisionReader: Sendable {
    /// `host:port` → the server's label (its `name`, else `host:port`, as the Swift agent labels nodes).
    public var labels: [String: String]

    public init(labels: [String: String]) { self.labels = labels }

    /// The events Fluentd's log can show. Anything else (e.g. `chunk_committed`, which Fluentd does silently, or the
    /// detector's `phi_sample`) cannot be observed on this host, and an expectation on it is reported SKIP.
    public static let observableEvents: Set<AgentEventKind> = [
        .detached, .disabled, .recovered, .standbyPromoted, .noNodesAvailable, .ackFailed, .ackUnmatched,
        .chunkRetry, .retryLimit, .retrySucceeded, .bufferOverflow, .reloaded, .stopped, .chunkSent,
        .chunkAcked, .chunkRolledBack, .slowFlush, .handshakeTimeout, .started, .serviceIn, .serviceOut, .nodeAdded,
    ]

    /// The events one log text holds, in log order. `toRunSeconds` maps a wall time (ns) onto the run clock.
    public func events(inLog text: String, toRunSeconds: (Int64) -> Double) -> [AgentEventEntry] {
        var out: [AgentEventEntry] = []
        // The ack handler names the node in a trace line just before the verdict on the same chunk.
        var ackNode: [String: String] = [:]
        // Nodes out of the rotation: Fluentd logs one "regard it as unavailable" per timed-out chunk, but disabling a
        // node that is already unavailable changes nothing, so only the first is a `disabled` decision (as in the
        // Swift agent's stream).
        var unavailable = Set<String>()
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let line = FluentdLogLine(raw) else { continue }
            let t = toRunSeconds(line.wallNanos)
            if line.message == "getting response from destination", let chunk = line.fields["chunk_id"] {
                ackNode[chunk] = label(line.fields)
                continue
            }
            for e in events(of: line, time: t, ackNode: &ackNode) {
                switch e.event {
                case .disabled, .detached:
                    guard unavailable.insert(e.node).inserted else { continue }
                case .recovered:
                    unavailable.remove(e.node)
                default: break
                }
                out.append(e)
            }
        }
        return out
    }

    /// The events of one log record.
    func events(of line: FluentdLogLine, time t: Double, ackNode: inout [String: String]) -> [AgentEventEntry] {
        let m = line.message
        let f = line.fields
        func e(_ node: String, _ event: AgentEventKind, cause: String? = nil, phi: Double? = nil, threshold: Double? = nil,
               detail: String? = nil) -> AgentEventEntry {
            AgentEventEntry(time: t, node: node, event: event, cause: cause, phi: phi, threshold: threshold, detail: detail)
        }
        if let name = Self.quotedName(m, prefix: "detached forwarding server '") {
            let node = name.isEmpty ? label(f) : name
            if f["hard_timeout"] == "true" { return [e(node, .detached, cause: "hard_timeout")] }
            let phi = f["phi"].flatMap(Double.init)
            return [e(node, .detached, cause: "phi", phi: phi?.isFinite == true ? phi : nil,
                      threshold: f["phi_threshold"].flatMap(Double.init), detail: phi?.isFinite == false ? "phi=\(f["phi"]!)" : nil)]
        }
        if let name = Self.quotedName(m, prefix: "adding forwarding server '") {
            // out_forward.rb build_node logs this, then builds the detector with last = Time.now.to_i.
            let second = line.wallNanos >= 0 ? line.wallNanos / 1_000_000_000 : (line.wallNanos - 999_999_999) / 1_000_000_000
            return [e(name.isEmpty ? label(f) : name, .nodeAdded, detail: AgentEvent.initialLastDetail(second: second))]
        }
        if let name = Self.quotedName(m, prefix: "recovered forwarding server '") {
            return [e(name.isEmpty ? label(f) : name, .recovered, cause: "recovered")]
        }
        if m == "Service in:" || m == "Service out:", let rest = f["name"] {
            // `name=NAME HOST:PORT` reads as one unquoted field; an unnamed service is labelled HOST:PORT, as the
            // agent labels nodes.
            let space = rest.lastIndex(of: " ") ?? rest.startIndex
            let name = String(rest[..<space]).trimmingCharacters(in: .whitespaces)
            let address = String(rest[space...]).trimmingCharacters(in: .whitespaces)
            return [e(name.isEmpty ? address : name, m == "Service in:" ? .serviceIn : .serviceOut, detail: address)]
        }
        if m.hasPrefix("using standby node ") {
            let address = String(m.dropFirst("using standby node ".count))
            return [e(labels[address] ?? address, .standbyPromoted)]
        }
        switch m {
        case "No nodes are available":
            return [e("", .noNodesAvailable, cause: "rebuild")]
        case "no response from node. regard it as unavailable.":
            let node = label(f)
            return [e(node, .ackFailed, cause: "ack_timeout"), e(node, .disabled, cause: "ack_timeout")]
        case "destination node closed the connection. regard it as unavailable.":
            let node = label(f)
            return [e(node, .ackFailed, cause: "peer_closed_before_ack"), e(node, .disabled, cause: "peer_closed_before_ack")]
        case "ack in response and chunk id in sent data are different":
            return [e(f["chunk_id"].flatMap { ackNode[$0] } ?? "", .ackUnmatched, detail: f["chunk_id"])]
        case "got a correct ack response":
            let chunk = f["chunk_id"]
            return [e(chunk.flatMap { ackNode.removeValue(forKey: $0) } ?? "", .chunkAcked, detail: chunk)]
        case "writing a chunk to destination":
            // Fluentd does not say which node; the receivers' ledgers do (chunk ids are on the wire).
            return [e("", .chunkSent, detail: f["chunk_id"])]
        case "failed to flush the buffer.":
            let chunk = f["chunk"] ?? ""
            var out: [AgentEventEntry] = []
            if (f["error"] ?? "").lowercased().contains("no nodes are available") {
                out.append(e("", .noNodesAvailable, cause: "flush_failed", detail: chunk))
            }
            out.append(e("", .chunkRetry, cause: f["error_class"], detail: "\(chunk) retry_times=\(f["retry_times"] ?? "?")"))
            return out
        case "Hit limit for retries. dropping all chunks in the buffer queue.":
            return [e("", .retryLimit, detail: f["records"].map { "records=\($0)" })]
        case "retry succeeded.", "retry succeeded by secondary.":
            return [e("", .retrySucceeded, detail: f["chunk_id"])]
        case "failed to write data into buffer by buffer overflow":
            return [e("", .bufferOverflow, detail: f["action"])]
        case "taking back chunk for errors.":
            return [e("", .chunkRolledBack, cause: "flush_failed", detail: f["chunk"])]
        case "restart fluentd worker":
            return [e("", .reloaded)]
        case "fluentd worker is now stopping":
            return [e("", .stopped)]
        case "flush_thread actually running":
            // output.rb flush_thread_run, at debug level: the flush thread's phase origin.
            return [e("", .started)]
        default:
            // 1.16.11 and later bound the <security> handshake by hard_timeout (out_forward.rb, establish_connection).
            if m.hasPrefix("handshake timeout after ") {
                return [e(label(f), .handshakeTimeout, detail: String(m.dropFirst("handshake timeout after ".count)))]
            }
            if m.hasPrefix("buffer flush took longer time than slow_flush_log_threshold") {
                return [e("", .slowFlush, detail: f["elapsed_time"])]
            }
            return []
        }
    }

    /// The node a line's `host`/`port` fields name.
    func label(_ f: [String: String]) -> String {
        guard let host = f["host"] else { return "" }
        let address = f["port"].map { "\(host):\($0)" } ?? host
        return labels[address] ?? address
    }

    /// `NAME` in `<prefix>NAME'…`.
    static func quotedName(_ m: String, prefix: String) -> String? {
        guard m.hasPrefix(prefix) else { return nil }
        let rest = m.dropFirst(prefix.count)
        guard let end = rest.firstIndex(of: "'") else { return nil }
        return String(rest[rest.startIndex ..< end])
    }
}
