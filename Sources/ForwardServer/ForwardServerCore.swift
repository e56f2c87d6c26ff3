import ForwardProtocol
import Atomics
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL

/// What every connection of one server shares: settings, sink, counters, TLS context, and the registry of
/// open channels (so `stop()` can close them).
final class ForwardServerCore: @unchecked Sendable {
    // @unchecked: `channels` and `nextConnectionID` are only touched under `lock`; everything else is
    // immutable after init (NIOSSLContext is itself thread-safe).

    let settings: ReceiverSettings
    let sink: any ForwardIngestSink
    let stats = ReceiverStats()
    let logger: Logger
    let tlsContext: NIOSSLContext?
    let ingest: RequestIngest
    let scannerLimits: MessagePackLimits
    /// HELO/PONG need the security block; cached to avoid optional chasing on the hot path.
    let security: ReceiverSecurity?
    /// Set by `ForwardServer.kill()`: from then on nothing more is read, answered or accepted, as after a SIGKILL,
    /// whose kernel discards what the process had not read yet.
    let killed = ManagedAtomic(false)

    private let lock = NIOLock()
    private var channels: [ObjectIdentifier: Channel] = [:]
    private var nextConnectionID = 0

    init(settings: ReceiverSettings, sink: any ForwardIngestSink, tlsContext: NIOSSLContext?) {
        self.settings = settings
        self.sink = sink
        self.logger = settings.logger
        self.tlsContext = tlsContext
        self.ingest = RequestIngest(settings: settings, collectEntries: sink.wantsEntries)
        var limits = settings.limits
        limits.eventTimeExtensionOnly = true
        self.scannerLimits = limits
        self.security = settings.security
    }

    func register(_ channel: Channel) -> Int {
        lock.withLock {
            channels[ObjectIdentifier(channel)] = channel
            nextConnectionID += 1
            return nextConnectionID
        }
    }

    func unregister(_ channel: Channel) {
        _ = lock.withLock { channels.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    func openChannels() -> [Channel] {
        lock.withLock { Array(channels.values) }
    }

    /// Records a rejection with the sink and in the counters.
    func reject(_ reason: IngestRejection.Reason, _ detail: String, peer: String) {
        stats.rejects.wrappingIncrement(ordering: .relaxed)
        sink.reject(IngestRejection(reason: reason, detail: detail, peer: peer, atMonotonicNanos: MonotonicClock.nowNanos()))
    }
}
