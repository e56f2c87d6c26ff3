import NIOCore

/// Where a `ForwardServer` puts what it accepts: the simulator's ledger, or the agent's buffer.
///
/// Every method is called on a connection's event loop and must return quickly without blocking.
public protocol ForwardIngestSink: Sendable {
    /// Whether accepted batches must carry their events as encoded entries (`IngestBatch.entries`).
    var wantsEntries: Bool { get }
    /// Registers a connection's `ip:port` once; batches then carry the returned id.
    func registerPeer(_ peer: String) -> UInt32
    /// Takes one validated request; the ack (if asked for) is written only after `.accepted`.
    func accept(_ batch: IngestBatch) -> IngestVerdict
    /// Records a request (or events) the server refused, and why.
    func reject(_ rejection: IngestRejection)
}

/// What a sink did with a request.
public enum IngestVerdict: Sendable, Equatable {
    /// Stored: the server acks it when asked.
    case accepted
    /// Refused (e.g. a buffer overflow with `overflow_action throw_exception`): nothing stored, no ack, and
    /// the connection is closed, which is Fluentd's back-pressure signal to an ack-waiting client (docs/forward-protocol.md, "Request processing", step 7).
    case refused(String)
    /// Full for now (`overflow_action block`): the server stops reading this connection and offers the same
    /// request again after the given time, as Fluentd's emit blocks its input thread.
    case retry(after: TimeAmount)
}
