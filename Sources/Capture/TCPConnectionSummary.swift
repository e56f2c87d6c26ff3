/// Lifecycle and counters of one TCP connection as seen in the capture (times in ns since the epoch).
public struct TCPConnectionSummary: Sendable, Codable, Equatable {
    public var id: Int
    public var client: IPEndpoint
    public var server: IPEndpoint
    public var firstTime: Int64
    public var lastTime: Int64
    /// First SYN; nil when the capture started mid-connection.
    public var synTime: Int64?
    /// SYNs seen (more than one means the client retransmitted its SYN).
    public var synCount = 0
    public var synAckTime: Int64?
    public var establishedTime: Int64?
    public var clientFinTime: Int64?
    public var serverFinTime: Int64?
    public var resetTime: Int64?
    public var resetBy: TCPDirection?
    public var closeTime: Int64?
    public var clientBytes: UInt64 = 0
    public var serverBytes: UInt64 = 0
    /// Payload bytes seen again (retransmissions and overlaps), both directions.
    public var retransmittedBytes: UInt64 = 0
    public var outOfOrderSegments = 0
    /// Bytes never seen (capture loss or buffer cap).
    public var missingBytes: UInt64 = 0

    public init(id: Int, client: IPEndpoint, server: IPEndpoint, time: Int64) {
        self.id = id
        self.client = client
        self.server = server
        self.firstTime = time
        self.lastTime = time
    }

    /// True once a FIN pair or a reset ended it.
    public var isClosed: Bool { closeTime != nil }
}
