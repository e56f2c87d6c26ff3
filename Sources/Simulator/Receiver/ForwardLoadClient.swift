import ForwardProtocol
import ForwardServer
import NIOCore
import NIOPosix
import NIOSSL

/// Settings for `ForwardLoadClient`.
public struct ForwardLoadSettings: Sendable {
    public var host: String
    public var port: Int
    /// Parallel connections.
    public var connections: Int
    /// Encoded size of each record (`{"seq": n, "message": "xxx…"}`), bytes.
    public var recordSize: Int
    /// Events per PackedForward chunk.
    public var batch: Int
    /// Chunks in flight per connection (1 = wait for each ack before the next send).
    public var pipelineDepth: Int
    /// Ask for acks (`chunk` option); without, chunks are sent as fast as the socket drains.
    public var requireAck: Bool
    public var tag: String
    /// Sequence field written into every record; values are unique across the run.
    public var sequenceField: String
    /// Stop sending after this long.
    public var duration: Duration
    /// Or after this many chunks per connection (whichever comes first).
    public var maxChunksPerConnection: Int?
    /// How long to wait for outstanding acks after sending stopped.
    public var drainTimeout: Duration
    /// TLS client configuration (nil: plain TCP).
    public var tls: TLSConfiguration?
    /// SNI / hostname for TLS verification.
    public var tlsServerName: String?

    public init(host: String = "127.0.0.1", port: Int, connections: Int = 1, recordSize: Int = 1024, batch: Int = 1000,
                pipelineDepth: Int = 1, requireAck: Bool = true, tag: String = "fwdlab.load", sequenceField: String = "seq",
                duration: Duration = .seconds(5), maxChunksPerConnection: Int? = nil, drainTimeout: Duration = .seconds(5)) {
        self.host = host
        self.port = port
        self.connections = connections
        self.recordSize = recordSize
        self.batch = batch
        self.pipelineDepth = pipelineDepth
        self.requireAck = requireAck
        self.tag = tag
        self.sequenceField = sequenceField
        self.duration = duration
        self.maxChunksPerConnection = maxChunksPerConnection
        self.drainTimeout = drainTimeout
        tls = nil
        tlsServerName = nil
    }
}

/// What a load run achieved.
public struct ForwardLoadResult: Sendable, CustomStringConvertible {
    public var chunksSent = 0
    public var chunksAcked = 0
    public var eventsSent = 0
    public var eventsAcked = 0
    public var bytesSent = 0
    /// Acks whose value did not match the oldest outstanding chunk.
    public var ackMismatches = 0
    /// Connections that ended with an error (refused, reset...).
    public var failedConnections = 0
    /// Seconds from the first connect to the last ack (or the end of sending without acks).
    public var elapsedSeconds = 0.0
    /// First and last sequence numbers used (inclusive), per connection ranges are disjoint.
    public var sequenceRanges: [ClosedRange<Int64>] = []

    public var description: String {
        "chunks sent=\(chunksSent) acked=\(chunksAcked) events sent=\(eventsSent) acked=\(eventsAcked) " +
            "bytes=\(bytesSent) mismatches=\(ackMismatches) failed=\(failedConnections) elapsed=\(elapsedSeconds)s"
    }

    mutating func add(_ o: ForwardLoadResult) {
        chunksSent += o.chunksSent
        chunksAcked += o.chunksAcked
        eventsSent += o.eventsSent
        eventsAcked += o.eventsAcked
        bytesSent += o.bytesSent
        ackMismatches += o.ackMismatches
        failedConnections += o.failedConnections
        elapsedSeconds = max(elapsedSeconds, o.elapsedSeconds)
        sequenceRanges += o.sequenceRanges
    }
}

/// A load generator speaking out_forward's PackedForward wire format (docs/forward-protocol.md, "Sending a chunk"): each connection
/// encodes its chunk once and then only patches the 8-byte sequence numbers and the 24-character
/// chunk id in place before every send, so sending costs no per-event work beyond those writes.
/// Sequence numbers are unique across connections (connection i uses i·2^40 + n).
public enum ForwardLoadClient {
    /// Runs the load and returns the totals.
    public static func run(_ settings: ForwardLoadSettings,
                           group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> ForwardLoadResult {
        let start = NIODeadline.now()
        let stopAt = start + .nanoseconds(Int64(settings.duration.components.seconds) * 1_000_000_000
            + settings.duration.components.attoseconds / 1_000_000_000)
        let template = LoadChunkTemplate(settings: settings)
        var tlsContext: NIOSSLContext?
        if let tls = settings.tls { tlsContext = try NIOSSLContext(configuration: tls) }
        let sslContext = tlsContext
        var futures: [EventLoopFuture<ForwardLoadResult>] = []
        for index in 0 ..< settings.connections {
            let loop = group.next()
            let promise = loop.makePromise(of: ForwardLoadResult.self)
            let bootstrap = ClientBootstrap(group: loop)
                .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
                .channelOption(ChannelOptions.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 4096))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        if let sslContext {
                            try sync.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: settings.tlsServerName))
                        }
                        try sync.addHandler(LoadConnectionHandler(
                            settings: settings, template: template, connectionIndex: index, stopAt: stopAt,
                            start: start, promise: promise))
                    }
                }
            bootstrap.connect(host: settings.host, port: settings.port).whenFailure { _ in
                var r = ForwardLoadResult()
                r.failedConnections = 1
                promise.succeed(r)
            }
            futures.append(promise.futureResult)
        }
        var total = ForwardLoadResult()
        for f in futures { total.add(try await f.get()) }
        return total
    }
}

