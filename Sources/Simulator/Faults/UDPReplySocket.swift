import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A UDP socket of its own, bound to another port than the receiver's, for answering heartbeats from
/// the wrong source port. Sends are non-blocking (`MSG_DONTWAIT`), so calling it on an event loop is fine.
public final class UDPReplySocket: Sendable {
    private let fd4: Int32
    private let fd6: Int32
    /// The IPv4 port replies come from (0 if the socket could not be bound).
    public let port: Int

    /// Binds wildcard IPv4 (and IPv6) sockets to `port` (0: ephemeral).
    public init(port requested: Int = 0) throws {
        let fd4 = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd4 >= 0 else { throw FaultError.unsupported("cannot create a UDP socket (errno \(errno))") }
        var a4 = sockaddr_in()
        a4.sin_family = sa_family_t(AF_INET)
        a4.sin_port = in_port_t(UInt16(requested).bigEndian)
        a4.sin_addr.s_addr = INADDR_ANY
        let rc = withUnsafePointer(to: &a4) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd4, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let e = errno
            close(fd4)
            throw FaultError.unsupported("cannot bind the wrong-port UDP socket to \(requested) (errno \(e))")
        }
        var bound = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd4, $0, &len) }
        }
        self.fd4 = fd4
        port = Int(UInt16(bigEndian: bound.sin_port))
        // IPv6 is best effort (hosts without it still get IPv4 replies).
        fd6 = socket(AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
    }

    deinit {
        close(fd4)
        if fd6 >= 0 { close(fd6) }
    }

    /// Sends `bytes` to `peer`; errors (e.g. a full buffer) are ignored like a lossy network would.
    public func send(_ bytes: [UInt8], to peer: SocketAddress) {
        let fd: Int32
        switch peer {
        case .v4: fd = fd4
        case .v6: fd = fd6
        default: return
        }
        guard fd >= 0 else { return }
        peer.withSockAddr { addr, len in
            _ = bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT), addr, socklen_t(len)) }
        }
    }
}
