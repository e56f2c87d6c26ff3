/// One resource record of the answer, authority or additional section.
public struct DNSResourceRecord: Sendable, Hashable {
    /// CLASS IN.
    public static let classIN: UInt16 = 1

    public var name: DNSName
    public var type: DNSRecordType
    /// CLASS; for OPT the requestor's UDP payload size (RFC 6891).
    public var recordClass: UInt16
    /// TTL seconds; for OPT the extended RCODE, version and flags.
    public var ttl: UInt32
    public var data: DNSRecordData

    public init(name: DNSName, type: DNSRecordType, recordClass: UInt16 = classIN, ttl: UInt32, data: DNSRecordData) {
        self.name = name
        self.type = type
        self.recordClass = recordClass
        self.ttl = ttl
        self.data = data
    }

    /// An A or AAAA record for `address`.
    public static func address(_ name: DNSName, _ address: DNSAddress, ttl: UInt32) -> DNSResourceRecord {
        DNSResourceRecord(name: name, type: address.recordType, ttl: ttl, data: .address(address))
    }

    /// An EDNS(0) OPT pseudo-record advertising `udpPayloadSize`, with no options.
    public static func opt(udpPayloadSize: UInt16) -> DNSResourceRecord {
        DNSResourceRecord(name: .root, type: .opt, recordClass: udpPayloadSize, ttl: 0, data: .raw([]))
    }
}
