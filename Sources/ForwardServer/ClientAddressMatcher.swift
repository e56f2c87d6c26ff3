#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Matches a peer IP against a `<client>` entry: one host address or a CIDR network (docs/forward-protocol.md, "Server-side PING checks", step 2).
public struct ClientAddressMatcher: Sendable, Hashable, CustomStringConvertible {
    /// Address bytes (4 or 16) and prefix length.
    private let network: [UInt8]
    private let prefixLength: Int
    public let description: String

    /// A CIDR network such as `10.0.0.0/8` or `fd00::/8`; a bare address means a single host.
    public init(network text: String) throws {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let addr = Self.parse(parts[0]) else {
            throw ReceiverError.configuration("invalid network address '\(text)'")
        }
        let bits = addr.count * 8
        var prefix = bits
        if parts.count == 2 {
            guard let p = Int(parts[1]), (0 ... bits).contains(p) else {
                throw ReceiverError.configuration("invalid prefix length in '\(text)'")
            }
            prefix = p
        }
        network = Self.mask(addr, prefix)
        prefixLength = prefix
        description = text
    }

    /// A host name or address, resolved once now (in_forward resolves at configure; failure is a config error).
    public init(host: String) throws {
        if let addr = Self.parse(host) {
            network = addr
            prefixLength = addr.count * 8
            description = host
            return
        }
        guard let resolved = Self.resolve(host) else {
            throw ReceiverError.configuration("host '\(host)' cannot be resolved")
        }
        network = resolved
        prefixLength = resolved.count * 8
        description = host
    }

    /// Whether `ip` (text form, as NIO reports peers) falls in this entry. IPv4-mapped IPv6 peers match IPv4 entries.
    public func contains(_ ip: String) -> Bool {
        guard var addr = Self.parse(ip) else { return false }
        if addr.count == 16, network.count == 4, addr[0 ..< 12].elementsEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]) {
            addr = Array(addr[12...])
        }
        guard addr.count == network.count else { return false }
        return Self.mask(addr, prefixLength) == network
    }

    static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    static func mask(_ addr: [UInt8], _ prefix: Int) -> [UInt8] {
        var out = addr
        for i in 0 ..< out.count {
            let keep = max(0, min(8, prefix - i * 8))
            out[i] &= keep == 0 ? 0 : UInt8(truncatingIfNeeded: 0xff << (8 - keep))
        }
        return out
    }

    static func resolve(_ host: String) -> [UInt8]? {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return nil }
        defer { freeaddrinfo(result) }
        switch first.pointee.ai_family {
        case AF_INET:
            return first.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { p in
                var a = p.pointee.sin_addr
                return withUnsafeBytes(of: &a) { Array($0) }
            }
        case AF_INET6:
            return first.pointee.ai_addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p in
                var a = p.pointee.sin6_addr
                return withUnsafeBytes(of: &a) { Array($0) }
            }
        default:
            return nil
        }
    }
}
