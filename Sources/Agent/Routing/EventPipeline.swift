import FluentdConfig
import ForwardProtocol
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The agent's event router at run time: inputs emit into a `source(label:worker:)` sink, which resolves the tag's
/// route once (cached per label, worker and tag, as Fluentd's EventRouter caches `find`), applies its filters and
/// hands the events to the forward output, stdout, null or a copy's stores (docs/pipeline.md).
///
/// A route without filters that ends at the forward output passes the input's encoded entries straight to the buffer,
/// so a relay configuration pays one cache lookup per batch and nothing per event.
public final class EventPipeline: Sendable {
    /// The routing rules; a reload replaces them (and empties the route cache).
    private struct Rules: Sendable {
        var filters: [FilterConfig]
        var matches: [MatchConfig]
        var routing: RoutingTable
        /// Resolved routes, under the same lock as the rules so a reload never leaves a stale one behind.
        var cache: [RouteKey: RoutingTable.Route] = [:]
    }

    private let rules: NIOLockedValueBox<Rules>
    /// The forward outputs, in `forwardOutputSites` order.
    private let forwards: [any EventBatchSink]
    private let logger: Logger
    private let writeStdout: @Sendable (String) -> Void
    /// Per label and tag, how many batches found no match (Fluentd's NoMatchMatch warns at 1, 2, 4, … 256, then every 512).
    private let unmatchedCounts = NIOLockedValueBox([String: Int]())
    /// Fluentd's MatchCache keeps at most this many tags.
    static let cacheLimit = 1024

    struct RouteKey: Hashable {
        var label: String
        var worker: Int
        var tag: String
    }

    /// Events handed to outputs other than forward, and dropped events (for tests and status).
    public let counters = NIOLockedValueBox(Counters())

    /// What the pipeline did.
    public struct Counters: Sendable, Equatable {
        public var stdoutLines = 0
        public var nulled = 0
        public var unmatched = 0
        public var filteredOut = 0
        public var errorEvents = 0
    }

    /// `forward` is the forward output (nil when the configuration has none); `writeStdout` receives out_stdout's
    /// lines (tests capture them; the process writes them to standard output).
    public convenience init(configuration: AgentConfiguration, forward: (any EventBatchSink)?, logger: Logger,
                            writeStdout: @escaping @Sendable (String) -> Void = EventPipeline.standardOutput) {
        self.init(configuration: configuration, forwards: forward.map { [$0] } ?? [], logger: logger, writeStdout: writeStdout)
    }

    /// `forwards` are the forward outputs in `AgentConfiguration.forwardOutputSites` order.
    public init(configuration: AgentConfiguration, forwards: [any EventBatchSink], logger: Logger,
                writeStdout: @escaping @Sendable (String) -> Void = EventPipeline.standardOutput) {
        rules = NIOLockedValueBox(Rules(filters: configuration.filters, matches: configuration.matches, routing: configuration.routing))
        self.forwards = forwards
        self.logger = logger
        self.writeStdout = writeStdout
    }

