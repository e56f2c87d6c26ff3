import FluentdConfig
import ForwardProtocol
import ForwardServer
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// `<source> @type forward` (in_forward): the same server code as the simulator's receivers, with the agent's
/// buffer as its sink. A request is acked only after its events are in the buffer; a full buffer refuses it
/// (connection closed, no ack: Fluentd's back-pressure;
/// docs/forward-protocol.md, "Request processing", step 7) or, with `overflow_action block`, stops
/// reading that connection until the buffer has room.
public final class ForwardInput: Sendable {
    /// The bound TCP (and UDP) port.
    public var port: Int { server.port }
    /// Live counters of the server side.
    public var stats: ReceiverStats { server.stats }
    /// Events buffered, events dropped because no `<match>` took their tag, and requests refused.
    public var counters: ForwardInputCounters { sink.counters.withLockedValue { $0 } }

    private let server: ForwardServer
    private let sink: BufferSink

    private init(server: ForwardServer, sink: BufferSink) {
        self.server = server
        self.sink = sink
    }

    /// Starts serving `settings` (read from a `<source>` by `ReceiverConfigLoader.read(source:base:)`) into `agent`.
    /// `routes` decides whether a tag reaches the agent (its `<match>` pattern); others are dropped as Fluentd's
    /// router does ("no patterns matched").
    public static func start(settings: ReceiverSettings, agent: any EventBatchSink,
                             routes: @escaping @Sendable (String) -> Bool = { _ in true },
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> ForwardInput {
        let sink = BufferSink(agent: agent, routes: routes, logger: settings.logger)
        let server = try await ForwardServer.start(settings, sink: sink, group: group)
        return ForwardInput(server: server, sink: sink)
    }

    /// Reads `<source> @type forward` into server settings; config errors carry the file:line of the section.
    public static func settings(for source: ForwardSourceConfig, logger: Logger) throws -> ReceiverSettings {
        let base = defaultSettings(name: source.element.id ?? "forward", bind: source.bind, port: source.port,
                                   profile: source.profile, logger: logger)
        let loaded = try ReceiverConfigLoader.read(source: source.element, base: base)
        for note in loaded.notes { logger.info("\(note)") }
        return loaded.settings
    }

    /// in_forward's defaults under `profile` (1.19: skip_invalid_event on, zstd) for an input that buffers into the
    /// agent and keeps no ledger of its own.
    public static func defaultSettings(name: String = "forward", bind: String, port: Int, profile: FluentdReleaseProfile,
                                       logger: Logger) -> ReceiverSettings {
        var s = ReceiverSettings(name: name, bind: bind, port: port)
        s.adopt(profile)
        s.logger = logger
        s.ledger = LedgerSettings(storeEvents: false)
        return s
    }

    /// Stops listening and closes every client connection (their unacked requests are theirs to resend).
    public func stop() async {
        await server.stop()
    }
}

/// What the forward input did with the events it received.
public struct ForwardInputCounters: Sendable, Equatable {
    /// Events appended to the agent's buffer.
    public var buffered = 0
    /// Events whose tag no `<match>` took (dropped, as Fluentd's router does, with a warning).
    public var unmatched = 0
    /// Requests refused because the buffer was full or the agent stopping.
    public var refusedRequests = 0
}

/// The sink between the server and the agent's buffer.
private final class BufferSink: ForwardIngestSink {
    let agent: any EventBatchSink
    let routes: @Sendable (String) -> Bool
    let logger: Logger
    let counters = NIOLockedValueBox(ForwardInputCounters())
    /// Tags already warned about, so an unrouted stream logs once per tag, not once per request.
    private let warnedTags = NIOLockedValueBox(Set<String>())

    init(agent: any EventBatchSink, routes: @escaping @Sendable (String) -> Bool, logger: Logger) {
        self.agent = agent
        self.routes = routes
        self.logger = logger
    }

    var wantsEntries: Bool { true }
    static let blockRetryInterval = TimeAmount.milliseconds(5)

    func registerPeer(_ peer: String) -> UInt32 { 0 }

    func accept(_ batch: IngestBatch) -> IngestVerdict {
        let count = batch.slots.count
        guard count > 0 else { return .accepted }
        let tag = batch.tagString
        guard routes(tag) else {
            counters.withLockedValue { $0.unmatched += count }
            if warnedTags.withLockedValue({ $0.insert(tag).inserted }) {
                logger.warning("no patterns matched tag=\"\(tag)\"")
            }
            return .accepted
        }
        do {
            try agent.emit(tag: tag, entries: batch.entries, count: count)
            counters.withLockedValue { $0.buffered += count }
            return .accepted
        } catch .mustWait {
            // Fluentd's emit sleeps 1 s between checks; a short poll keeps the same semantics (the connection is not
            // read meanwhile) without leaving a fast output idle while the input sleeps.
            return .retry(after: Self.blockRetryInterval)
        } catch {
            counters.withLockedValue { $0.refusedRequests += 1 }
            logger.warning("emit transaction failed: error_class=Fluent::Plugin::Buffer::BufferOverflowError error=\"\(error)\" tag=\"\(tag)\"")
            return .refused("\(error)")
        }
    }

    func reject(_ rejection: IngestRejection) {}
}
