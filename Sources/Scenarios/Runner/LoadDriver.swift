import Agent
import Foundation
import ForwardProtocol
import NIOConcurrencyHelpers
import NIOCore

/// Drives numbered events into the agent's input at a steady rate (in-process: the `emit` API a `sample`
/// source would use) and remembers which sequence numbers the input accepted.
final class LoadDriver: Sendable {
    let spec: LoadSpec
    let clock: RunClock
    /// Figures of one load run.
    struct Figures: Sendable, Codable, Equatable {
        var offered = 0
        var accepted = 0
        var overflow = 0
        var agentDown = 0
        /// Accepted sequence numbers, ascending.
        var acceptedSequences: [Int64] = []
        /// Acceptances per second of run time (index = second).
        var acceptedPerSecond: [Int] = []
    }
    private let figures = NIOLockedValueBox(Figures())

    init(spec: LoadSpec, clock: RunClock) {
        self.spec = spec
        self.clock = clock
    }

    var result: Figures { figures.withLockedValue { $0 } }

    /// Runs until the load's duration has passed (or the task is cancelled). `agent` returns the current agent.
    func run(agent: @Sendable () -> ForwardingAgent?) async {
        let planned = spec.plannedEvents
        guard planned > 0, spec.rate > 0 else { return }
        await clock.sleep(until: spec.start)
        let payload = String(repeating: "x", count: spec.recordSize)
        var next: Int64 = 0
        let tick = 0.02
        var iterations = 0
        // Bounded: at most one iteration per tick over the duration, plus slack for late wake-ups.
        let maxIterations = Int(spec.duration / tick) * 4 + 100
        while next < planned, iterations < maxIterations, !Task.isCancelled {
            iterations += 1
            let elapsed = clock.now - spec.start
            let due = min(Int64(planned), Int64((elapsed * spec.rate).rounded(.down)) + 1)
            while next < due {
                emit(seq: next, payload: payload, agent: agent())
                next += 1
            }
            if next >= planned { break }
            try? await Task.sleep(nanoseconds: UInt64(tick * 1e9))
        }
    }

    private func emit(seq: Int64, payload: String, agent: ForwardingAgent?) {
        var record = ByteBufferAllocator().buffer(capacity: payload.utf8.count + 32)
        record.writeMessagePackMapHeader(count: 2)
        record.writeMessagePackString(spec.sequenceField)
        record.writeMessagePackInt(seq)
        record.writeMessagePackString("message")
        record.writeMessagePackString(payload)
        var outcome = 0
        if let agent {
            do {
                try agent.emit(tag: spec.tag, time: EventTime(Date().timeIntervalSince1970), record: record)
                outcome = 1
            } catch .stopped {
                outcome = 2
            } catch {
                outcome = 3
            }
        } else {
            outcome = 2
        }
        let second = max(0, Int(clock.now))
        figures.withLockedValue { f in
            f.offered += 1
            switch outcome {
            case 1:
                f.accepted += 1
                f.acceptedSequences.append(seq)
                while f.acceptedPerSecond.count <= second { f.acceptedPerSecond.append(0) }
                f.acceptedPerSecond[second] += 1
            case 2: f.agentDown += 1
            default: f.overflow += 1
            }
        }
    }
}
