import ForwardServer

/// A receiver as `GET /receivers/{name}` reports it.
public struct ReceiverStatus: Sendable, Codable {
    public var name: String
    public var state: ReceiverState
    public var bind: String
    public var port: Int
    /// The transport served now (a TLS fault may change it).
    public var tls: Bool
    /// The active TLS fault profile, if any.
    public var tlsProfile: TLSFaultProfile?
    public var security: Bool
    public var udpHeartbeat: Bool
    public var stats: StatsJSON
    public var ledger: LedgerJSON
    public var faults: [FaultStatus]

    /// `ReceiverStatsSnapshot` as JSON.
    public struct StatsJSON: Sendable, Codable {
        public var connectionsAccepted, connectionsOpen, requests, events, acks, rejects, bytesRead, heartbeats: Int
        public var handshakesSucceeded, handshakesFailed: Int

        init(_ s: ReceiverStatsSnapshot) {
            connectionsAccepted = s.connectionsAccepted; connectionsOpen = s.connectionsOpen; requests = s.requests
            events = s.events; acks = s.acks; rejects = s.rejects; bytesRead = s.bytesRead; heartbeats = s.heartbeats
            handshakesSucceeded = s.handshakesSucceeded; handshakesFailed = s.handshakesFailed
        }

        enum CodingKeys: String, CodingKey {
            case requests, events, acks, rejects, heartbeats
            case connectionsAccepted = "connections_accepted", connectionsOpen = "connections_open", bytesRead = "bytes_read"
            case handshakesSucceeded = "handshakes_succeeded", handshakesFailed = "handshakes_failed"
        }
    }

    /// `LedgerSnapshot` as JSON.
    public struct LedgerJSON: Sendable, Codable {
        public var events, requests, distinctChunks, duplicateChunkAccepts, rejections: Int
        public var rejectionsByReason: [String: Int]

        init(_ s: LedgerSnapshot) {
            events = s.events; requests = s.requests; distinctChunks = s.distinctChunks
            duplicateChunkAccepts = s.duplicateChunkAccepts; rejections = s.rejections
            rejectionsByReason = Dictionary(uniqueKeysWithValues: s.rejectionsByReason.map { ($0.key.rawValue, $0.value) })
        }

        enum CodingKeys: String, CodingKey {
            case events, requests, rejections
            case distinctChunks = "distinct_chunks", duplicateChunkAccepts = "duplicate_chunk_accepts"
            case rejectionsByReason = "rejections_by_reason"
        }
    }

    enum CodingKeys: String, CodingKey {
        case name, state, bind, port, tls, security, stats, ledger, faults
        case tlsProfile = "tls_profile", udpHeartbeat = "udp_heartbeat"
    }
}
