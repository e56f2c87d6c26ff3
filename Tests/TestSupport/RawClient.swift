import ForwardProtocol
import ForwardServer
import Foundation
import LoopbackClient
import NIOCore

/// A blocking loopback TCP client with bounded waits (poll), for byte-exact protocol checks: `LoopbackConnection`
/// plus the MessagePack framing the tests read replies with.
public final class RawClient {
    public enum ReadResult: Equatable {
        case data([UInt8])
        case eof
        case reset
        case timeout
    }

    private let connection: LoopbackConnection
    private var pending: [UInt8] = []

    public var fd: Int32 { connection.fd }

    public init(port: Int) throws {
        connection = try LoopbackConnection(port: port)
    }

    public func send(_ bytes: [UInt8]) { connection.send(bytes) }

    public func send(_ buffer: ByteBuffer) { send(Array(buffer.readableBytesView)) }

    /// One read with a timeout.
    public func readSome(timeout: Double) -> ReadResult {
        if !pending.isEmpty { defer { pending = [] }; return .data(pending) }
        switch connection.readSome(timeout: timeout) {
        case let .data(d): return .data(d)
        case .timeout: return .timeout
        case .reset: return .reset
        case .eof, .failed: return .eof
        }
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

    public func close() { connection.close() }
}
