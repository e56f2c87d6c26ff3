/// Crafts link/IP/TCP/UDP frames with correct lengths and checksums, for synthetic captures.
public enum PacketBuilder {
    /// Appends a TCP frame to `out` (reusing its storage: the benchmark generator calls this in a loop).
    public static func appendTCP(into out: inout [UInt8], linkType: LinkType = .ethernet, source: IPEndpoint, destination: IPEndpoint,
                                 sequence: UInt32, acknowledgment: UInt32, flags: TCPFlags, window: UInt16 = 65_535,
                                 payload: UnsafeRawBufferPointer) {
        var tcp = [UInt8](repeating: 0, count: 20)
        put16(&tcp, 0, source.port); put16(&tcp, 2, destination.port)
        put32(&tcp, 4, sequence); put32(&tcp, 8, acknowledgment)
        tcp[12] = 5 << 4
        tcp[13] = flags.rawValue
        put16(&tcp, 14, window)
        appendIP(into: &out, linkType: linkType, source: source.address, destination: destination.address,
                 protocolNumber: 6, transportHeader: tcp, checksumAt: 16, payload: payload)
    }

    /// A TCP frame as a new array.
    public static func tcp(linkType: LinkType = .ethernet, source: IPEndpoint, destination: IPEndpoint, sequence: UInt32,
                           acknowledgment: UInt32, flags: TCPFlags, window: UInt16 = 65_535, payload: [UInt8] = []) -> [UInt8] {
        var out: [UInt8] = []
        payload.withUnsafeBytes {
            appendTCP(into: &out, linkType: linkType, source: source, destination: destination, sequence: sequence,
                      acknowledgment: acknowledgment, flags: flags, window: window, payload: $0)
        }
        return out
    }

    /// A UDP frame as a new array.
    public static func udp(linkType: LinkType = .ethernet, source: IPEndpoint, destination: IPEndpoint, payload: [UInt8]) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 8)
        put16(&header, 0, source.port); put16(&header, 2, destination.port)
        put16(&header, 4, UInt16(truncatingIfNeeded: 8 + payload.count))
        var out: [UInt8] = []
        payload.withUnsafeBytes {
            appendIP(into: &out, linkType: linkType, source: source.address, destination: destination.address,
                     protocolNumber: 17, transportHeader: header, checksumAt: 6, payload: $0)
        }
        return out
    }

    private static func appendIP(into out: inout [UInt8], linkType: LinkType, source: IPAddress, destination: IPAddress,
                                 protocolNumber: UInt8, transportHeader: [UInt8], checksumAt: Int, payload: UnsafeRawBufferPointer) {
        let v6 = source.family == .v6
        appendLinkHeader(into: &out, linkType: linkType, v6: v6)
        let transportLength = transportHeader.count + payload.count
        // Checksum over the pseudo-header, transport header and payload.
        var sum: UInt32 = 0
        let src = source.bytes, dst = destination.bytes
        sum = add(sum, src); sum = add(sum, dst)
        sum &+= UInt32(protocolNumber)
        sum &+= UInt32(transportLength & 0xffff) &+ UInt32(transportLength >> 16)
        sum = add(sum, transportHeader)
        sum = add(sum, payload)
        var checksum = ~fold(sum)
        if protocolNumber == 17 && checksum == 0 { checksum = 0xffff }
        var header = transportHeader
        put16(&header, checksumAt, checksum)

        if v6 {
            out.append(0x60); out.append(0); out.append(0); out.append(0)
            out.append(UInt8(truncatingIfNeeded: transportLength >> 8)); out.append(UInt8(truncatingIfNeeded: transportLength))
            out.append(protocolNumber); out.append(64)
            out.append(contentsOf: src); out.append(contentsOf: dst)
        } else {
            let total = 20 + transportLength
            var ip: [UInt8] = [0x45, 0, UInt8(truncatingIfNeeded: total >> 8), UInt8(truncatingIfNeeded: total),
                               0, 0, 0x40, 0, 64, protocolNumber, 0, 0]
            ip.append(contentsOf: src); ip.append(contentsOf: dst)
            put16(&ip, 10, ~fold(add(0, ip)))
            out.append(contentsOf: ip)
        }
        out.append(contentsOf: header)
        out.append(contentsOf: payload)
    }

    private static func appendLinkHeader(into out: inout [UInt8], linkType: LinkType, v6: Bool) {
        let etherType: UInt16 = v6 ? 0x86dd : 0x0800
        switch linkType {
        case .ethernet:
            out.append(contentsOf: [UInt8](repeating: 0, count: 12))
            out.append(UInt8(etherType >> 8)); out.append(UInt8(etherType & 0xff))
        case .linuxSLL:
            // packet type 0 (to us), ARPHRD_LOOPBACK 772, address length 6, 8 address bytes, protocol
            out.append(contentsOf: [0, 0, 0x03, 0x04, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0])
            out.append(UInt8(etherType >> 8)); out.append(UInt8(etherType & 0xff))
        case .linuxSLL2:
            out.append(UInt8(etherType >> 8)); out.append(UInt8(etherType & 0xff))
            out.append(contentsOf: [0, 0, 0, 0, 0, 1, 0x03, 0x04, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0])
        case .null:
            // host byte order; this writer always produces little-endian files
            let family: UInt32 = v6 ? 30 : 2
            out.append(UInt8(family & 0xff)); out.append(0); out.append(0); out.append(0)
        case .loop:
            let family: UInt32 = v6 ? 24 : 2
            out.append(0); out.append(0); out.append(0); out.append(UInt8(family))
        default:
            break  // raw IP
        }
    }

    @inline(__always) static func put16(_ a: inout [UInt8], _ at: Int, _ v: UInt16) {
        a[at] = UInt8(v >> 8); a[at + 1] = UInt8(v & 0xff)
    }

    @inline(__always) static func put32(_ a: inout [UInt8], _ at: Int, _ v: UInt32) {
        a[at] = UInt8(v >> 24); a[at + 1] = UInt8(v >> 16 & 0xff); a[at + 2] = UInt8(v >> 8 & 0xff); a[at + 3] = UInt8(v & 0xff)
    }

    private static func add(_ start: UInt32, _ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { add(start, $0) }
    }

    private static func add(_ start: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var sum = UInt64(start)
        var i = 0
        let n = bytes.count
        while i + 1 < n {
            sum &+= UInt64(bytes[i]) << 8 | UInt64(bytes[i + 1])
            i += 2
        }
        if i < n { sum &+= UInt64(bytes[i]) << 8 }
        while sum >> 32 != 0 { sum = (sum & 0xffff_ffff) &+ (sum >> 32) }
        return UInt32(sum)
    }

    private static func fold(_ sum: UInt32) -> UInt16 {
        var s = sum
        while s >> 16 != 0 { s = (s & 0xffff) &+ (s >> 16) }
        return UInt16(s)
    }
}
