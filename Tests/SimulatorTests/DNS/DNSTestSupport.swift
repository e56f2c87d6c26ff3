#if canImport(Glibc)
import Glibc
#endif

/// Hex text ↔ bytes for the vectors.
enum Hex {
    static func bytes(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        var chars = Array(text.utf8)[...]
        while chars.count >= 2 {
            let pair = String(decoding: chars.prefix(2), as: UTF8.self)
            out.append(UInt8(pair, radix: 16) ?? 0)
            chars = chars.dropFirst(2)
        }
        return out
    }

    static func text(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}

/// A blocking loopback DNS client with a receive timeout, for poking the server with arbitrary bytes.
enum RawDNSClient {
    /// Sends one datagram and waits up to `timeoutMs` for a reply; nil on timeout.
    static func udp(_ payload: [UInt8], port: Int, timeoutMs: Int = 2000) -> [UInt8]? {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        setTimeout(fd, timeoutMs)
        var addr = loopback(port)
        let sent = payload.withUnsafeBytes { raw in
            withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, raw.baseAddress, raw.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard sent == payload.count else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65535)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? Array(buffer.prefix(n)) : nil
    }

    /// Opens a TCP connection, writes `stream` as is, and reads one length-prefixed reply (nil on timeout/close).
    static func tcp(_ stream: [UInt8], port: Int, timeoutMs: Int = 2000) -> [UInt8]? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        setTimeout(fd, timeoutMs)
        var addr = loopback(port)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { return nil }
        guard stream.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == stream.count else { return nil }
        guard let header = readExactly(fd, 2) else { return nil }
        return readExactly(fd, Int(header[0]) << 8 | Int(header[1]))
    }

    /// A query framed for TCP.
    static func framed(_ message: [UInt8]) -> [UInt8] {
        [UInt8(message.count >> 8), UInt8(message.count & 0xFF)] + message
    }

    private static func readExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: max(1, count))
        while out.count < count {
            let n = recv(fd, &buffer, count - out.count, 0)
            guard n > 0 else { return nil }
            out += buffer.prefix(n)
        }
        return out
    }

    private static func setTimeout(_ fd: Int32, _ ms: Int) {
        var tv = timeval(tv_sec: ms / 1000, tv_usec: Int((ms % 1000) * 1000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    private static func loopback(_ port: Int) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return addr
    }
}
