import Agent
import Foundation
import ForwardProtocol
import NIOConcurrencyHelpers
import NIOCore

/// Drives numbered events into the agent's input at a steady rate and remembers which sequence numbers the input
/// accepted: in-process one `emit` per event (the API a `sample` source uses); against an agent process one acked
/// PackedForward request per tick carrying every event due by then.
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

    /// Runs until the load's duration has passed (or the task is cancelled).
    func run(agent: any AgentUnderTest) async {
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
            if agent.offersBatches, next < due {
                await offer(from: next, to: due, payload: payload, agent: agent)
                next = due
            }
            while next < due {
                await offer(from: next, to: next + 1, payload: payload, agent: agent)
                next += 1
            }
            if next >= planned { break }
            try? await Task.sleep(nanoseconds: UInt64(tick * 1e9))
        }
    }

    /// Offers events `from..<to` as one request and records the outcome for each of them.
    private func offer(from: Int64, to: Int64, payload: String, agent: any AgentUnderTest) async {
        var entries = ByteBufferAllocator().buffer(capacity: Int(to - from) * (payload.utf8.count + 48))
        let now = EventTime(Date().timeIntervalSince1970)
        for seq in from ..< to {
            entries.writeInteger(UInt8(0x92))
            if spec.sender == .fluentBit {
                // [[time, metadata], record]: Fluent Bit 5's entry with an empty metadata map.
                entries.writeInteger(UInt8(0x92))
                now.encode(into: &entries)
                entries.writeMessagePackMapHeader(count: 0)
            } else {
                now.encode(into: &entries)
            }
            entries.writeMessagePackMapHeader(count: 2)
            entries.writeMessagePackString(spec.sequenceField)
            entries.writeMessagePackInt(seq)
            entries.writeMessagePackString("message")
            entries.writeMessagePackString(payload)
        }
        let outcome = await agent.offer(tag: spec.tag, entries: entries, count: Int(to - from))
        let second = max(0, Int(clock.now))
        let n = Int(to - from)
        figures.withLockedValue { f in
            f.offered += n
            switch outcome {
            case .accepted:
                f.accepted += n
                f.acceptedSequences.append(contentsOf: from ..< to)
                while f.acceptedPerSecond.count <= second { f.acceptedPerSecond.append(0) }
                f.acceptedPerSecond[second] += n
            case .agentDown: f.agentDown += n
            case .overflow: f.overflow += n
            }
        }
    }
}
