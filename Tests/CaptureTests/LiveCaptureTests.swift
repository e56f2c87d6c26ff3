import Foundation
import Testing
@testable import Capture

@Test func bpfFilterText() {
    #expect(LiveCapture.bpfFilter(ports: [24_224, 24_225, 24_224]) == "(tcp or udp) and (port 24224 or port 24225)")
    #expect(LiveCapture.bpfFilter(ports: []) == "tcp or udp")
    #expect(LiveCapture.bpfFilter(ports: [1], extra: "host 127.0.0.1") == "((tcp or udp) and (port 1)) and (host 127.0.0.1)")
}

/// Binds a TCP listener and a UDP socket on the same ephemeral 127.0.0.1 port.
private func bindPair() throws -> (tcp: Int32, udp: Int32, port: UInt16) {
    let tcp = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    try withUnsafeMutablePointer(to: &addr) { p in
        try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
            guard bind(tcp, sa, len) == 0, listen(tcp, 4) == 0, getsockname(tcp, sa, &len) == 0 else {
                throw CaptureError.pcap("bind failed")
            }
        }
    }
    let udp = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    try withUnsafeMutablePointer(to: &addr) { p in
        try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
            guard bind(udp, sa, len) == 0 else { throw CaptureError.pcap("udp bind failed") }
        }
    }
    return (tcp, udp, UInt16(bigEndian: addr.sin_port))
}

@Test(.enabled(if: getuid() == 0, "live capture needs root (CAP_NET_RAW); skipped"))
func liveCaptureOnLoopback() throws {
    let (listener, udpServer, port) = try bindPair()
    defer { close(listener); close(udpServer) }
    let path = NSTemporaryDirectory() + "fwdlab-live-\(getpid()).pcap"
    defer { unlink(path) }
    let capture = try LiveCapture(options: LiveCaptureOptions(interface: "lo", ports: [port], outputPath: path,
                                                              maxDuration: .seconds(30)))
    try capture.start()

    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    addr.sin_port = port.bigEndian
    let len = socklen_t(MemoryLayout<sockaddr_in>.size)
    // TCP: connect, send 5 bytes, close.
    let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    let connected = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, len) } }
    #expect(connected == 0)
    let payload: [UInt8] = [0x93, 0xa1, 0x74, 0x01, 0x80]
    #expect(payload.withUnsafeBytes { send(client, $0.baseAddress, $0.count, 0) } == 5)
    close(client)
    // UDP: one heartbeat byte.
    let u = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    let sent = withUnsafePointer(to: &addr) { a in
        a.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in [UInt8(0)].withUnsafeBytes { sendto(u, $0.baseAddress, 1, 0, sa, len) } }
    }
    close(u)
    #expect(sent == 1)
    // SYN, SYN-ACK, ACK, data, FIN... plus one UDP datagram: at least 5 packets.
    #expect(capture.waitForPackets(5, timeout: .seconds(10)))
    let stats = capture.stop()
    #expect(stats.packetsWritten >= 5)

    let packets = try PcapFileReader(path: path).readAll()
    #expect(packets.count == stats.packetsWritten)
    var sawData = false, sawUDP = false
    for p in packets {
        guard let d = try? p.data.withUnsafeBytes({ try PacketDissector.dissect($0, linkType: p.linkType).get() }) else { continue }
        #expect(d.source.port == port || d.destination.port == port)
        if d.transport == .tcp, d.payloadLength == 5 { sawData = Array(p.data[d.payloadOffset...]) == payload }
        if d.transport == .udp, d.destination.port == port { sawUDP = true }
    }
    #expect(sawData && sawUDP)
}

@Test func noSuchInterfaceIsTyped() {
    guard getuid() == 0 else { return }
    #expect(throws: CaptureError.self) {
        _ = try LiveCapture(options: LiveCaptureOptions(interface: "nonexistent0", ports: [1], outputPath: "/tmp/x-\(getpid()).pcap"))
    }
}
