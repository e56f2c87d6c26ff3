#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address held inline (no allocation), so packets can be keyed cheaply.
public struct IPAddress: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Address family.
    public enum Family: UInt8, Sendable, Codable { case v4 = 4, v6 = 6 }

    public let family: Family
    /// First 8 bytes (IPv6) or zero (IPv4), big-endian packed.
    public let high: UInt64
    /// Last 8 bytes (IPv6) or the IPv4 address in the low 32 bits, big-endian packed.
    public let low: UInt64

    public init(family: Family, high: UInt64, low: UInt64) {
        self.family = family
        self.high = high
        self.low = low
    }

    /// IPv4 from its 32-bit big-endian value (e.g. 0x7f000001 for 127.0.0.1).
    public init(ipv4 value: UInt32) {
        self.init(family: .v4, high: 0, low: UInt64(value))
    }

    /// IPv6 from 16 network-order bytes; returns nil for another length.
    public init?(ipv6 bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        var h: UInt64 = 0, l: UInt64 = 0
        for i in 0..<8 { h = h << 8 | UInt64(bytes[i]) }
        for i in 8..<16 { l = l << 8 | UInt64(bytes[i]) }
        self.init(family: .v6, high: h, low: l)
    }

    /// Parses dotted IPv4 or textual IPv6.
    public init?(_ text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.init(ipv4: UInt32(bigEndian: v4.s_addr))
            return
        }
        var v6 = [UInt8](repeating: 0, count: 16)
        let ok = v6.withUnsafeMutableBytes { inet_pton(AF_INET6, text, $0.baseAddress) }
        guard ok == 1 else { return nil }
        self.init(ipv6: v6)
    }

    public static let loopbackV4 = IPAddress(ipv4: 0x7f00_0001)
    public static let loopbackV6 = IPAddress(family: .v6, high: 0, low: 1)

    /// Network-order bytes (4 or 16).
    public var bytes: [UInt8] {
        switch family {
        case .v4:
            let v = UInt32(truncatingIfNeeded: low)
            return [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)]
        case .v6:
            var out = [UInt8]()
            out.reserveCapacity(16)
            for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: high >> UInt64(s))) }
            for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: low >> UInt64(s))) }
            return out
        }
    }

    public var description: String {
        let raw = bytes
        var text = [CChar](repeating: 0, count: 64)
        let af = family == .v4 ? AF_INET : AF_INET6
        let ok = raw.withUnsafeBytes { src in
            text.withUnsafeMutableBufferPointer { dst in
                inet_ntop(af, src.baseAddress, dst.baseAddress, socklen_t(dst.count)) != nil
            }
        }
        guard ok else { return "?" }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        (a.family.rawValue, a.high, a.low) < (b.family.rawValue, b.high, b.low)
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let address = IPAddress(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad IP address \(text)"))
        }
        self = address
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// An address and port: one side of a TCP connection or UDP flow.
public struct IPEndpoint: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let address: IPAddress
    public let port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    public var description: String {
        address.family == .v6 ? "[\(address)]:\(port)" : "\(address):\(port)"
    }

    public static func < (a: IPEndpoint, b: IPEndpoint) -> Bool {
        (a.address, a.port) < (b.address, b.port)
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad endpoint \(text)"))
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let address = IPAddress(host) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad endpoint \(text)"))
        }
        self.init(address: address, port: port)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
