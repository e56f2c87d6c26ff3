import Logging

/// Where and how a `DNSServer` listens.
public struct DNSServerConfiguration: Sendable {
    /// Addresses to bind, UDP and TCP each (loopback by default; "::1" for IPv6).
    public var hosts: [String]
    /// Port for all of them; 0 picks one ephemeral port shared by UDP and TCP.
    public var port: Int
    public var logger: Logger

    public init(hosts: [String] = ["127.0.0.1"], port: Int = 0, logger: Logger = Logger(label: "fwdlab.dns")) {
        self.hosts = hosts
        self.port = port
        self.logger = logger
    }
}
