import ForwardProtocol
import ForwardLabTestSupport
import ForwardServer
import Foundation
import NIOCore

@testable import Simulator

#if canImport(Glibc)
import Glibc
#endif

/// Starts a receiver on an ephemeral loopback port with a fault engine (seed 42 unless given) holding
/// `faults`, for the duration of `body`.
func withFaults<T>(_ faults: [FaultSpec], seed: UInt64 = 42,
                   configure: (inout ReceiverSettings) -> Void = { _ in },
                   _ body: (ForwardReceiver, FaultEngine) async throws -> T) async throws -> T {
    let engine = FaultEngine(receiver: "faulty", seed: seed)
    for f in faults { try engine.add(f) }
    return try await withReceiver({ s in
        s.name = "faulty"
        s.hooks = engine
        configure(&s)
    }) { receiver in
        try await body(receiver, engine)
    }
}

/// Nanoseconds → milliseconds.
func ms(_ nanos: UInt64) -> Double { Double(nanos) / 1e6 }

/// A delay measured by a client over loopback is the injected `expected` ms: never shorter (2 ms of clock and
/// socket granularity aside), and at most `late` ms longer, because a loaded machine's scheduler only ever adds time.
/// The bounds still fail a fault that is not applied, or applied twice.
func isInjectedDelay(_ observed: Double, _ expected: Double, late: Double = 25) -> Bool {
    observed >= expected - 2 && observed <= expected + late
}

/// A packed request with an ack request for chunk `chunk` (25-character Base64 line).
func ackedRequest(seq: Int, chunk: String) -> ByteBuffer { Wire.packed(seqs: [seq], chunk: chunk) }

/// A distinct, well-formed chunk id per number.
func chunkID(_ n: Int) -> String {
    var bytes = [UInt8](repeating: 0xAB, count: 16)
    for i in 0 ..< 8 { bytes[8 + i] = UInt8(truncatingIfNeeded: n >> (56 - 8 * i)) }
    return Data(bytes).base64EncodedString() + "\n"
}

/// Sends one acked request and returns (ack bytes or nil, elapsed ms).
func timedAck(_ client: RawClient, seq: Int, chunk: String, timeout: Double = 3) -> ([UInt8]?, Double) {
    let t0 = MonotonicClock.nowNanos()
    client.send(ackedRequest(seq: seq, chunk: chunk))
    let ack = client.readMessage(timeout: timeout)
    return (ack, ms(MonotonicClock.nowNanos() - t0))
}

/// A UDP heartbeat client: sends 1-byte heartbeats, counts replies and notes their source port.
final class UDPProbe {
    let fd: Int32
    let port: Int

    init(port: Int) {
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        self.port = port
        var size: Int32 = 1 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(fd) }

    func send() {
        var to = sockaddr_in()
        to.sin_family = sa_family_t(AF_INET)
        to.sin_port = in_port_t(UInt16(port).bigEndian)
        to.sin_addr.s_addr = inet_addr("127.0.0.1")
        var b: UInt8 = 0
        _ = withUnsafePointer(to: &to) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, &b, 1, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }

    /// One reply within `timeout` seconds: its source port, or nil.
    func receive(timeout: Double) -> Int? {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, Int32(max(0, timeout * 1000))) == 1 else { return nil }
        var from = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        var buf = [UInt8](repeating: 0, count: 16)
        let n = buf.withUnsafeMutableBytes { b in
            withUnsafeMutablePointer(to: &from) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, b.baseAddress, 16, 0, $0, &len) }
            }
        }
        return n >= 0 ? Int(UInt16(bigEndian: from.sin_port)) : nil
    }

    /// Sends `count` heartbeats in bursts of `burst` and returns how many replies came back (each
    /// burst drains until `quiet` seconds pass without a reply).
    func exchange(count: Int, burst: Int = 50, quiet: Double = 0.05) -> Int {
        var replies = 0
        var sent = 0
        while sent < count {
            let n = min(burst, count - sent)
            for _ in 0 ..< n { send() }
            sent += n
            while receive(timeout: quiet) != nil { replies += 1 }
        }
        return replies
    }
}
