import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// Free loopback ports for processes the runner starts (checked bindable, then released for the child to bind), and a
/// probe for whether a port accepts connections.
///
/// Ports are drawn from outside the kernel's ephemeral range. A port the kernel hands out for `bind(0)` was a live
/// hazard: a simulated receiver binding port 0 in the same run could be given the port just reserved for a child, and
/// the child's bind then fails (or a probe reaches the wrong listener). And a connect probe to a free port inside the
/// range can, rarely, be given that same port as its source and connect to itself. Outside the range neither happens.
enum PortAllocator {
    /// Ports this process handed out; never handed out twice, so two children of one run never race for one port.
    private static let handedOut = NIOLockedValueBox<Set<Int>>([])

    /// A TCP port free on 127.0.0.1 (the same UDP port is free too: receivers take heartbeats on it).
    static func freeTCPPort() throws -> Int { try freeTCPPort(in: candidatePorts()) }

    /// The first port of `pool` (from a random start) not handed out before and bindable now.
    static func freeTCPPort(in pool: [Int]) throws -> Int {
        guard !pool.isEmpty else { throw ScenarioRunError.environment("no candidate loopback ports") }
        var generator = SystemRandomNumberGenerator()
        let start = Int.random(in: 0 ..< pool.count, using: &generator)
        // Bounded: one pass over the pool at most.
        for step in 0 ..< pool.count {
            let port = pool[(start + step) % pool.count]
            let fresh = handedOut.withLockedValue { $0.insert(port).inserted }
            guard fresh else { continue }
            if bindable(port: port, type: SOCK_STREAM), bindable(port: port, type: SOCK_DGRAM) { return port }
        }
        throw ScenarioRunError.environment("no free loopback port among \(pool.count) outside the ephemeral range")
    }

    /// Ports outside `/proc/sys/net/ipv4/ip_local_port_range` (default 32768–60999): 20000 up to its start, or above
    /// its end when that leaves more.
    static func candidatePorts() -> [Int] {
        var low = 32768, high = 60999
        if let text = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8) {
            let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { Int($0) }
            if fields.count == 2, fields[0] <= fields[1] { (low, high) = (fields[0], fields[1]) }
        }
        let below = max(0, low - 20000), above = max(0, 65535 - high)
        if below >= above, below > 0 { return Array(20000 ..< low) }
        if above > 0 { return Array((high + 1) ... 65535) }
        // The whole space is ephemeral: fall back to it rather than fail.
        return Array(1024 ... 65535)
    }

    private static func bindable(port: Int, type: __socket_type) -> Bool {
        let fd = socket(AF_INET, Int32(type.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return withAddress(host: "127.0.0.1", port: port) { bind(fd, $0, $1) == 0 }
    }

    /// `body` with `host:port` as a `sockaddr_in`.
    private static func withAddress<T>(host: String, port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr(host)
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port` now (a loopback connect; the probe is closed).
    static func accepts(port: Int, host: String = "127.0.0.1") -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return withAddress(host: host, port: port) { connect(fd, $0, $1) == 0 }
    }
}
