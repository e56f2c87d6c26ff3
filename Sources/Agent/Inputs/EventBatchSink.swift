import ForwardProtocol
import NIOCore

/// Where inputs put events: the seam between inputs (sample now, the shared forward server code later) and the buffer.
///
/// A forward input needs only this: for each decoded request call `emit(tag:entries:count:)` (PackedForward blobs go
/// in unchanged; docs/forward-protocol.md, "Sending a chunk"); on success write the ack if the request asked for
/// one; on a thrown error close the connection without an ack (Fluentd's back-pressure signal;
/// docs/forward-protocol.md, "Request processing", step 7).
public protocol EventBatchSink: Sendable {
    /// One event whose record is an encoded MessagePack map.
    func emit(tag: String, time: EventTime, record: ByteBuffer) throws(AgentEmitError)
    /// Concatenated encoded `[time, record]` entries, `count` of them, appended as one unit.
    func emit(tag: String, entries: ByteBuffer, count: Int) throws(AgentEmitError)
}
