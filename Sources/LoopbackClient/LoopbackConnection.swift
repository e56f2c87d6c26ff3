import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP connection to a loopback port with poll-bounded reads: the byte-exact client of the receiver
/// differential's frame exchanges and of the wire tests, where an event loop would only hide what the peer did.
public final class LoopbackConnection {
    /// What one bounded read saw.
    public enum Read: Equatable, Sendable {
        case data([UInt8])
        /// The peer closed (FIN).
        case eof
        /// The peer reset the connection (RST).
        case reset
        case timeout
        /// poll or recv failed with this errno.
        case failed(Int32)
    }

    /// The connection could not be made.
    public struct ConnectError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// The socket, for tests that set options on it (e.g. SO_LINGER for an RST close).
    public let fd: Int32

    public init(port: Int, host: String = "127.0.0.1") throws {
        // Set self.fd only once connected: a class init that throws after every stored property is set still runs
        // deinit, so closing here as well would close the fd twice (and the second close can hit a socket another
        // thread just opened under the same number).
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ConnectError(description: "socket(): errno \(errno)") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr(host)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let e = errno
            Glibc.close(fd)
            throw ConnectError(description: "connect to \(host):\(port): errno \(e)")
        }
        self.fd = fd
    }

    deinit { Glibc.close(fd) }

    /// Writes everything it can; a peer that already closed just ends the write (MSG_NOSIGNAL, no SIGPIPE).
    public func send(_ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            off += n
        }
    }

    /// One read of whatever is there, waiting at most `timeout` seconds (at least a millisecond).
    public func readSome(timeout: Double) -> Read {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let r = poll(&p, 1, Int32(max(1, (timeout * 1000).rounded(.up))))
            if r == 0 { return .timeout }
            if r > 0 { break }
            if errno != EINTR { return .failed(errno) }
        }
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n > 0 { return .data(Array(buf[0 ..< n])) }
            if n == 0 { return .eof }
            if errno == EINTR { continue }
            return errno == ECONNRESET ? .reset : .failed(errno)
        }
    }

    /// Shuts both directions down (the descriptor is closed when the object goes).
    public func close() { shutdown(fd, Int32(SHUT_RDWR)) }
}
