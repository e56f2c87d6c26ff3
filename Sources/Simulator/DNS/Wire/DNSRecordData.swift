/// Decoded RDATA for the types the harness serves; anything else stays raw.
public enum DNSRecordData: Sendable, Hashable {
    /// A or AAAA.
    case address(DNSAddress)
    /// CNAME, NS or PTR: one domain name.
    case name(DNSName)
    /// SOA (RFC 1035 section 3.3.13).
    case soa(DNSSOA)
    /// SRV (RFC 2782).
    case srv(DNSSRV)
    /// Any other type (and OPT): the bytes as received.
    case raw([UInt8])
}

/// One SRV record's data: where `_service._proto.name` is served (RFC 2782).
public struct DNSSRV: Sendable, Hashable {
    public var priority: UInt16
    public var weight: UInt16
    public var port: UInt16
    public var target: DNSName

    public init(priority: UInt16 = 0, weight: UInt16 = 0, port: UInt16, target: DNSName) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }
}

/// Start-of-authority fields; `minimum` is the negative-caching TTL (RFC 2308).
public struct DNSSOA: Sendable, Hashable {
    public var primary: DNSName
    public var mailbox: DNSName
    public var serial: UInt32
    public var refresh: UInt32
    public var retry: UInt32
    public var expire: UInt32
    public var minimum: UInt32

    public init(
        primary: DNSName, mailbox: DNSName, serial: UInt32 = 1, refresh: UInt32 = 3600, retry: UInt32 = 600,
        expire: UInt32 = 86400, minimum: UInt32 = 5
    ) {
        self.primary = primary
        self.mailbox = mailbox
        self.serial = serial
        self.refresh = refresh
        self.retry = retry
        self.expire = expire
        self.minimum = minimum
    }
}
