/// One entry of the question section: QNAME, QTYPE, QCLASS.
public struct DNSQuestion: Sendable, Hashable {
    public var name: DNSName
    public var type: DNSRecordType
    /// QCLASS; 1 is IN.
    public var recordClass: UInt16

    public init(name: DNSName, type: DNSRecordType, recordClass: UInt16 = DNSResourceRecord.classIN) {
        self.name = name
        self.type = type
        self.recordClass = recordClass
    }
}