/// The pre-encoded chunk and where its sequence numbers and chunk id sit.
struct LoadChunkTemplate: Sendable {
    let bytes: ByteBuffer
    /// Offsets (from the start) of each record's 8-byte big-endian sequence value.
    let seqOffsets: [Int]
    /// Offset of the 24 Base64 characters of the chunk id (the 25th is the newline), or nil without acks.
    let chunkOffset: Int?
    let events: Int

    init(settings: ForwardLoadSettings) {
        let key = settings.sequenceField
        // Record: {key: int64, "message": str} padded to recordSize.
        var probe = ByteBuffer()
        probe.writeMessagePackMapHeader(count: 2)
        probe.writeMessagePackString(key)
        probe.writeInteger(UInt8(0xd3))
        probe.writeInteger(Int64(0))
        probe.writeMessagePackString("message")
        let overhead = probe.readableBytes + 5 // str32 header at most
        let padding = max(0, settings.recordSize - overhead)
        var entries = ByteBuffer()
        entries.reserveCapacity(settings.batch * (settings.recordSize + 16))
        var seqOffsetsInEntries: [Int] = []
        let now = EventTime(Double(MonotonicClock.wallNanos()) / 1e9)
        let filler = String(repeating: "x", count: padding)
        for _ in 0 ..< settings.batch {
            entries.writeInteger(UInt8(0x92))
            now.encode(into: &entries)
            entries.writeMessagePackMapHeader(count: 2)
            entries.writeMessagePackString(key)
            entries.writeInteger(UInt8(0xd3))
            seqOffsetsInEntries.append(entries.writerIndex)
            entries.writeInteger(Int64(0))
            entries.writeMessagePackString("message")
            entries.writeMessagePackString(filler)
        }
        var out = ByteBuffer()
        ForwardEncoder.writePackedForwardHead(tag: settings.tag, entriesLength: entries.readableBytes, into: &out)
        let entriesStart = out.writerIndex
        out.writeBuffer(&entries)
        let placeholder = settings.requireAck ? String(repeating: "A", count: 22) + "==\n" : nil
        ForwardOption.write(size: settings.batch, compressed: "text", chunk: placeholder, into: &out)
        if placeholder != nil {
            // The chunk string is the option's last value: fixstr header (1 byte) + 25 characters.
            chunkOffset = out.writerIndex - 25
        } else {
            chunkOffset = nil
        }
        bytes = out
        seqOffsets = seqOffsetsInEntries.map { $0 + entriesStart }
        events = settings.batch
    }
}

