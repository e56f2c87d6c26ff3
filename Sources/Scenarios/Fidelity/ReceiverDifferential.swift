import Foundation
import ForwardProtocol
import LoopbackClient

/// Real Fluentd's in_forward against the fwdlab receiver, frame by frame: each frame on a fresh connection to each
/// side, then a barrier (an acked sentinel on another connection, waited for among the emitted events) so the event
/// count belongs to that frame alone. See docs/fidelity-receiver.md.
public struct ReceiverDifferential: Sendable {
    /// What to run.
    public struct Options: Sendable {
        public var fluentd: FluentdInstallation
        public var frames: [ReceiverFrame]
        public var known: ReceiverKnownDifferences
        /// Where Fluentd's configurations and logs go.
        public var workdir: String
        /// Seconds a receiver has to answer or close before the probe is written.
        public var settle: Double = 0.1
        /// Seconds to wait for the probe's ack.
        public var probeTimeout: Double = 1.5
        /// Seconds to wait for a barrier's ack and for its sentinel among the events.
        public var barrierTimeout: Double = 5
        /// Whether `frames` is the whole corpus: only then is a known difference naming no frame stale (a subset run
        /// cannot tell a removed frame from one it left out).
        public var wholeCorpus = true

        public init(fluentd: FluentdInstallation, frames: [ReceiverFrame], known: ReceiverKnownDifferences = ReceiverKnownDifferences(),
                    workdir: String) {
            self.fluentd = fluentd
            self.frames = frames
            self.known = known
            self.workdir = workdir
        }
    }

    /// The harness itself failed (not a verdict): a receiver that cannot be started or stops answering alive.
    public struct HarnessError: Error, CustomStringConvertible {
        public var description: String
    }

    public let options: Options

    public init(options: Options) { self.options = options }

    /// Runs every frame on both sides; `progress` sees each row as it is decided.
    public func run(progress: (ReceiverFidelityReport.Row) -> Void = { _ in }) async throws -> ReceiverFidelityReport {
        try FileManager.default.createDirectory(atPath: options.workdir, withIntermediateDirectories: true)
        let fluentd = FluentdForwardSide(installation: options.fluentd, workdir: options.workdir)
        let fwdlab = FwdlabReceiverSide()
        var rows: [ReceiverFidelityReport.Row] = []
        do {
            var barrier = 0
            for (i, frame) in options.frames.enumerated() {
                barrier += 1
                let f = try await verdict(frame, index: i, barrier: barrier, on: fluentd)
                let w = try await verdict(frame, index: i, barrier: barrier, on: fwdlab)
                let row = Self.row(frame, fluentd: f, fwdlab: w, known: options.known)
                rows.append(row)
                progress(row)
            }
        } catch {
            await fluentd.shutdown()
            await fwdlab.shutdown()
            throw error
        }
        await fluentd.shutdown()
        await fwdlab.shutdown()
        let names = Set(rows.map(\.frame))
        let stale = options.known.differences.map(\.frame).filter { name in
            names.contains(name) ? rows.first { $0.frame == name }?.status == .same : options.wholeCorpus
        }
        return ReceiverFidelityReport(fluentdVersion: options.fluentd.version, fluentdOrigin: options.fluentd.origin,
                                      fluentdRestarts: fluentd.restarts, rows: rows, staleExplanations: stale)
    }

    /// Compares two verdicts and applies the known-differences list.
    public static func row(_ frame: ReceiverFrame, fluentd: ReceiverVerdict, fwdlab: ReceiverVerdict,
                           known: ReceiverKnownDifferences) -> ReceiverFidelityReport.Row {
        let diffs = ReceiverVerdict.differences(fluentd: fluentd, fwdlab: fwdlab)
        let reason = diffs.isEmpty ? nil : known.reason(for: frame.name)
        let status: ReceiverFidelityReport.Status = diffs.isEmpty ? .same : (reason == nil ? .differ : .explained)
        let hex = frame.hex
        return ReceiverFidelityReport.Row(frame: frame.name, origin: frame.origin, corpusExpect: frame.corpusExpect,
                                          hex: hex.count > 200 ? String(hex.prefix(200)) + "…" : hex, length: frame.bytes.count,
                                          fluentd: fluentd, fwdlab: fwdlab, status: status, differences: diffs, explanation: reason)
    }

    /// One frame on one side: the exchange, then death check or barrier and event count.
    private func verdict(_ frame: ReceiverFrame, index: Int, barrier: Int, on side: any DifferentialSide) async throws -> ReceiverVerdict {
        let port = try await side.ensureRunning()
        let exchange = FrameExchange(settle: options.settle, probeTimeout: options.probeTimeout)
        let outcome: FrameExchange.Outcome
        do {
            outcome = try exchange.run(frame, port: port, probeChunk: "fwdlab-probe-\(index + 1)")
        } catch {
            throw HarnessError(description: "\(side.label): cannot send '\(frame.name)': \(error)")
        }
        if await died(side) { return ReceiverVerdict(events: 0, acks: outcome.responses, connection: .processDied) }
        let sentinel = "fwdlab.fidelity.sentinel.\(barrier)"
        let acked = sendSentinel(tag: sentinel, port: port)
        if !acked, await died(side, wait: 3) {
            return ReceiverVerdict(events: 0, acks: outcome.responses, connection: .processDied)
        }
        guard acked, let tags = await side.events(untilSentinel: sentinel, timeout: options.barrierTimeout) else {
            throw HarnessError(description: "\(side.label): the barrier after '\(frame.name)' was not \(acked ? "seen among the events" : "acked")"
                + ((side as? FluentdForwardSide).map { "; log: \($0.logTail)" } ?? ""))
        }
        return ReceiverVerdict(events: tags.count, acks: outcome.responses, connection: outcome.connection,
                               closeKind: outcome.closeKind, eventTags: Array(Set(tags)).sorted())
    }

    /// Whether the side's process died (Fluentd only; waits up to `wait` seconds for a dying process to exit).
    private func died(_ side: any DifferentialSide, wait: Double = 0) async -> Bool {
        guard let f = side as? FluentdForwardSide else { return !side.isAlive() }
        if !f.isAlive() { return true }
        guard wait > 0 else { return false }
        return await f.waitForExit(timeout: wait)
    }

    /// The barrier request: a Message with a `chunk` on a new connection; true when its ack came back.
    private func sendSentinel(tag: String, port: Int) -> Bool {
        guard let socket = try? LoopbackConnection(port: port) else { return false }
        defer { socket.close() }
        let chunk = tag
        let bytes = ForwardEncoder.message(tag: tag, time: ReceiverFrameCorpus.eventTime, record: .map([MessagePackPair("sentinel", 1)]),
                                           option: .map([MessagePackPair("chunk", .str(chunk))]))
        socket.send(Array(bytes.readableBytesView))
        var reader = ResponseReader(encoding: .msgpack, probeChunk: chunk)
        return FrameExchange.read(socket, until: { $0.probeAcked }, timeout: options.barrierTimeout, into: &reader) == .matched
    }
}
