import Foundation
import ForwardServer
import ForwardProtocol
import LoopbackClient
import NIOCore

/// One frame on a fresh loopback connection: write it, give the receiver `settle` seconds to answer or close, then
/// write a probe (a Message with its own `chunk`, in the connection's encoding) and wait up to `probeTimeout` for
/// the probe's ack or the close. Blocking sockets with poll(2), so every wait is bounded by the clock.
struct FrameExchange {
    /// What the connection showed, before events are counted.
    struct Outcome: Sendable, Equatable {
        var responses: [String]
        var connection: ReceiverVerdict.Connection
        var closeKind: String?
    }

    var settle: Double = 0.1
    var probeTimeout: Double = 1.5

    static let probeTag = "fwdlab.fidelity.probe"

    func run(_ frame: ReceiverFrame, port: Int, probeChunk: String) throws -> Outcome {
        let socket = try LoopbackConnection(port: port)
        defer { socket.close() }
        var reader = ResponseReader(encoding: frame.encoding, probeChunk: probeChunk)
        socket.send(frame.bytes)
        // Settle: an early close or answer is seen before the probe is written (a probe written into a closed
        // connection would only turn a FIN into an RST).
        switch Self.read(socket, until: { _ in false }, timeout: settle, into: &reader) {
        case let .closed(kind):
            return Outcome(responses: reader.responses, connection: .closed, closeKind: kind)
        case .matched, .timedOut:
            break
        }
        socket.send(Self.probe(encoding: frame.encoding, chunk: probeChunk))
        switch Self.read(socket, until: { $0.probeAcked }, timeout: probeTimeout, into: &reader) {
        case .matched:
            return Outcome(responses: reader.responses, connection: .kept)
        case let .closed(kind):
            return Outcome(responses: reader.responses, connection: .closed, closeKind: kind)
        case .timedOut:
            return Outcome(responses: reader.responses, connection: .silent)
        }
    }

    enum ReadEnd: Equatable {
        case matched
        case closed(String)
        case timedOut
    }

    /// Reads into `reader` until `done(reader)`, the peer closes, or `timeout` seconds pass.
    static func read(_ socket: LoopbackConnection, until done: (ResponseReader) -> Bool, timeout: Double,
                     into reader: inout ResponseReader) -> ReadEnd {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if done(reader) { return .matched }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return .timedOut }
            switch socket.readSome(timeout: left) {
            case let .data(bytes): reader.feed(bytes)
            case .timeout: return .timedOut
            case .eof: return .closed("fin")
            case .reset: return .closed("reset")
            case let .failed(e): return .closed("errno \(e)")
            }
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
