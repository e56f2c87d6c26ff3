/// Which way bytes flow in a TCP connection; the client is the side that sent the SYN.
public enum TCPDirection: String, Sendable, Codable, Hashable {
    case clientToServer, serverToClient
}

/// What the reassembler observed on a connection, in capture order.
public enum TCPStreamEvent: Sendable, Equatable {
    /// First packet of a new connection (with or without a SYN: the capture may start mid-stream).
    case opened(connection: Int, client: IPEndpoint, server: IPEndpoint, time: Int64, sawSYN: Bool)
    /// A SYN from the client (retransmitted SYNs included).
    case syn(connection: Int, time: Int64)
    /// The server's SYN-ACK.
    case synAck(connection: Int, time: Int64)
    /// The client acknowledged the SYN-ACK (or data flowed on a connection seen mid-stream).
    case established(connection: Int, time: Int64)
    /// In-order bytes, with the time of the packet that completed them.
    case data(connection: Int, direction: TCPDirection, streamOffset: UInt64, bytes: [UInt8], time: Int64)
    /// Bytes that will never arrive (lost from the capture, or the out-of-order buffer cap was hit).
    case gap(connection: Int, direction: TCPDirection, streamOffset: UInt64, missingBytes: UInt64, time: Int64)
    case fin(connection: Int, direction: TCPDirection, time: Int64)
    case reset(connection: Int, direction: TCPDirection, time: Int64)
    /// Both sides finished, or a reset ended the connection.
    case closed(connection: Int, time: Int64)
}

/// Receives reassembler output; `data` is borrowed so the hot path can avoid copies.
public protocol TCPStreamSink {
    /// Every event except data.
    mutating func tcpEvent(_ event: TCPStreamEvent)
    /// In-order bytes; valid only during the call.
    mutating func tcpData(connection: Int, direction: TCPDirection, streamOffset: UInt64, bytes: UnsafeRawBufferPointer, time: Int64)
}

/// A sink that keeps every event, data copied (tests and small captures).
public struct TCPStreamEventCollector: TCPStreamSink, Sendable {
    public var events: [TCPStreamEvent] = []
    public init() {}

    public mutating func tcpEvent(_ event: TCPStreamEvent) { events.append(event) }

    public mutating func tcpData(connection: Int, direction: TCPDirection, streamOffset: UInt64, bytes: UnsafeRawBufferPointer, time: Int64) {
        events.append(.data(connection: connection, direction: direction, streamOffset: streamOffset, bytes: Array(bytes), time: time))
    }

    /// All in-order bytes of one direction, concatenated.
    public func stream(_ connection: Int, _ direction: TCPDirection) -> [UInt8] {
        var out: [UInt8] = []
        for case let .data(c, d, _, bytes, _) in events where c == connection && d == direction { out += bytes }
        return out
    }
}
