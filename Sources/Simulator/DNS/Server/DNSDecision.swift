/// What the server should do with one query: the response to send (nil = stay silent) and when.
public struct DNSDecision: Sendable {
    public var response: DNSMessage?
    public var delay: Duration
    /// Largest UDP response the client accepts (512, or its EDNS payload size).
    public var maxUDPSize: Int
    /// Send an empty TC response over UDP regardless of size.
    public var forceTruncation: Bool
    /// The query-log line for this query; the server fills in `truncated` and appends it.
    public var logEntry: DNSQueryLogEntry

    public init(
        response: DNSMessage?, delay: Duration = .zero, maxUDPSize: Int = 512, forceTruncation: Bool = false,
        logEntry: DNSQueryLogEntry
    ) {
        self.logEntry = logEntry
        self.response = response
        self.delay = delay
        self.maxUDPSize = maxUDPSize
        self.forceTruncation = forceTruncation
    }
}