    /// Writes to the process's standard output, unbuffered (out_stdout writes and flushes per batch).
    @Sendable public static func standardOutput(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// The sink a source emits into: `label` is its `@label` (nil: top level), `worker` its worker id.
    public func source(label: String?, worker: Int = 0) -> any EventBatchSink {
        SourceSink(pipeline: self, label: label ?? RoutingTable.root, worker: worker)
    }

    /// A reload's new routing (Fluentd rebuilds its routers on reload): later events follow it.
    public func replace(with configuration: AgentConfiguration) {
        rules.withLockedValue { $0 = Rules(filters: configuration.filters, matches: configuration.matches, routing: configuration.routing) }
    }

    private var filters: [FilterConfig] { rules.withLockedValue { $0.filters } }
    private var routing: RoutingTable { rules.withLockedValue { $0.routing } }

    /// The cached route of `tag`.
    public func route(tag: String, label: String, worker: Int) -> RoutingTable.Route {
        let key = RouteKey(label: label, worker: worker, tag: tag)
        return rules.withLockedValue { rules in
            if let r = rules.cache[key] { return r }
            let r = rules.routing.resolve(tag: tag, label: label, worker: worker, filters: rules.filters, matches: rules.matches)
            if rules.cache.count >= Self.cacheLimit { rules.cache.removeAll(keepingCapacity: true) }
            rules.cache[key] = r
            return r
        }
    }

    /// Whether `tag` reaches any output from `label` (the forward input counts the others as unmatched).
    public func routes(tag: String, label: String?, worker: Int = 0) -> Bool {
        if case .unmatched = route(tag: tag, label: label ?? RoutingTable.root, worker: worker).target { return false }
        return true
    }

    // MARK: - Emitting

    /// One decoded event.
    public struct Event: Sendable, Equatable {
        public var time: EventTime
        public var record: [MessagePackPair]

        public init(time: EventTime, record: [MessagePackPair]) {
            self.time = time
            self.record = record
        }
    }

    func emit(tag: String, entries: ByteBuffer, count: Int, label: String, worker: Int) throws(AgentEmitError) {
        let route = route(tag: tag, label: label, worker: worker)
        if route.filters.isEmpty, case .forward(let i) = route.target, forwards.indices.contains(i) {
            let forward = forwards[i]
            do {
                try forward.emit(tag: tag, entries: entries, count: count)
            } catch .bufferOverflow where hasErrorLabel {
                try toErrorLabel(Self.decode(entries, count: count), tag: tag, worker: worker)
            }
            return
        }
        try deliver(Self.decode(entries, count: count), tag: tag, route: route, worker: worker)
    }

    /// Decodes concatenated `[time, record]` entries; entries that are not a map record are kept with an empty record
    /// only if nothing else is possible (the forward input has already applied in_forward's validity rules).
    static func decode(_ entries: ByteBuffer, count: Int) -> [Event] {
        var out: [Event] = []
        out.reserveCapacity(count)
        var it = ForwardEntryIterator(packed: entries)
        while let entry = try? it.next() {
            let time: EventTime
            switch entry.time {
            case .eventTime(let t): time = t
            case .integer(let s): time = EventTime(seconds: UInt32(truncatingIfNeeded: s))
            case .other: time = EventTime(seconds: 0)
            }
            let record = (try? MessagePackValue.decode(entry.record))?.mapValue ?? []
            out.append(Event(time: time, record: record))
        }
        return out
    }

    static func encode(_ events: [Event]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for e in events { ForwardEntry.write(time: e.time, encodedRecord: MessagePackValue.map(e.record).encoded, into: &buffer) }
        return buffer
    }

    /// Applies `route` to the events: filters, then the target. Throws what the forward output throws (a copy store
    /// with `ignore_error` logs it instead).
    /// `toErrorLabel` false inside the @ERROR label, so an overflow there is the input's, not another loop.
    public func deliver(_ events: [Event], tag: String, route: RoutingTable.Route, worker: Int,
                        toErrorLabel errorLabel: Bool = true) throws(AgentEmitError) {
        var events = events
        var errors: [(Event, String)] = []
        var tagValues: RecordTransformer.TagValues?
        let filters = self.filters
        for i in route.filters where filters.indices.contains(i) {
            switch filters[i].kind {
            case .grep(let g):
                let before = events.count
                events.removeAll { !g.keeps($0.record) }
                if before != events.count { counters.withLockedValue { $0.filteredOut += before - events.count } }
            case .recordTransformer(let t):
                if tagValues == nil { tagValues = RecordTransformer.TagValues(tag) }
                var kept: [Event] = []
                kept.reserveCapacity(events.count)
                for e in events {
                    let o = t.transform(time: e.time, record: e.record, tag: tagValues!)
                    for p in o.unknownPlaceholders { logger.warning("unknown placeholder `\(p)` found") }
                    if let error = o.error {
                        errors.append((e, error))
                    } else {
                        kept.append(Event(time: o.time, record: o.record))
                    }
                }
                events = kept
            }
            if events.isEmpty { break }
        }
        if !errors.isEmpty { emitErrorEvents(errors, tag: tag, worker: worker, toLabel: errorLabel) }
        guard !events.isEmpty else { return }
        do {
            try send(events, tag: tag, target: route.target, worker: worker, errorLabel: errorLabel)
        } catch .bufferOverflow where hasErrorLabel && errorLabel {
            try toErrorLabel(events, tag: tag, worker: worker)
        }
    }

    /// handle_emits_error: with an @ERROR label the stream goes there and the emit succeeds.
    private func toErrorLabel(_ events: [Event], tag: String, worker: Int) throws(AgentEmitError) {
        logger.warning("send an error event stream to @ERROR: error_class=Fluent::Plugin::Buffer::BufferOverflowError error=\"buffer space has too many data\" tag=\"\(tag)\"")
        try deliver(events, tag: tag, route: route(tag: tag, label: RoutingTable.errorLabel, worker: worker), worker: worker,
                    toErrorLabel: false)
    }

    private var hasErrorLabel: Bool { rules.withLockedValue { $0.routing.rules[RoutingTable.errorLabel] != nil } }

    private func send(_ events: [Event], tag: String, target: RoutingTable.Target, worker: Int, errorLabel: Bool) throws(AgentEmitError) {
        switch target {
        case .forward(let i):
            guard forwards.indices.contains(i) else { return }
            try forwards[i].emit(tag: tag, entries: Self.encode(events), count: events.count)
        case .stdout(let s):
            var text = ""
            for e in events { text += StdoutFormat.line(tag: tag, time: e.time, record: s.injected(e.record, tag: tag, time: e.time, worker: worker), type: s.outputType) }
            writeStdout(text)
            counters.withLockedValue { $0.stdoutLines += events.count }
        case .null:
            counters.withLockedValue { $0.nulled += events.count }
        case .copy(let branches):
            var previousSucceeded = false
            for (i, b) in branches.enumerated() {
                if i > 0, previousSucceeded, b.ignoreIfPrevSuccess { continue }
                do {
                    try deliver(events, tag: tag, route: b.route, worker: worker, toErrorLabel: errorLabel)
                    previousSucceeded = true
                } catch {
                    previousSucceeded = false
                    guard b.ignoreError else { throw error }
                    logger.error("ignore emit error in store \(i) error_class=Fluent::Plugin::Buffer::BufferOverflowError error=\"\(error)\"")
                }
            }
        case .unmatched(let label):
            counters.withLockedValue { $0.unmatched += events.count }
            let key = label + "\u{0}" + tag
            let c = unmatchedCounts.withLockedValue { (m: inout [String: Int]) -> Int in
                m[key, default: 0] += 1
                return m[key]!
            }
            if (c < 512 && c & (c - 1) == 0) || (c >= 512 && c % 512 == 0) {
                logger.warning("no patterns matched tag=\"\(tag)\"")
            }
        case .unsupported(let what):
            // Refused before start (AgentProcess.checkRunnable); kept as a loud drop should a route still reach one.
            logger.error("dropped \(events.count) events of tag=\"\(tag)\": \(what) is not run by the ForwardLab agent")
        case .relabelLoop(let label):
            logger.error("dropped \(events.count) events of tag=\"\(tag)\": relabel loop through \(label) (more than \(RoutingTable.maxRelabelDepth) hops)")
        }
    }

    /// emit_error_event: to the @ERROR label when there is one, else a warning with the record.
    private func emitErrorEvents(_ errors: [(Event, String)], tag: String, worker: Int, toLabel: Bool) {
        counters.withLockedValue { $0.errorEvents += errors.count }
        if hasErrorLabel && toLabel {
            for (e, message) in errors {
                logger.warning("send an error event to @ERROR: error_class=NoMethodError error=\"\(message)\" location=nil tag=\"\(tag)\" time=\(e.time.seconds)")
            }
            try? deliver(errors.map(\.0), tag: tag, route: route(tag: tag, label: RoutingTable.errorLabel, worker: worker), worker: worker,
                         toErrorLabel: false)
        } else {
            for (e, message) in errors {
                logger.warning("dump an error event: error_class=NoMethodError error=\"\(message)\" location=nil tag=\"\(tag)\" time=\(e.time.seconds) record=\(RubyValueText.inspect(.map(e.record)))")
            }
        }
    }
}

/// One source's entry into the pipeline (its label and worker fixed).
private struct SourceSink: EventBatchSink {
    let pipeline: EventPipeline
    let label: String
    let worker: Int

    func emit(tag: String, time: EventTime, record: ByteBuffer) throws(AgentEmitError) {
        var entries = ByteBuffer()
        ForwardEntry.write(time: time, encodedRecord: record, into: &entries)
        try pipeline.emit(tag: tag, entries: entries, count: 1, label: label, worker: worker)
    }

    func emit(tag: String, entries: ByteBuffer, count: Int) throws(AgentEmitError) {
        try pipeline.emit(tag: tag, entries: entries, count: count, label: label, worker: worker)
    }
}
