import NIOCore

/// Finds where one complete top-level MessagePack object ends in a growing byte stream.
///
/// The forward protocol has no length prefix: requests are concatenated MessagePack objects
/// (docs/forward-protocol.md, "Framing"). The scanner keeps its position and a stack of open containers between calls, so a
/// large request arriving over many reads is scanned once in total, not once per read. It never
/// materialises values: str/bin/ext payloads are skipped by their declared length, which is checked
/// against the limits before any byte of the payload is awaited.
public struct MessagePackFrameScanner: Sendable {
    /// Outcome of one scan.
    public enum Result: Equatable, Sendable {
        /// The readable bytes end inside the current object.
        case needMoreData
        /// The first `length` readable bytes are one complete object.
        case frame(length: Int)
    }

    public let limits: MessagePackLimits
    /// Bytes of the current object scanned so far (relative to the buffer's reader index).
    private var offset = 0
    /// Elements still expected by each open container, innermost last.
    private var pending: [Int] = []

    public init(limits: MessagePackLimits = .default) {
        self.limits = limits
        pending.reserveCapacity(16)
    }

    /// Forgets any partial progress (call after consuming a frame, or after an error).
    public mutating func reset() {
        offset = 0
        pending.removeAll(keepingCapacity: true)
    }

    /// Continues scanning `buffer`'s readable bytes; the caller must not consume bytes between a
    /// `.needMoreData` and the next call, only append. After `.frame`, consume and call `reset()`.
    public mutating func scan(_ buffer: ByteBuffer) throws(MessagePackError) -> Result {
        let base = buffer.readerIndex
        let available = buffer.readableBytes
        while true {
            guard offset < available else { return .needMoreData }
            let at = base + offset
            guard let format = buffer.getInteger(at: at, as: UInt8.self) else { return .needMoreData }
            let valueSize: Int
            switch MessagePackHeader.of(format) {
            case .invalid:
                throw .invalidFormat(byte: format, offset: offset)
            case let .fixed(size):
                valueSize = 1 + size
                if limits.eventTimeExtensionOnly, format >= 0xd4, format <= 0xd8 {
                    try checkExtensionType(buffer, at: at + 1)
                }
            case let .payload(embedded, lengthBytes, extra):
                guard let length = Self.length(buffer, at: at + 1, embedded: embedded, lengthBytes: lengthBytes) else {
                    return .needMoreData
                }
                if length > limits.maxFrameLength {
                    throw .lengthExceeded(length: length, limit: limits.maxFrameLength, offset: offset)
                }
                valueSize = 1 + lengthBytes + extra + length
                if extra == 1, limits.eventTimeExtensionOnly {
                    try checkExtensionType(buffer, at: at + 1 + lengthBytes)
                }
            case let .container(embedded, lengthBytes, perEntry):
                guard let count = Self.length(buffer, at: at + 1, embedded: embedded, lengthBytes: lengthBytes) else {
                    return .needMoreData
                }
                // Every element takes at least one byte, so a count above the frame limit can never complete.
                if count > limits.maxContainerCount || count > limits.maxFrameLength {
                    throw .lengthExceeded(length: count, limit: min(limits.maxContainerCount, limits.maxFrameLength), offset: offset)
                }
                let headerSize = 1 + lengthBytes
                try checkFrame(offset + headerSize)
                offset += headerSize
                if count > 0 {
                    if pending.count >= limits.maxDepth {
                        throw .depthExceeded(limit: limits.maxDepth, offset: offset - headerSize)
                    }
                    pending.append(count * perEntry)
                    continue
                }
                if let length = completeValue() { return .frame(length: length) }
                continue
            }
            try checkFrame(offset + valueSize)
            guard offset + valueSize <= available else { return .needMoreData }
            offset += valueSize
            if let length = completeValue() { return .frame(length: length) }
        }
    }

    /// Records that one value finished; returns the frame length when the top-level object did.
    private mutating func completeValue() -> Int? {
        while let last = pending.last {
            if last > 1 {
                pending[pending.count - 1] = last - 1
                return nil
            }
            pending.removeLast()
        }
        return offset
    }

    private func checkFrame(_ size: Int) throws(MessagePackError) {
        if size > limits.maxFrameLength {
            throw .lengthExceeded(length: size, limit: limits.maxFrameLength, offset: offset)
        }
    }

    /// Throws for a non-EventTime ext type once its type byte has arrived.
    private func checkExtensionType(_ buffer: ByteBuffer, at index: Int) throws(MessagePackError) {
        if let type = buffer.getInteger(at: index, as: Int8.self), type != EventTime.extensionType {
            throw .unknownExtension(type: type, offset: offset)
        }
    }

    @inline(__always)
    private static func length(_ buffer: ByteBuffer, at index: Int, embedded: Int, lengthBytes: Int) -> Int? {
        switch lengthBytes {
        case 0: return embedded
        case 1: return buffer.getInteger(at: index, as: UInt8.self).map(Int.init)
        case 2: return buffer.getInteger(at: index, as: UInt16.self).map(Int.init)
        default: return buffer.getInteger(at: index, as: UInt32.self).map(Int.init)
        }
    }
}
