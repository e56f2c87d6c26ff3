/// The IP and transport headers of one frame, with the payload located inside the frame.
public struct DissectedPacket: Sendable, Equatable {
    /// Transport protocol of the frame.
    public enum Transport: UInt8, Sendable, Equatable { case tcp = 6, udp = 17 }

    public var transport: Transport
    public var source: IPEndpoint
    public var destination: IPEndpoint
    /// TCP only.
    public var sequence: UInt32 = 0
    public var acknowledgment: UInt32 = 0
    public var flags: TCPFlags = []
    /// Payload position and length within the frame's captured bytes (clipped to what was captured).
    public var payloadOffset: Int
    public var payloadLength: Int
    /// Payload bytes on the wire (larger than `payloadLength` when the snapshot cut the frame).
    public var wirePayloadLength: Int
}

/// Why a frame was not dissected into a TCP/UDP packet (counted, not fatal).
public enum DissectSkip: String, Sendable, Codable, CaseIterable {
    case unsupportedLinkType, notIP, truncated, fragment, otherTransport, badHeader
}

/// Parses link, IPv4/IPv6 and TCP/UDP headers without copying the frame.
///
/// IPv4 fragments are skipped (forward traffic on loopback or a LAN is not fragmented; reassembling
/// IP fragments is out of scope); IPv6 extension headers are walked to the transport header.
public enum PacketDissector {
    /// Dissects `frame` of `linkType`; `.failure` says why it is not a TCP/UDP packet.
    public static func dissect(_ frame: UnsafeRawBufferPointer, linkType: LinkType) -> Result<DissectedPacket, DissectFailure> {
        var at = 0
        var version: Int  // 4, 6 or 0 (decide by the first nibble)
        let n = frame.count
        switch linkType {
        case .ethernet:
            guard n >= 14 else { return .failure(.init(.truncated)) }
            var type = be16(frame, 12)
            at = 14
            // Bounded: at most two VLAN tags (802.1Q / QinQ).
            var tags = 0
            while (type == 0x8100 || type == 0x88a8 || type == 0x9100), tags < 2 {
                guard n >= at + 4 else { return .failure(.init(.truncated)) }
                type = be16(frame, at + 2)
                at += 4
                tags += 1
            }
            switch type {
            case 0x0800: version = 4
            case 0x86dd: version = 6
            default: return .failure(.init(.notIP))
            }
        case .linuxSLL:
            guard n >= 16 else { return .failure(.init(.truncated)) }
            at = 16
            switch be16(frame, 14) {
            case 0x0800: version = 4
            case 0x86dd: version = 6
            default: return .failure(.init(.notIP))
            }
        case .linuxSLL2:
            guard n >= 20 else { return .failure(.init(.truncated)) }
            at = 20
            switch be16(frame, 0) {
            case 0x0800: version = 4
            case 0x86dd: version = 6
            default: return .failure(.init(.notIP))
            }
        case .null, .loop:
            guard n >= 4 else { return .failure(.init(.truncated)) }
            at = 4
            // NULL stores the family in the capturing host's byte order: accept either order.
            let big = be32(frame, 0)
            let family = big > 0xffff ? big.byteSwapped : big
            switch family {
            case 2: version = 4
            case 10, 24, 28, 30: version = 6
            default: return .failure(.init(.notIP))
            }
        case .raw: version = 0
        case .ipv4: version = 4
        case .ipv6: version = 6
        default:
            return .failure(.init(.unsupportedLinkType))
        }
        guard n > at else { return .failure(.init(.truncated)) }
        if version == 0 { version = Int(frame[at] >> 4) }
        if version == 4 { return ipv4(frame, at) }
        if version == 6 { return ipv6(frame, at) }
        return .failure(.init(.notIP))
    }

    private static func ipv4(_ f: UnsafeRawBufferPointer, _ at: Int) -> Result<DissectedPacket, DissectFailure> {
        guard f.count >= at + 20 else { return .failure(.init(.truncated)) }
        guard f[at] >> 4 == 4 else { return .failure(.init(.badHeader)) }
        let ihl = Int(f[at] & 0x0f) * 4
        let total = Int(be16(f, at + 2))
        guard ihl >= 20, total >= ihl else { return .failure(.init(.badHeader)) }
        guard f.count >= at + ihl else { return .failure(.init(.truncated)) }
        let fragment = be16(f, at + 6)
        if fragment & 0x3fff != 0 { return .failure(.init(.fragment)) }  // MF set or offset ≠ 0
        let src = IPAddress(ipv4: be32(f, at + 12)), dst = IPAddress(ipv4: be32(f, at + 16))
        // The IP total length bounds the payload (Ethernet pads short frames).
        let end = at + total
        return transport(f, proto: f[at + 9], at: at + ihl, end: end, src: src, dst: dst)
    }

