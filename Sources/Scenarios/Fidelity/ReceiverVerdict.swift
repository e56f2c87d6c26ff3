/// What one receiver did with one frame on a fresh connection (docs/fidelity-receiver.md, "Verdicts").
public struct ReceiverVerdict: Sendable, Equatable, Codable {
    /// What became of the connection after the frame.
    public enum Connection: String, Sendable, Codable {
        /// Still open: the probe sent after the frame on the same connection was acked.
        case kept
        /// The receiver closed it (FIN or RST).
        case closed
        /// Open, but the probe was not acked within the timeout (the frame is still waiting for bytes).
        case silent
        /// The receiver process exited while handling the frame.
        case processDied = "process-died"
    }

    /// Events the receiver emitted for the frame (probe and barrier events not counted).
    public var events: Int
    /// Responses other than the probe's ack, as the wire carried them: hex for MessagePack, the text for JSON.
    public var acks: [String]
    public var connection: Connection
    /// How a closed connection ended (`fin`, `reset`); informational, not compared (a write racing the close
    /// turns a FIN into an RST).
    public var closeKind: String?
    /// The tags of the counted events, for the report.
    public var eventTags: [String]

    public init(events: Int, acks: [String], connection: Connection, closeKind: String? = nil, eventTags: [String] = []) {
        self.events = events
        self.acks = acks
        self.connection = connection
        self.closeKind = closeKind
        self.eventTags = eventTags
    }

    /// A short cell for the table: `2 ev, ack, kept`.
    public var summary: String {
        if connection == .processDied { return "process died" }
        let ack = acks.isEmpty ? "no ack" : (acks.count == 1 ? "ack" : "\(acks.count) acks")
        return "\(events) ev, \(ack), \(connection.rawValue)"
    }

    /// The ways `fwdlab` differs from Fluentd on one frame; empty when they agree.
    ///
    /// Fluentd dying is judged against what its peer saw: the connection closed with nothing accepted and nothing
    /// acked. A fwdlab receiver that closes the connection that way agrees; one that accepts, acks or keeps the
    /// connection differs. fwdlab dying is always a difference.
    public static func differences(fluentd: ReceiverVerdict, fwdlab: ReceiverVerdict) -> [String] {
        if fwdlab.connection == .processDied { return ["the fwdlab receiver died"] }
        var out: [String] = []
        if fluentd.connection == .processDied {
            if fwdlab.connection != .closed { out.append("connection: Fluentd died (closed), fwdlab \(fwdlab.connection.rawValue)") }
            if fwdlab.events != 0 { out.append("events: Fluentd died (0), fwdlab \(fwdlab.events)") }
            if !fwdlab.acks.isEmpty { out.append("acks: Fluentd died (none), fwdlab \(fwdlab.acks.joined(separator: " "))") }
            return out
        }
        if fluentd.events != fwdlab.events { out.append("events: Fluentd \(fluentd.events), fwdlab \(fwdlab.events)") }
        if fluentd.acks != fwdlab.acks {
            func show(_ a: [String]) -> String { a.isEmpty ? "none" : a.joined(separator: " ") }
            out.append("acks: Fluentd \(show(fluentd.acks)), fwdlab \(show(fwdlab.acks))")
        }
        if fluentd.eventTags != fwdlab.eventTags {
            // The tags events were emitted under (a non-string tag as the text Fluentd prints for it).
            out.append("tags: Fluentd \(fluentd.eventTags), fwdlab \(fwdlab.eventTags)")
        }
        if fluentd.connection != fwdlab.connection {
            out.append("connection: Fluentd \(fluentd.connection.rawValue), fwdlab \(fwdlab.connection.rawValue)")
        }
        return out
    }
}
