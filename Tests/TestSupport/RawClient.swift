import ForwardProtocol
import ForwardServer
import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// A blocking loopback TCP client with bounded waits (poll), for byte-exact protocol checks.
public final class RawClient {
    public enum ReadResult: Equatable {
        case data([UInt8])
        case eof
        case reset
        case timeout
    }

    public let fd: Int32
    private var pending: [UInt8] = []

    public init(port: Int) throws {
        // Set self.fd only once connected: a class init that throws after every stored property is set
        // still runs deinit, so closing here as well would close the fd twice (and the second close can
        // hit a socket another thread just opened under the same number).
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ReceiverError.io("socket failed: \(errno)") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let e = errno
            Glibc.close(fd)
            throw ReceiverError.io("connect failed: \(e)")
        }
        self.fd = fd
    }

    deinit { Glibc.close(fd) }

    public func send(_ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            off += n
        }
    }

    public func send(_ buffer: ByteBuffer) { send(Array(buffer.readableBytesView)) }

    /// One read with a timeout.
    public func readSome(timeout: Double) -> ReadResult {
        if !pending.isEmpty { defer { pending = [] }; return .data(pending) }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let r = poll(&p, 1, Int32(timeout * 1000))
        if r == 0 { return .timeout }
        var buf = [UInt8](repeating: 0, count: 65536)
        let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, 65536, 0) }
        if n > 0 { return .data(Array(buf[0 ..< n])) }
        if n == 0 { return .eof }
        return errno == ECONNRESET ? .reset : .eof
    }

    /// Reads until one complete MessagePack object arrived (or EOF/timeout).
    public func readMessage(timeout: Double) -> [UInt8]? {
        let deadline = Date().addingTimeInterval(timeout)
        var acc: [UInt8] = []
        while Date() < deadline {
            var scanner = MessagePackFrameScanner()
            if !acc.isEmpty, case let .frame(length)? = try? scanner.scan(ByteBuffer(bytes: acc)) {
                pending = Array(acc[length...])
                return Array(acc[0 ..< length])
            }
            switch readSome(timeout: deadline.timeIntervalSinceNow) {
            case let .data(d): acc += d
            default: return acc.isEmpty ? nil : acc
            }
        }
        return nil
    }

    /// Reads until `count` bytes arrived or EOF/timeout; returns what arrived.
    public func read(count: Int, timeout: Double) -> [UInt8] {
        let deadline = Date().addingTimeInterval(timeout)
        var acc: [UInt8] = []
        while acc.count < count, Date() < deadline {
            guard case let .data(d) = readSome(timeout: max(0.001, deadline.timeIntervalSinceNow)) else { break }
            acc += d
        }
        return acc
    }

    /// Waits for the peer to close; true on EOF or reset within `timeout` (data is discarded).
    public func waitForClose(timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            switch readSome(timeout: max(0.001, deadline.timeIntervalSinceNow)) {
            case .eof, .reset: return true
            case .timeout: return false
            case .data: continue
            }
        }
        return false
    }

    public func close() { shutdown(fd, Int32(SHUT_RDWR)) }
}