    private static func ipv6(_ f: UnsafeRawBufferPointer, _ at: Int) -> Result<DissectedPacket, DissectFailure> {
        guard f.count >= at + 40 else { return .failure(.init(.truncated)) }
        guard f[at] >> 4 == 6 else { return .failure(.init(.badHeader)) }
        let payloadLength = Int(be16(f, at + 4))
        var next = f[at + 6]
        let src = IPAddress(family: .v6, high: be64(f, at + 8), low: be64(f, at + 16))
        let dst = IPAddress(family: .v6, high: be64(f, at + 24), low: be64(f, at + 32))
        var cursor = at + 40
        // A zero payload length means a jumbogram: take what was captured.
        let end = payloadLength == 0 ? Int.max : at + 40 + payloadLength
        // Bounded: at most 16 extension headers.
        for _ in 0..<16 {
            switch next {
            case 0, 43, 60:  // hop-by-hop, routing, destination options
                guard f.count >= cursor + 2 else { return .failure(.init(.truncated)) }
                next = f[cursor]
                cursor += (Int(f[cursor + 1]) + 1) * 8
            case 44:  // fragment
                guard f.count >= cursor + 8 else { return .failure(.init(.truncated)) }
                if be16(f, cursor + 2) & 0xfff9 != 0 { return .failure(.init(.fragment)) }
                next = f[cursor]
                cursor += 8
            case 51:  // authentication header
                guard f.count >= cursor + 2 else { return .failure(.init(.truncated)) }
                next = f[cursor]
                cursor += (Int(f[cursor + 1]) + 2) * 4
            default:
                return transport(f, proto: next, at: cursor, end: end, src: src, dst: dst)
            }
        }
        return .failure(.init(.badHeader))
    }

    private static func transport(_ f: UnsafeRawBufferPointer, proto: UInt8, at: Int, end declaredEnd: Int,
                                  src: IPAddress, dst: IPAddress) -> Result<DissectedPacket, DissectFailure> {
        let capturedEnd = min(f.count, declaredEnd)
        switch proto {
        case 6:
            guard capturedEnd >= at + 20 else { return .failure(.init(.truncated)) }
            let dataOffset = Int(f[at + 12] >> 4) * 4
            guard dataOffset >= 20 else { return .failure(.init(.badHeader)) }
            guard capturedEnd >= at + dataOffset else { return .failure(.init(.truncated)) }
            let payloadAt = at + dataOffset
            let wire = declaredEnd == Int.max ? capturedEnd - payloadAt : max(0, declaredEnd - payloadAt)
            var p = DissectedPacket(transport: .tcp,
                                    source: IPEndpoint(address: src, port: be16(f, at)),
                                    destination: IPEndpoint(address: dst, port: be16(f, at + 2)),
                                    payloadOffset: payloadAt, payloadLength: capturedEnd - payloadAt, wirePayloadLength: wire)
            p.sequence = be32(f, at + 4)
            p.acknowledgment = be32(f, at + 8)
            p.flags = TCPFlags(rawValue: f[at + 13] & 0x1f)
            return .success(p)
        case 17:
            guard capturedEnd >= at + 8 else { return .failure(.init(.truncated)) }
            let udpLength = Int(be16(f, at + 4))
            guard udpLength >= 8 else { return .failure(.init(.badHeader)) }
            let payloadAt = at + 8
            let end = min(capturedEnd, at + udpLength)
            return .success(DissectedPacket(transport: .udp,
                                            source: IPEndpoint(address: src, port: be16(f, at)),
                                            destination: IPEndpoint(address: dst, port: be16(f, at + 2)),
                                            payloadOffset: payloadAt, payloadLength: max(0, end - payloadAt),
                                            wirePayloadLength: udpLength - 8))
        default:
            return .failure(.init(.otherTransport))
        }
    }

    @inline(__always) static func be16(_ f: UnsafeRawBufferPointer, _ at: Int) -> UInt16 {
        UInt16(f[at]) << 8 | UInt16(f[at + 1])
    }

    @inline(__always) static func be32(_ f: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(bigEndian: f.loadUnaligned(fromByteOffset: at, as: UInt32.self))
    }

    @inline(__always) static func be64(_ f: UnsafeRawBufferPointer, _ at: Int) -> UInt64 {
        UInt64(bigEndian: f.loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }
}

/// A frame that is not a TCP/UDP packet, and why.
public struct DissectFailure: Error, Sendable, Equatable {
    public let reason: DissectSkip
    init(_ reason: DissectSkip) { self.reason = reason }
}
