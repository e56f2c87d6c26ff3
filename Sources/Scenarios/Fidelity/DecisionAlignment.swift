import Agent
import Foundation

/// Aligns two runs' decision streams (the agent under test and real Fluentd, same scenario, seed and schedule) and
/// judges each decision against its tolerance. Rules: docs/fidelity.md.
public enum DecisionAlignment {
    /// Decisions about one node, compared per node in order. (`ack_failed` is one per chunk in flight, so it counts
    /// chunks, not decisions: `RunFigures.ackTimeouts` compares it.)
    static let nodeDecisions: Set<AgentEventKind> = [.detached, .disabled, .recovered, .standbyPromoted, .serviceIn, .serviceOut]
    /// Agent-wide decisions, compared in order.
    static let agentDecisions: Set<AgentEventKind> = [.noNodesAvailable, .chunkRetry, .retryLimit, .chunkToSecondary, .reloaded]

    /// The tolerance each kind of decision is judged with, from the scenario's parameters (the periods on which
    /// Fluentd takes it): one heartbeat tick for detector decisions, one ack-check period for ack decisions, one
    /// flush-thread wake-up for retry decisions.
    public struct Tolerances: Sendable, Equatable, Codable {
        public var heartbeatTick: Double
        public var ackCheck: Double
        public var flushThread: Double

        public init(heartbeatTick: Double, ackCheck: Double, flushThread: Double) {
            self.heartbeatTick = heartbeatTick
            self.ackCheck = ackCheck
            self.flushThread = flushThread
        }

        /// From the settings a run recorded for its agent. The ack check is the ack reader's select timeout as the agent
        /// computed it (out_forward.rb `ack_select_interval`: 1 s, or delayed_commit_timeout / 3 when that is at most
        /// 3 s, after `overwrite_delayed_commit_timeout`), not a function of ack_response_timeout alone.
        public init(_ record: RunRecord) {
            self.init(heartbeatTick: record.heartbeatInterval, ackCheck: record.ackCheckInterval, flushThread: record.flushThreadInterval)
        }

        func tolerance(event: AgentEventKind, cause: String?) -> Double {
            switch event {
            case .disabled: cause == "ack_timeout" || cause == "peer_closed_before_ack" ? ackCheck : heartbeatTick
            case .detached, .recovered, .standbyPromoted: heartbeatTick
            case .noNodesAvailable: cause == "rebuild" ? heartbeatTick : flushThread
            // Applied at the discovery manager's tick, whose phase is each process's own (it starts with the output).
            case .serviceIn, .serviceOut: ServiceDiscoveryCore.managerInterval
            default: flushThread
            }
        }
    }

    /// When the stream's graceful stop began (its first `stopped` event), if it did.
    static func stopTime(_ events: [AgentEventEntry]) -> Double? {
        events.filter { $0.event == .stopped }.map(\.time).min()
    }

    /// The suffix of a decision taken during the shutdown: those are paired among themselves and timed from each
    /// side's `stopped`, since when the harness stops each side is the harness's choice, not a decision.
    static let shutdownSuffix = " at shutdown"

    /// The decisions of one stream, keyed `NODE EVENT(CAUSE) #N` (`agent` for agent-wide ones; `… at shutdown #N`
    /// after the stream's `stopped`), in time order.
    static func keyed(_ events: [AgentEventEntry]) -> [(key: String, event: AgentEventEntry)] {
        var counts: [String: Int] = [:]
        var out: [(String, AgentEventEntry)] = []
        let stop = stopTime(events)
        for e in events.sorted(by: { $0.time < $1.time }) {
            let node: String
            if nodeDecisions.contains(e.event), !e.node.isEmpty { node = e.node }
            else if agentDecisions.contains(e.event) { node = "agent" }
            else { continue }
            let cause = e.cause.flatMap { $0 == e.event.rawValue ? nil : $0 }
            let base = "\(node) \(e.event.rawValue)" + (cause.map { "(\($0))" } ?? "")
                + (stop.map { e.time >= $0 } == true ? shutdownSuffix : "")
            counts[base, default: 0] += 1
            out.append(("\(base) #\(counts[base]!)", e))
        }
        return out
    }

