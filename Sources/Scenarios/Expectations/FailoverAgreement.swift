import Capture
import Foundation

/// One failover measured twice, from the agent's event stream and from the packet capture, paired by chunk id.
///
/// The detach is a decision inside the agent with no packet of its own (data simply goes elsewhere at the next
/// flush), so it is not what is compared; it only says which sends are "after". What both sources really see:
/// - last accepted: the ack of the last chunk the failed node accepted before its detach — the agent's
///   `chunk_acked` event against the ack packet in the capture;
/// - switch: the first chunk the agent sent to the new node after the detach — its `chunk_sent` event (emitted
///   when the write completed) against the packet completing that request in the capture.
/// Failover time = switch − last accepted, in each source. Pairing by chunk id (not "first packet after t") keeps a
/// send that straddles the detach from being matched with the next chunk 200 ms later.
///
/// Clocks: event times are CLOCK_MONOTONIC run seconds (the hub's `mono` stamp, not the event's wall `time`),
/// capture stamps are kernel CLOCK_REALTIME mapped onto the run clock by `RunRecord.runSeconds(captureNanos:)`.
public struct FailoverAgreement: Sendable, Codable, Equatable {
    /// One moment seen by both sources (run seconds).
    public struct Moment: Sendable, Codable, Equatable {
        /// Chunk id, hex (as the agent logs it).
        public var chunk: String
        public var node: String
        public var agent: Double
        /// nil when the capture does not show this chunk at this node.
        public var wire: Double?
        /// capture − agent, seconds.
        public var difference: Double? { wire.map { $0 - agent } }
    }

    public var node: String
    /// The node traffic moved to (the promoted standby, the one asked for, or the first other node used).
    public var newNode: String?
    public var detachTime: Double?
    public var detachEvent: String?
    public var lastAccepted: Moment?
    public var firstSend: Moment?
    /// Why the comparison could not be made (nil when both moments were found in both sources).
    public var problem: String?
    public var agentFailover: Double?
    public var wireFailover: Double?
    /// How far the capture's wall clock drifted from the monotonic clock during the capture, seconds.
    public var clockDrift: Double?

    /// capture − agent failover time, seconds.
    public var failoverDifference: Double? {
        guard let a = agentFailover, let w = wireFailover else { return nil }
        return w - a
    }

    /// Largest absolute difference among the two moments and the failover times.
    public var worstDifference: Double? {
        guard let a = lastAccepted?.difference, let b = firstSend?.difference, let f = failoverDifference else { return nil }
        return Swift.max(abs(a), abs(b), abs(f))
    }

