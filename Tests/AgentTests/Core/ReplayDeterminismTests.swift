import Testing

#if canImport(AgentCore)
@testable import AgentCore
#else
@testable import Agent
#endif

/// Same faults + same seed → the same decision stream, byte for byte, when `ForwarderCore` and `OutputCore` are
/// driven in virtual time; another seed gives another stream (the balancer's shuffle and the retry jitter draw from
/// it). Guards against any unseeded randomness or hidden wall-clock reading in the cores.
@Suite struct ReplayDeterminismTests {
    /// A fault-heavy run: three nodes, r1's heartbeats stop at 3 s and return at 8 s, r2 stops acking from 5 s, a
    /// chunk every 0.2 s, 12 s in all. Returns one line per directive, `time kind detail`.
    static func run(seed: UInt64) -> [String] {
        let clock = VirtualClock(wall: 1_700_000_000, monotonic: 0)
        var fs = ForwarderSettings()
        fs.seed = seed
        fs.heartbeatInterval = 0.5
        fs.phiThreshold = 1
        fs.hardTimeout = 5
        fs.recoverWait = 1
        fs.requireAckResponse = true
        fs.ackResponseTimeout = 1.5
        let nodes = (1...3).map { ForwarderNodeConfig(name: "r\($0)", host: "10.0.0.\($0)") }
        var forwarder = ForwarderCore(settings: fs, nodes: nodes, clock: clock)
        var os = OutputSettings()
        os.flushThreadInterval = 0.2
        os.delayedCommit = true
        os.delayedCommitTimeout = fs.effectiveDelayedCommitTimeout
        os.retry.wait = 0.2
        os.retry.maxInterval = 1
        var output = OutputCore(settings: os, clock: clock, rng: SeededRandom.stream(.retryJitter, seed: seed))

        var log: [String] = []
        var queue: [ChunkID] = []
        var timers: [String: Double] = [:]  // name → due (monotonic)
        var acks: [(due: Double, connection: UInt64, chunk: ChunkID)] = []
        var nextConnection: UInt64 = 1
        var nextChunk: UInt64 = 1
        let heartbeatDown = { (node: Int, t: Double) in node == 0 && t >= 3 && t < 8 }
        let acksDown = { (node: Int, t: Double) in node == 1 && t >= 5 }

        func record(_ d: Any) { log.append("\(Int((clock.monotonicNow * 1000).rounded())) ms \(d)") }
        func runForwarder(_ ds: [ForwarderDirective]) {
            for d in ds {
                record(d)
                switch d {
                case .armAckReader(let after): timers["ack"] = clock.monotonicNow + after
                case .commitChunk(let id): runOutput(output.handle(.ackCommitted(id)))
                case .rollbackChunk(let id): runOutput(output.handle(.ackRolledBack(id)))
                default: break
                }
            }
        }
        func runOutput(_ ds: [OutputDirective]) {
            for d in ds {
                record(d)
                switch d {
                case let .armFlushThread(thread, after): timers["flush\(thread)"] = clock.monotonicNow + after
                case .armFlushAll: break
                case let .takeBack(id, _): queue.insert(id, at: 0)
                case .clearQueue: queue.removeAll()
                case let .tryFlush(thread, _):
                    timers["flush\(thread)"] = nil
                    guard !queue.isEmpty else {
                        runOutput(output.handle(.nothingToFlush(thread: thread, queued: false)))
                        continue
                    }
                    let chunk = queue.removeFirst()
                    guard let plan = try? forwarder.planSend() else {
                        runOutput(output.handle(.flushed(thread: thread, chunk: chunk, result: .failed(.noNodesAvailable, elapsed: 0),
                                                         othersQueued: !queue.isEmpty)))
                        continue
                    }
                    // A node whose heartbeats are down refuses the connection too: try the next candidate.
                    var slot = forwarder.nextCandidate(in: plan, from: 0)
                    while let i = slot, heartbeatDown(plan.candidates[i], clock.monotonicNow) {
                        slot = forwarder.nextCandidate(in: plan, from: i + 1)
                    }
                    guard let i = slot else {
                        forwarder.finishSend(plan, succeededAt: nil)
                        let refused = ForwardSendError(errorClass: "Errno::ECONNREFUSED", message: "Connection refused", expected: true)
                        runOutput(output.handle(.flushed(thread: thread, chunk: chunk, result: .failed(refused, elapsed: 0),
                                                         othersQueued: !queue.isEmpty)))
                        continue
                    }
                    let node = plan.candidates[i]
                    forwarder.finishSend(plan, succeededAt: i)
                    runForwarder(forwarder.handle(.sendSucceeded(node: node)))
                    let connection = nextConnection
                    nextConnection += 1
                    runForwarder(forwarder.handle(.ackRegistered(chunkID: chunk, node: node, connection: connection)))
                    if !acksDown(node, clock.monotonicNow) { acks.append((clock.monotonicNow + 0.005, connection, chunk)) }
                    runOutput(output.handle(.flushed(thread: thread, chunk: chunk, result: .written(node: nodes[node].name, elapsed: 0.001),
                                                     othersQueued: !queue.isEmpty)))
                default: break
                }
            }
        }

        runOutput(output.handle(.started))
        runForwarder(forwarder.handle(.ackReaderStarted))
        timers["heartbeat"] = 0.5
        timers["emit"] = 0.2
        for _ in 0..<5_000 {
            // The earliest due timer or ack; ties in a fixed order (heartbeat first, as in docs/fluentd-model.md).
            let nextAck = acks.map(\.due).min() ?? .infinity
            let order = ["heartbeat", "emit", "ack", "flush0"]
            let (name, due) = order.compactMap { n in timers[n].map { (n, $0) } }.min { $0.1 < $1.1 } ?? ("", .infinity)
            let at = min(due, nextAck)
            guard at <= 12 else { break }
            clock.advance(by: at - clock.monotonicNow)
            if nextAck < due, let k = acks.firstIndex(where: { $0.due == nextAck }) {
                let a = acks.remove(at: k)
                runForwarder(forwarder.handle(.ackReceived(connection: a.connection, reply: .map(ack: a.chunk.ackValue))))
                continue
            }
            timers[name] = nil
            switch name {
            case "heartbeat":
                var out: [ForwarderDirective] = []
                let t = clock.monotonicNow
                forwarder.runHeartbeatRound(into: &out, replies: { !heartbeatDown($0, t) })
                runForwarder(out)
                timers["heartbeat"] = t + 0.5
            case "emit":
                queue.append(ChunkID(high: nextChunk, low: 0))
                nextChunk += 1
                runOutput(output.handle(.emitted(queued: true)))
                timers["emit"] = clock.monotonicNow + 0.2
            case "ack":
                runForwarder(forwarder.handle(.ackCheckTimerFired))
            default:
                runOutput(output.handle(.flushThreadTimer(thread: 0)))
            }
        }
        return log
    }

    @Test func theSameSeedReplaysByteForByte() {
        let first = Self.run(seed: 7), second = Self.run(seed: 7)
        #expect(first.count > 200, "the run made \(first.count) decisions")
        #expect(first == second, "first difference at line \(zip(first, second).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(first.count, second.count))")
        // The faults left their marks, so the stream is worth comparing.
        let text = first.joined(separator: "\n")
        #expect(text.contains("detached") && text.contains("ack_timeout") && text.contains("recovered"))
    }

    @Test func anotherSeedGivesAnotherStream() {
        #expect(Self.run(seed: 7) != Self.run(seed: 8))
    }
}
