import Foundation
import Simulator
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Receiver: UDP heartbeat (docs/forward-protocol.md, 'UDP heartbeat')")
struct ReceiverUDPTests {
    @Test("Every datagram gets one 00 byte from the listening port, whatever it contains")
    func replyFromListeningPort() async throws {
        try await withReceiver { receiver in
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            defer { close(fd) }
            var to = sockaddr_in()
            to.sin_family = sa_family_t(AF_INET)
            to.sin_port = in_port_t(UInt16(receiver.port).bigEndian)
            to.sin_addr.s_addr = inet_addr("127.0.0.1")
            for payload in [[UInt8(0)], Array(repeating: UInt8(0x41), count: 300), Array("garbage".utf8)] {
                _ = payload.withUnsafeBytes { p in
                    withUnsafePointer(to: &to) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            sendto(fd, p.baseAddress, p.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                        }
                    }
                }
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                #expect(poll(&pfd, 1, 5000) == 1)
                var from = sockaddr_in()
                var len = socklen_t(MemoryLayout<sockaddr_in>.size)
                var buf = [UInt8](repeating: 0xff, count: 16)
                let n = buf.withUnsafeMutableBytes { b in
                    withUnsafeMutablePointer(to: &from) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, b.baseAddress, 16, 0, $0, &len) }
                    }
                }
                #expect(n == 1 && buf[0] == 0)
                #expect(Int(UInt16(bigEndian: from.sin_port)) == receiver.port)
            }
            #expect(receiver.stats.snapshot().heartbeats == 3)
        }
    }
}
