import Foundation

/// What a fault soak measured and its verdict: acked loss, duplicates, the agent's memory and descriptors over time
/// and their growth, and any stuck state (docs/soak.md). Written as `soak.json` and `soak.txt`.
public struct SoakReport: Sendable, Codable, Equatable {
    public var seed: UInt64
    public var minutes: Double
    /// Real seconds the soak took, drain included.
    public var wallSeconds: Double = 0
    /// Timeline steps by category (`fault`, `dns`, `flush`, `reload`, `kill`, …) and the fault kinds applied.
    public var steps: [String: Int] = [:]
    public var faultKinds: [String] = []
    /// Agent incarnations sampled (one per start; each kill -9 and restart is a new one).
    public var incarnations = 0
    public var ledger: SoakLedger
    public var growth: SoakGrowth?
    public var warmUp: Double
    public var stuck: SoakStuck
    public var samples: [SoakSample] = []
    /// Errors of the run itself (a step that could not be carried out, an agent that did not restart).
    public var runErrors: [String] = []
    /// The scenario run's report directory (timeline.jsonl, agent logs, the generated scenario.yaml for replay).
    public var scenarioReport: String?

    public init(seed: UInt64, minutes: Double, ledger: SoakLedger, growth: SoakGrowth?, warmUp: Double, stuck: SoakStuck) {
        self.seed = seed
        self.minutes = minutes
        self.ledger = ledger
        self.growth = growth
        self.warmUp = warmUp
        self.stuck = stuck
    }

    /// Why the soak failed, one reason each; empty when it passed.
    public var failures: [String] {
        var out = runErrors
        if ledger.unexplainedLost > 0 { out.append("acked loss: \(ledger.unexplainedLost) acked events in no ledger") }
        if let g = growth {
            if g.rssPercent > SoakGrowth.limitPercent {
                out.append(String(format: "RSS grew %.1f %% after warm-up (limit %.0f %%)", g.rssPercent, SoakGrowth.limitPercent))
            }
            if g.fdsPercent > SoakGrowth.limitPercent {
                out.append(String(format: "open fds grew %.1f %% after warm-up (limit %.0f %%)", g.fdsPercent, SoakGrowth.limitPercent))
            }
        } else {
            out.append("growth not measured: no agent incarnation has \(2 * SoakGrowth.window) samples past its \(Int(warmUp)) s warm-up")
        }
        if stuck.isStuck {
            out.append(String(format: "stuck: no delivery for %.1f s (%.1f–%.1f s) while a receiver was healthy (bound %.0f s)",
                              stuck.longestGap, stuck.gapFrom, stuck.gapTo, stuck.bound))
        }
        return out
    }

    public var passed: Bool { failures.isEmpty }

    /// The printed summary (also `soak.txt`).
    public var text: String {
        var l: [String] = []
        l.append(String(format: "fwdlab soak: %.1f min, seed %llu, %.0f s wall", minutes, seed, wallSeconds))
        l.append("steps: " + steps.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                 + " (\(faultKinds.count) fault kinds), \(incarnations) agent incarnations")
        l.append("acked by the agent's input: \(ledger.acked); delivered: \(ledger.delivered); acked loss: \(ledger.lost)"
                 + " (\(ledger.droppedByReceiver) dropped by ack_without_accept, unexplained \(ledger.unexplainedLost))")
        l.append("duplicates: \(ledger.duplicates) arrivals after the first; delivered without an input ack: \(ledger.deliveredUnacked)")
        if let g = growth {
            l.append(String(format: "growth (pid %d, age %.0f s → %.0f s, warm-up %.0f s): RSS %d → %d KiB (%+.1f %%), fds %d → %d (%+.1f %%)",
                            g.pid, g.fromAge, g.toAge, warmUp, g.rssFromKiB, g.rssToKiB, g.rssPercent, g.fdsFrom, g.fdsTo, g.fdsPercent))
            l.append("same age across incarnations: " + g.atWarmUp.map {
                String(format: "pid %d at %.0f s: %d KiB, %d fds", $0.pid, $0.age, $0.rssKiB, $0.fds)
            }.joined(separator: "; "))
        } else {
            l.append("growth: not measured")
        }
        let peak = samples.map(\.hwmKiB).max() ?? 0
        l.append("samples: \(samples.count), RSS peak (VmHWM) \(peak) KiB, fds \(samples.map(\.fds).min() ?? 0)–\(samples.map(\.fds).max() ?? 0)")
        l.append(String(format: "stuck: longest delivery gap while a receiver was healthy %.1f s (%.1f–%.1f s, bound %.0f s, judged over %.0f s)",
                        stuck.longestGap, stuck.gapFrom, stuck.gapTo, stuck.bound, stuck.judgedSeconds))
        if let dir = scenarioReport { l.append("scenario report: \(dir)") }
        let f = failures
        l.append(f.isEmpty ? "PASS" : "FAIL: " + f.joined(separator: "; "))
        return l.joined(separator: "\n")
    }
}
