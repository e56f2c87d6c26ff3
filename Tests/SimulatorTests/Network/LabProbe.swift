import Atomics
import NIOCore
import NIOPosix
import Simulator

#if canImport(Glibc)
import Glibc
#endif

/// Tiny echo servers inside lab namespaces and bounded blocking probes from the root namespace.
enum LabProbe {
    /// Echoes TCP bytes back.
    final class TCPEcho: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            context.writeAndFlush(data, promise: nil)
        }
        func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }
    }

    /// Echoes datagrams back and counts them.
    final class UDPEcho: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let received = ManagedAtomic<Int>(0)
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received.wrappingIncrement(ordering: .relaxed)
            context.writeAndFlush(data, promise: nil)
        }
        func errorCaught(context: ChannelHandlerContext, error: Error) {}
    }

    /// A TCP echo server listening on the host's address inside its namespace.
    static func tcpEcho(_ lab: NetworkNamespaceLab, _ host: String) async throws -> (channel: any Channel, port: Int) {
        let fd = try await lab.boundSocket(in: host, tcp: true)
        let port = NetworkNamespaceLab.boundPort(of: fd)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(TCPEcho()) } }
            .withBoundSocket(fd).get()
        return (channel, port)
    }

    /// A UDP echo server on the host's address inside its namespace.
    static func udpEcho(_ lab: NetworkNamespaceLab, _ host: String) async throws -> (channel: any Channel, port: Int, handler: UDPEcho) {
        let fd = try await lab.boundSocket(in: host, tcp: false)
        let port = NetworkNamespaceLab.boundPort(of: fd)
        let handler = UDPEcho()
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(handler) } }
            .withBoundSocket(fd).get()
        return (channel, port, handler)
    }

    /// Connects with a deadline; the connected fd (blocking, with send/receive timeouts) or nil.
    static func connect(_ address: String, _ port: Int, timeoutMs: Int32 = 400) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        var sin = sockaddr_in(address, port)
        let rc = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 {
            guard errno == EINPROGRESS else { close(fd); return nil }
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard poll(&p, 1, timeoutMs) == 1, getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0, error == 0 else {
                close(fd)
                return nil
            }
        }
        _ = fcntl(fd, F_SETFL, flags)
        var tv = timeval(tv_sec: 0, tv_usec: Int(timeoutMs) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// Sends `payload` and reads the same number of bytes back within the socket's timeout.
    static func echo(_ fd: Int32, _ payload: [UInt8]) -> Bool {
        var sent = 0
        while sent < payload.count {
            let n = payload[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return false }
            sent += n
        }
        var got: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while got.count < payload.count {
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { return false }
            got += buffer.prefix(n)
        }
        return got == payload
    }

    /// Connect + echo + close.
    static func tcpWorks(_ address: String, _ port: Int) -> Bool {
        guard let fd = connect(address, port) else { return false }
        defer { close(fd) }
        return echo(fd, Array("ping".utf8))
    }

    /// Sends `count` datagrams and counts echoes within `timeoutMs` of the last one.
    static func udpEchoes(_ address: String, _ port: Int, count: Int = 1, timeoutMs: Int = 300) -> Int {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var sin = sockaddr_in(address, port)
        for i in 0..<count {
            var byte = UInt8(truncatingIfNeeded: i)
            _ = withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, &byte, 1, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        var tv = timeval(tv_sec: 0, tv_usec: timeoutMs * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var echoes = 0
        var buffer = [UInt8](repeating: 0, count: 16)
        while echoes < count, recv(fd, &buffer, buffer.count, 0) > 0 { echoes += 1 }
        return echoes
    }

}

extension sockaddr_in {
    init(_ address: String, _ port: Int) {
        self.init()
        sin_family = sa_family_t(AF_INET)
        sin_port = in_port_t(UInt16(clamping: port).bigEndian)
        _ = inet_pton(AF_INET, address, &sin_addr)
    }
}