    /// The scheduling slack added to one tick when detector decisions are compared from their origins (as the
    /// `within: predicted` windows add it).
    static let originSlack = 0.025

    /// Where a detector decision is timed from on its own side's receivers, so that the comparison does not depend
    /// on the heartbeat timer's phase, which is each process's own (Fluentd's starts with its output): a detach from
    /// the node's last sample before it (heartbeat answer or data request the receiver saw), a recovery from the
    /// first sample after the node last left the rotation, a standby promotion from the origin of the detach it
    /// follows. Nil: compared on the run clock (ack, retry and agent-wide decisions). Flush-thread decisions keep the
    /// run clock: what anchors their cadence differs by scenario (the output's start, shown as `started`, in
    /// secondary-output; an ack-timeout disable, timed alike on both sides, in never-acks-with-standby), so no one
    /// origin is right for all of them.
    static func origin(of e: AgentEventEntry, in r: RunRecord) -> Double? {
        switch e.event {
        case .detached:
            // A node that never answered: its detector's only `last` is the initial one, floor(configure time).
            return PhiReconstruction.arrivals(node: e.node, record: r).last { $0 < e.time } ?? initialLast(of: e.node, before: e.time, in: r)
        case .recovered:
            guard let left = r.agentEvents.last(where: { $0.node == e.node && $0.isDetach && $0.time < e.time })?.time else { return nil }
            return PhiReconstruction.arrivals(node: e.node, record: r).first { $0 > left && $0 <= e.time }
        case .standbyPromoted:
            guard let d = r.agentEvents.last(where: { $0.event == .detached && $0.node != e.node && $0.time <= e.time + 0.001 }) else { return nil }
            return origin(of: d, in: r)
        case .noNodesAvailable where e.cause == "rebuild":
            // The rebuild that found the weight array empty runs in the tick of the detach that emptied it.
            guard let d = r.agentEvents.last(where: { $0.event == .detached && $0.time <= e.time + 0.001 && $0.time >= e.time - 0.1 }) else { return nil }
            return origin(of: d, in: r)
        default:
            return nil
        }
    }



    /// The run time of `node`'s detector's initial `last` (its `node_added` event's `initial_last`, a wall second),
    /// for the detector built last before `time`.
    static func initialLast(of node: String, before time: Double, in r: RunRecord) -> Double? {
        guard let added = r.agentEvents.last(where: { $0.event == .nodeAdded && $0.node == node && $0.time <= time }),
              let second = AgentEvent.initialLastSecond(detail: added.detail)
        else { return nil }
        return Double(second) - Double(r.startedWallNanos) / 1e9
    }

