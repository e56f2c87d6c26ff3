import FluentdConfig
import ForwardProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// `<source> @type sample` (in_sample/in_dummy): `rate` emits per second, each of `size` events cycling through the
/// sample records, with an optional `auto_increment_key` counter. Like in_sample, a second is split into 10 bins and
/// each bin emits its share of the rate.
///
/// `@unchecked Sendable` is safe: the mutable counters are only touched on `loop` (the repeated task's loop).
public final class SampleInput: @unchecked Sendable {
    /// What to generate.
    public struct Settings: Sendable, Equatable {
        public var tag: String
        /// Emits per second.
        public var rate: Int = 1
        /// Events per emit.
        public var size: Int = 1
        public var autoIncrementKey: String? = nil
        /// Sample records (maps), used in turn.
        public var records: [MessagePackValue] = [.map([MessagePackPair(.str("message"), .str("sample"))])]

        public init(tag: String) { self.tag = tag }

        /// From the config layer's `<source> @type sample`.
        public init(_ c: SampleSourceConfig) {
            self.init(tag: c.tag)
            rate = c.rate
            size = c.size
            autoIncrementKey = c.autoIncrementKey
            let converted = c.records.map(Self.value(from:))
            if !converted.isEmpty { records = converted }
        }

        static func value(from j: ConfigJSON) -> MessagePackValue {
            switch j {
            case .null: return .nil
            case .bool(let b): return .bool(b)
            case .number(let n):
                if let i = Int64(n) { return .int(i) }
                return .double(Double(n) ?? 0)
            case .string(let s): return .str(s)
            case .array(let a): return .array(a.map(value(from:)))
            case .object(let o): return .map(o.map { MessagePackPair(.str($0.key), value(from: $0.value)) })
            }
        }
    }

    public let settings: Settings
    private let sink: any EventBatchSink
    private let loop: EventLoop
    private let logger: Logger
    private var task: RepeatedTask?
    private var counter: Int64 = 0
    private var recordIndex = 0
    private var bin = 0
    /// Events emitted and refused so far.
    public let emitted = NIOLockedValueBox(0)
    public let refused = NIOLockedValueBox(0)

    public init(settings: Settings, sink: any EventBatchSink, loop: EventLoop, logger: Logger = Logger(label: "fwdlab.input.sample")) {
        self.settings = settings
        self.sink = sink
        self.loop = loop
        self.logger = logger
    }

    /// Starts emitting (first bin after 100 ms).
    public func start() {
        loop.execute { [self] in
            guard task == nil else { return }
            task = loop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { [self] _ in tick() }
        }
    }

    /// Stops emitting; the future completes once no further bin can run (ticks run on `loop`, and so does this).
    @discardableResult
    public func stop() -> EventLoopFuture<Void> {
        loop.submit { [self] in
            task?.cancel()
            task = nil
        }
    }

    private func tick() {
        // in_sample: rate / 10 per bin, the remainder spread over the first bins of the second.
        let base = settings.rate / 10
        let extra = bin < settings.rate % 10 ? 1 : 0
        bin = (bin + 1) % 10
        for _ in 0..<(base + extra) { emitOnce() }
    }

    private func emitOnce() {
        let n = max(1, settings.size)
        var entries = ByteBuffer()
        let now = EventTime(SystemClock().now)
        for _ in 0..<n {
            var record = settings.records[recordIndex % max(1, settings.records.count)]
            recordIndex += 1
            if let key = settings.autoIncrementKey, case .map(var pairs) = record {
                pairs.removeAll { $0.key.stringValue == key }
                pairs.append(MessagePackPair(.str(key), .int(counter)))
                counter += 1
                record = .map(pairs)
            }
            ForwardEntry.write(time: now, encodedRecord: record.encoded, into: &entries)
        }
        do {
            try sink.emit(tag: settings.tag, entries: entries, count: n)
            emitted.withLockedValue { $0 += n }
        } catch {
            refused.withLockedValue { $0 += n }
            logger.warning("emit transaction failed: error_class=Fluent::Plugin::Buffer::BufferOverflowError error=\"\(error)\" location=nil tag=\"\(settings.tag)\"")
        }
    }
}