    /// Compares the failover of `node` (its first detach or disable) in `record`; `to` names the new node,
    /// default: the standby promoted at the detach, else whichever other node got the next chunk.
    public static func measure(node: String, to: String? = nil, record r: RunRecord) -> FailoverAgreement {
        var out = FailoverAgreement(node: node)
        out.clockDrift = r.captureClock.map { Double($0.wallDriftNanos) / 1e9 }
        guard let detach = r.agentEvents.first(where: { $0.node == node && $0.isDetach }) else {
            out.problem = "\(node) was never detached"
            return out
        }
        out.detachTime = detach.time
        out.detachEvent = detach.event.rawValue + (detach.cause.map { " (\($0))" } ?? "")
        let target = to ?? r.agentEvents.first { $0.event == .standbyPromoted && $0.node != node && $0.time >= detach.time - 0.001 }?.node

        // Agent side: which node each chunk was last sent to, so a `chunk_acked` (no node of its own) is attributed.
        var sentTo: [String: String] = [:]
        var lastAck: (time: Double, chunk: String)?
        let hasArrivals = r.agentEvents.contains { $0.event == .ackArrived }
        for e in r.agentEvents {
            guard let chunk = e.detail else { continue }
            if e.event == .chunkSent {
                if e.time > detach.time, out.firstSend == nil, e.node != node, target == nil || e.node == target {
                    out.firstSend = Moment(chunk: chunk, node: e.node, agent: e.time)
                }
                sentTo[chunk] = e.node
            } else if e.event == .ackArrived || (e.event == .chunkAcked && !hasArrivals), e.time <= detach.time,
                      sentTo[chunk] == node {
                // The ack's arrival is what the capture sees; the agent reads it later, at its ack reader's next pass.
                lastAck = (e.time, chunk)
            }
        }
        out.newNode = out.firstSend?.node ?? target
        guard let lastAck else {
            out.problem = "the agent's events show no chunk acked by \(node) before its detach (it accepted nothing, or require_ack_response is off)"
            return out
        }
        out.lastAccepted = Moment(chunk: lastAck.chunk, node: node, agent: lastAck.time)
        guard let firstSend = out.firstSend else {
            out.problem = "the agent sent no chunk to \(target ?? "another node") after detaching \(node)"
            return out
        }
        out.agentFailover = firstSend.agent - lastAck.time

        // Capture side: the same chunks, at the same nodes, nearest in time to the agent's moments.
        guard let wire = r.wire else {
            out.problem = r.captureNote ?? "no capture"
            return out
        }
        var byHex: [String: ChunkFigures] = [:]
        for c in wire.chunks { if let h = hex(ofChunkOption: c.chunk) { byHex[h] = c } }
        func at(_ name: String) -> (IPEndpoint) -> Bool {
            let port = r.ports[name], bind = r.binds[name]
            return { e in Int(e.port) == port && (bind == nil || e.address.description == bind) }
        }
        func nearest(_ times: [Int64], to t: Double) -> Double? {
            times.map { r.runSeconds(captureNanos: $0) }.min { abs($0 - t) < abs($1 - t) }
        }
        let isFailed = at(node), isNew = at(firstSend.node)
        out.lastAccepted?.wire = nearest(byHex[lastAck.chunk]?.sends.filter { isFailed($0.node) }.compactMap(\.ackNanos) ?? [], to: lastAck.time)
        out.firstSend?.wire = nearest(byHex[firstSend.chunk]?.sends.filter { isNew($0.node) }.map(\.timeNanos) ?? [], to: firstSend.agent)
        if byHex.isEmpty {
            out.problem = "the capture shows no chunk ids (TLS hides them; or acks are off)"
        } else if out.lastAccepted?.wire == nil {
            out.problem = "the capture shows no ack from \(node) for chunk \(lastAck.chunk) (the agent's last accepted chunk)"
        } else if out.firstSend?.wire == nil {
            out.problem = "the capture shows no send of chunk \(firstSend.chunk) to \(firstSend.node)"
        } else if let a = out.lastAccepted?.wire, let b = out.firstSend?.wire {
            out.wireFailover = b - a
        }
        return out
    }

    /// Hex of a `chunk` option (Base64 of 16 bytes, with Ruby's trailing newline); nil when it is not Base64.
    static func hex(ofChunkOption option: String) -> String? {
        guard let data = Data(base64Encoded: option.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
        return data.map { String(format: "%02x", $0) }.joined()
    }

    /// One line: both moments with their differences and the two failover times.
    public var summary: String {
        if let problem { return problem }
        func ms(_ d: Double?) -> String { d.map { String(format: "%+.1f ms", $0 * 1000) } ?? "-" }
        func s(_ d: Double?) -> String { d.map { String(format: "%.3f s", $0) } ?? "-" }
        var text = "last ack from \(node): agent \(s(lastAccepted?.agent)), capture \(s(lastAccepted?.wire)) (\(ms(lastAccepted?.difference)))"
        text += "; first chunk to \(firstSend?.node ?? "-") after \(node) \(detachEvent ?? "detached") at \(s(detachTime)): agent \(s(firstSend?.agent)), capture \(s(firstSend?.wire)) (\(ms(firstSend?.difference)))"
        text += "; failover agent \(s(agentFailover)), capture \(s(wireFailover)) (\(ms(failoverDifference)))"
        if let d = clockDrift { text += String(format: "; wall-clock drift during capture %.3f ms", d * 1000) }
        return text
    }
}
