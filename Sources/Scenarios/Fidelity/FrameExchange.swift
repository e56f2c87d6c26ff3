import Foundation
import ForwardServer
import ForwardProtocol
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// One frame on a fresh loopback connection: write it, give the receiver `settle` seconds to answer or close, then
/// write a probe (a Message with its own `chunk`, in the connection's encoding) and wait up to `probeTimeout` for
/// the probe's ack or the close. Blocking sockets with poll(2), so every wait is bounded by the clock.
///
/// Its own small client instead of the tests' RawClient (Tests/SimulatorTests), which a library target cannot import.
struct FrameExchange {
    /// What the connection showed, before events are counted.
    struct Outcome: Sendable, Equatable {
        var responses: [String]
        var connection: ReceiverVerdict.Connection
        var closeKind: String?
    }

    /// The frame could not be written at all.
    struct ConnectError: Error, CustomStringConvertible {
        var description: String
    }

    var settle: Double = 0.1
    var probeTimeout: Double = 1.5

    static let probeTag = "fwdlab.fidelity.probe"

    func run(_ frame: ReceiverFrame, port: Int, probeChunk: String) throws -> Outcome {
        let socket = try BlockingSocket(port: port)
        defer { socket.close() }
        var reader = ResponseReader(encoding: frame.encoding, probeChunk: probeChunk)
        socket.send(frame.bytes)
        // Settle: an early close or answer is seen before the probe is written (a probe written into a closed
        // connection would only turn a FIN into an RST).
        switch socket.read(until: { _ in false }, timeout: settle, into: &reader) {
        case let .closed(kind):
            return Outcome(responses: reader.responses, connection: .closed, closeKind: kind)
        case .matched, .timedOut:
            break
        }
        socket.send(Self.probe(encoding: frame.encoding, chunk: probeChunk))
        switch socket.read(until: { $0.probeAcked }, timeout: probeTimeout, into: &reader) {
        case .matched:
            return Outcome(responses: reader.responses, connection: .kept)
        case let .closed(kind):
            return Outcome(responses: reader.responses, connection: .closed, closeKind: kind)
        case .timedOut:
            return Outcome(responses: reader.responses, connection: .silent)
        }
    }

    /// `[probeTag, now-ish, {"probe": 1}, {"chunk": id}]`.
    static func probe(encoding: ReceiverFrame.Encoding, chunk: String) -> [UInt8] {
        switch encoding {
        case .msgpack:
            let b = ForwardEncoder.message(tag: probeTag, time: ReceiverFrameCorpus.eventTime, record: .map([MessagePackPair("probe", 1)]),
                                           option: .map([MessagePackPair("chunk", .str(chunk))]))
            return Array(b.readableBytesView)
        case .json:
            return Array("[\"\(probeTag)\",\(ReceiverFrameCorpus.seconds),{\"probe\":1},{\"chunk\":\"\(chunk)\"}]".utf8)
        }
    }
}

/// Splits what a receiver wrote back into responses and recognises the probe's ack.
struct ResponseReader {
    let encoding: ReceiverFrame.Encoding
    let probeChunk: String
    private(set) var responses: [String] = []
    private(set) var probeAcked = false
    private var pending: [UInt8] = []

    init(encoding: ReceiverFrame.Encoding, probeChunk: String) {
        self.encoding = encoding
        self.probeChunk = probeChunk
    }

    mutating func feed(_ bytes: [UInt8]) {
        pending += bytes
        while let length = nextLength() {
            let response = Array(pending[0 ..< length])
            pending.removeFirst(length)
            if isProbeAck(response) { probeAcked = true } else { responses.append(render(response)) }
        }
    }

    /// Bytes that never formed a whole response (reported as such).
    var leftover: [UInt8] { pending }

    private func nextLength() -> Int? {
        guard !pending.isEmpty else { return nil }
        switch encoding {
        case .msgpack:
            var scanner = MessagePackFrameScanner()
            if case let .frame(length)? = try? scanner.scan(ByteBuffer(bytes: pending)) { return length }
            return nil
        case .json:
            // in_forward's own JSON framing (ForwardServer's splitter): the length of the first whole document.
            var splitter = JSONStreamSplitter(maxLength: 1 << 20)
            var buffer = ByteBuffer(bytes: pending)
            guard (try? splitter.next(&buffer)) != nil else { return nil }
            return pending.count - buffer.readableBytes
        }
    }

    private func isProbeAck(_ response: [UInt8]) -> Bool {
        switch encoding {
        case .msgpack:
            guard let v = try? MessagePackValue.decode(ByteBuffer(bytes: response)) else { return false }
            return ForwardAck.ackedChunk(in: v) == Array(probeChunk.utf8)
        case .json:
            let object = try? JSONSerialization.jsonObject(with: Data(response), options: [.fragmentsAllowed])
            return (object as? [String: Any])?["ack"] as? String == probeChunk
        }
    }

    private func render(_ response: [UInt8]) -> String {
        switch encoding {
        case .msgpack: return response.map { String(format: "%02x", $0) }.joined()
        case .json: return String(decoding: response, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}

/// A blocking loopback TCP connection with poll-bounded reads.
final class BlockingSocket {
    enum ReadEnd: Equatable {
        case matched
        case closed(String)
        case timedOut
    }

    private let fd: Int32

    init(port: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FrameExchange.ConnectError(description: "socket(): errno \(errno)") }
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
            throw FrameExchange.ConnectError(description: "connect to 127.0.0.1:\(port): errno \(e)")
        }
        self.fd = fd
    }

    deinit { Glibc.close(fd) }

    /// Writes everything it can; a peer that already closed just ends the write (MSG_NOSIGNAL, no SIGPIPE).
    func send(_ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            off += n
        }
    }

    /// Reads into `reader` until `done(reader)`, the peer closes, or `timeout` seconds pass.
    func read(until done: (ResponseReader) -> Bool, timeout: Double, into reader: inout ResponseReader) -> ReadEnd {
        let deadline = Date().addingTimeInterval(timeout)
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            if done(reader) { return .matched }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return .timedOut }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let r = poll(&p, 1, Int32(max(1, left * 1000)))
            if r == 0 { return .timedOut }
            if r < 0 {
                if errno == EINTR { continue }
                return .closed("poll errno \(errno)")
            }
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n > 0 {
                reader.feed(Array(buf[0 ..< n]))
            } else if n == 0 {
                return .closed("fin")
            } else if errno == EINTR {
                continue
            } else {
                return .closed(errno == ECONNRESET ? "reset" : "errno \(errno)")
            }
        }
    }

    func close() { shutdown(fd, Int32(SHUT_RDWR)) }
}