    /// Pairs the n-th occurrence of each decision on both sides; an occurrence on one side only is a divergence.
    /// With both runs' records, detector decisions are judged by their latency from their origins (`origin(of:in:)`)
    /// within one heartbeat tick + `originSlack`; the run-clock times stay in the decision for the report.
    public static func align(agent: [AgentEventEntry], fluentd: [AgentEventEntry], tolerances: Tolerances,
                             known: FidelitySpec, records: (agent: RunRecord, fluentd: RunRecord)? = nil) -> [FidelityDecision] {
        let a = keyed(agent), f = keyed(fluentd)
        let stopA = stopTime(agent), stopF = stopTime(fluentd)
        var fByKey: [String: AgentEventEntry] = [:]
        for (k, e) in f { fByKey[k] = e }
        var aKeys = Set<String>()
        var out: [FidelityDecision] = []
        func decision(_ key: String, _ x: AgentEventEntry?, _ y: AgentEventEntry?) -> FidelityDecision {
            let ref = (x ?? y)!
            let tol = tolerances.tolerance(event: ref.event, cause: ref.cause)
            var d = FidelityDecision(key: key, node: ref.node, event: ref.event.rawValue, cause: ref.cause,
                                     agentTime: x?.time, fluentdTime: y?.time, tolerance: tol)
            if let x, let y {
                d.difference = x.time - y.time
                if key.contains(shutdownSuffix + " #"), let stopA, let stopF {
                    d.agentLatency = x.time - stopA
                    d.fluentdLatency = y.time - stopF
                    d.difference = d.agentLatency! - d.fluentdLatency!
                } else if let records, let ox = origin(of: x, in: records.agent), let oy = origin(of: y, in: records.fluentd) {
                    d.agentLatency = x.time - ox
                    d.fluentdLatency = y.time - oy
                    d.tolerance = tolerances.heartbeatTick + originSlack
                    d.difference = d.agentLatency! - d.fluentdLatency!
                }
                d.status = abs(d.difference!) <= d.tolerance + 1e-6 ? .agree : .diverge
            } else {
                d.status = .diverge
            }
            if d.status == .diverge, let reason = known.knownReason(for: key) {
                d.status = .known
                d.knownReason = reason
            }
            return d
        }
        for (k, e) in a {
            aKeys.insert(k)
            out.append(decision(k, e, fByKey[k]))
        }
        for (k, e) in f where !aKeys.contains(k) { out.append(decision(k, nil, e)) }
        return out.sorted { ($0.agentTime ?? $0.fluentdTime ?? 0) < ($1.agentTime ?? $1.fluentdTime ?? 0) }
    }
}

/// One aligned decision: when each side took it, the difference and the verdict.
public struct FidelityDecision: Sendable, Equatable, Codable {
    /// Agreement within tolerance, a divergence, or a divergence the scenario records as known.
    public enum Status: String, Sendable, Codable { case agree, diverge, known }

    public var key: String
    public var node: String
    public var event: String
    public var cause: String?
    /// Run seconds on the agent under test (nil: it never took this decision).
    public var agentTime: Double?
    /// Run seconds on real Fluentd (nil: Fluentd never took it).
    public var fluentdTime: Double?
    /// agent − Fluentd, seconds, when both took it.
    public var difference: Double?
    public var tolerance: Double
    public var status: Status = .agree
    public var knownReason: String?
    /// For decisions read from the ledgers rather than timed events: what each side did.
    public var detail: String?
    /// Seconds from the decision's origin on each side's receivers (`DecisionAlignment.origin(of:in:)`); when set,
    /// `difference` is agentLatency − fluentdLatency.
    public var agentLatency: Double?
    public var fluentdLatency: Double?

    /// One line for the terminal: `r1 detached(phi) #1  agent 4.021 s  fluentd 6.012 s  Δ -1.991 s  (±500 ms)  DIVERGE`.
    public var summary: String { summary(sides: ("agent", "fluentd")) }

    /// The same line with other names for the two runs (`simulated` / `process` in the receiver fault check).
    public func summary(sides: (String, String)) -> String {
        let sec = ScenarioFormat.seconds
        let a = agentTime.map(sec) ?? "never", f = fluentdTime.map(sec) ?? "never"
        let d = difference.map { ($0 >= 0 ? "+" : "") + sec($0) } ?? "-"
        let verdict = switch status { case .agree: "ok"; case .diverge: "DIVERGE"; case .known: "known divergence" }
        if let detail { return "\(key): \(detail) \(verdict)" }
        if let la = agentLatency, let lf = fluentdLatency {
            return "\(key): \(sides.0) \(a) (\(sec(la)) from its origin), \(sides.1) \(f) (\(sec(lf))), Δ \(d) from the origins "
                + "(tolerance ±\(sec(tolerance))) \(verdict)"
        }
        return "\(key): \(sides.0) \(a), \(sides.1) \(f), Δ \(d) (tolerance ±\(sec(tolerance))) \(verdict)"
    }
}
