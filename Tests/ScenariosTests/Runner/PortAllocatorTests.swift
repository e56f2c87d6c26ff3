import Foundation
import Testing

@testable import Scenarios

/// The runner's ports come from outside the kernel's ephemeral range, so a `bind(0)` in the same run (a simulated
/// receiver) can never be given a port already reserved for a child, and a probe never connects to itself.
@Suite struct PortAllocatorTests {
    static func ephemeralRange() throws -> ClosedRange<Int> {
        let text = try String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)
        let f = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { Int($0) }
        try #require(f.count == 2)
        return f[0] ... f[1]
    }

    @Test func portsAreOutsideTheEphemeralRangeAndNeverRepeat() throws {
        let range = try Self.ephemeralRange()
        var seen = Set<Int>()
        for _ in 0 ..< 200 {
            let port = try PortAllocator.freeTCPPort()
            #expect(!range.contains(port), "port \(port) inside the ephemeral range \(range)")
            #expect(seen.insert(port).inserted, "port \(port) handed out twice")
        }
    }

    /// A socket bound to a kernel-chosen loopback port (inside the ephemeral range, so never in the allocator's
    /// own pool and never handed out before); listening if asked.
    static func kernelPort(listening: Bool) throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        try #require(ok && (!listening || listen(fd, 1) == 0))
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    @Test func aPortInUseIsSkippedAndAnExhaustedPoolIsAnError() throws {
        let held = try Self.kernelPort(listening: true)
        defer { close(held.fd) }
        let released = try Self.kernelPort(listening: false)
        close(released.fd)
        let pool = [held.port, released.port]
        #expect(try PortAllocator.freeTCPPort(in: pool) == released.port)
        // One is listening, the other handed out: the pool is exhausted, and that is an error, not a reused port.
        #expect(throws: ScenarioRunError.self) { try PortAllocator.freeTCPPort(in: pool) }
    }
}
