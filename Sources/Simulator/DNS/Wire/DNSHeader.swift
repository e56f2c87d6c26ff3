/// The 12-byte DNS message header (RFC 1035 section 4.1.1); the section counts are derived when encoding.
public struct DNSHeader: Sendable, Hashable {
    public var id: UInt16
    /// QR: false for a query, true for a response.
    public var isResponse: Bool
    public var opcode: UInt8
    /// AA: the answer comes from an authority for the name.
    public var authoritative: Bool
    /// TC: the message was cut to fit the transport (UDP); the client should retry over TCP.
    public var truncated: Bool
    /// RD: the client asked for recursion (echoed in the response).
    public var recursionDesired: Bool
    /// RA: the server offers recursion.
    public var recursionAvailable: Bool
    /// AD and CD (RFC 4035), echoed as bits only.
    public var authenticData: Bool
    public var checkingDisabled: Bool
    public var responseCode: DNSResponseCode

    public init(
        id: UInt16 = 0, isResponse: Bool = false, opcode: UInt8 = 0, authoritative: Bool = false, truncated: Bool = false,
        recursionDesired: Bool = false, recursionAvailable: Bool = false, authenticData: Bool = false,
        checkingDisabled: Bool = false, responseCode: DNSResponseCode = .noError
    ) {
        self.id = id
        self.isResponse = isResponse
        self.opcode = opcode & 0x0F
        self.authoritative = authoritative
        self.truncated = truncated
        self.recursionDesired = recursionDesired
        self.recursionAvailable = recursionAvailable
        self.authenticData = authenticData
        self.checkingDisabled = checkingDisabled
        self.responseCode = responseCode
    }

    /// The 16 flag bits as on the wire.
    public var flags: UInt16 {
        var f: UInt16 = 0
        if isResponse { f |= 0x8000 }
        f |= UInt16(opcode & 0x0F) << 11
        if authoritative { f |= 0x0400 }
        if truncated { f |= 0x0200 }
        if recursionDesired { f |= 0x0100 }
        if recursionAvailable { f |= 0x0080 }
        if authenticData { f |= 0x0020 }
        if checkingDisabled { f |= 0x0010 }
        f |= UInt16(responseCode.rawValue)
        return f
    }

    /// Reads the flag bits (the Z bit is ignored, as RFC 1035 asks).
    public init(id: UInt16, flags f: UInt16) {
        self.init(
            id: id, isResponse: f & 0x8000 != 0, opcode: UInt8((f >> 11) & 0x0F), authoritative: f & 0x0400 != 0,
            truncated: f & 0x0200 != 0, recursionDesired: f & 0x0100 != 0, recursionAvailable: f & 0x0080 != 0,
            authenticData: f & 0x0020 != 0, checkingDisabled: f & 0x0010 != 0,
            responseCode: DNSResponseCode(rawValue: UInt8(f & 0x000F)))
    }
}