/// One load connection: keeps `pipelineDepth` chunks in flight and matches acks in order.
final class LoadConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let settings: ForwardLoadSettings
    private let template: LoadChunkTemplate
    private let stopAt: NIODeadline
    private let start: NIODeadline
    private let promise: EventLoopPromise<ForwardLoadResult>
    private var buffers: [ByteBuffer]
    private var nextBuffer = 0
    private var outstanding: [[UInt8]] = []
    private var outstandingHead = 0
    private var result = ForwardLoadResult()
    private var nextSeq: Int64
    private let firstSeq: Int64
    private var inbound = ByteBuffer()
    private var scanner = MessagePackFrameScanner()
    private var sending = true
    private var finished = false
    private var chunkCounter: UInt64 = 0
    private let connectionIndex: Int

    init(settings: ForwardLoadSettings, template: LoadChunkTemplate, connectionIndex: Int, stopAt: NIODeadline,
         start: NIODeadline, promise: EventLoopPromise<ForwardLoadResult>) {
        self.settings = settings
        self.template = template
        self.stopAt = stopAt
        self.start = start
        self.promise = promise
        self.connectionIndex = connectionIndex
        buffers = Array(repeating: template.bytes, count: max(1, settings.pipelineDepth))
        firstSeq = Int64(connectionIndex) << 40
        nextSeq = firstSeq
    }

    func channelActive(context: ChannelHandlerContext) {
        if settings.requireAck {
            for _ in 0 ..< max(1, settings.pipelineDepth) { sendChunk(context) }
            context.flush()
        } else {
            pumpWithoutAcks(context)
        }
        context.fireChannelActive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if !settings.requireAck && context.channel.isWritable { pumpWithoutAcks(context) }
        context.fireChannelWritabilityChanged()
    }

    private func pumpWithoutAcks(_ context: ChannelHandlerContext) {
        while sending && context.channel.isWritable {
            sendChunk(context)
        }
        context.flush()
        if !sending { finish(context) }
    }

    private var shouldStop: Bool {
        if let max = settings.maxChunksPerConnection, result.chunksSent >= max { return true }
        return NIODeadline.now() >= stopAt
    }

    private func sendChunk(_ context: ChannelHandlerContext) {
        guard sending else { return }
        if shouldStop { sending = false; return }
        // Take the buffer out of the pool so it is uniquely referenced (its previous write has
        // completed by now): patching it in place then copies nothing.
        var buffer = ByteBuffer()
        swap(&buffer, &buffers[nextBuffer])
        for offset in template.seqOffsets {
            buffer.setInteger(nextSeq, at: offset)
            nextSeq += 1
        }
        if let chunkOffset = template.chunkOffset {
            chunkCounter += 1
            let id = Self.chunkID(connection: UInt64(connectionIndex), counter: chunkCounter)
            buffer.setBytes(id, at: chunkOffset)
            outstanding.append(id)
        }
        buffers[nextBuffer] = buffer
        nextBuffer = (nextBuffer + 1) % buffers.count
        result.chunksSent += 1
        result.eventsSent += template.events
        result.bytesSent += buffer.readableBytes
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        inbound.writeBuffer(&bytes)
        var sent = false
        while true {
            guard let r = try? scanner.scan(inbound) else { finish(context, failed: true); return }
            guard case let .frame(length) = r else { break }
            let frame = inbound.readSlice(length: length)!
            scanner.reset()
            guard outstandingHead < outstanding.count else { result.ackMismatches += 1; continue }
            let expected = outstanding[outstandingHead]
            outstandingHead += 1
            // The ack is {"ack": "<24 chars>\n"}: compare the 24 characters at their fixed place.
            if frame.readableBytes == 31, frame.getBytes(at: frame.readerIndex + 6, length: 24).map({ $0 == expected }) == true {
                result.chunksAcked += 1
                result.eventsAcked += template.events
            } else {
                result.ackMismatches += 1
            }
            sendChunk(context)
            sent = true
        }
        if outstandingHead > 1024 {
            outstanding.removeFirst(outstandingHead)
            outstandingHead = 0
        }
        inbound.discardReadBytes()
        if sent { context.flush() }
        if !sending && outstandingHead == outstanding.count { finish(context) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(context, failed: sending || outstandingHead < outstanding.count)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        finish(context, failed: true)
    }

    private func finish(_ context: ChannelHandlerContext, failed: Bool = false) {
        guard !finished else { return }
        finished = true
        sending = false
        if failed { result.failedConnections += 1 }
        result.elapsedSeconds = Double((NIODeadline.now() - start).nanoseconds) / 1e9
        if nextSeq > firstSeq { result.sequenceRanges = [firstSeq ... nextSeq - 1] }
        promise.succeed(result)
        context.close(promise: nil)
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// 16 bytes (connection, counter) as 24 Base64 characters (22 + "=="), as out_forward's ids look.
    static func chunkID(connection: UInt64, counter: UInt64) -> [UInt8] {
        var raw = [UInt8](repeating: 0, count: 18)
        for i in 0 ..< 8 { raw[i] = UInt8(truncatingIfNeeded: connection >> (56 - 8 * UInt64(i))) }
        for i in 0 ..< 8 { raw[8 + i] = UInt8(truncatingIfNeeded: counter >> (56 - 8 * UInt64(i))) }
        var out = [UInt8]()
        out.reserveCapacity(24)
        var i = 0
        while i < 18 {
            let v = UInt32(raw[i]) << 16 | UInt32(raw[i + 1]) << 8 | UInt32(raw[i + 2])
            out.append(alphabet[Int(v >> 18 & 63)])
            out.append(alphabet[Int(v >> 12 & 63)])
            out.append(alphabet[Int(v >> 6 & 63)])
            out.append(alphabet[Int(v & 63)])
            i += 3
        }
        // 16 real bytes → 22 significant characters + "==".
        out[22] = UInt8(ascii: "=")
        out[23] = UInt8(ascii: "=")
        return out
    }
}
