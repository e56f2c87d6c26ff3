import Agent
import Capture
import Foundation

/// Evaluates expectations on a finished run's record (never on live state, so verdicts do not depend on timing
/// of the evaluation itself). Each result carries the measured value and a sentence saying why.
public enum ExpectationEvaluator {
    public static func evaluate(_ specs: [ExpectationSpec], record: RunRecord) -> [ExpectationResult] {
        specs.map { evaluate($0, record) }
    }

    static func evaluate(_ spec: ExpectationSpec, _ r: RunRecord) -> ExpectationResult {
        var result = ExpectationResult(key: spec.kind.key, statement: spec.statement, status: .pass, measured: "-", message: "", line: spec.line)
        func pass(_ measured: String, _ message: String) { result.status = .pass; result.measured = measured; result.message = message }
        func fail(_ measured: String, _ message: String) { result.status = .fail; result.measured = measured; result.message = message }
        func skip(_ message: String, _ cause: ExpectationResult.SkipCause) { result.status = .skip; result.message = message; result.skipCause = cause }
        /// Passes when `fraction` is within [lo, hi] (± 1e-9), naming the bound it missed otherwise.
        func judge(_ fraction: Double, within lo: Double, _ hi: Double, _ measured: String, _ detail: String) {
            if fraction + 1e-9 < lo { fail(measured, detail + "; expected at least \(ScenarioFormat.number(lo * 100)) %") }
            else if fraction - 1e-9 > hi { fail(measured, detail + "; expected at most \(ScenarioFormat.number(hi * 100)) %") }
            else { pass(measured, detail) }
        }
        /// The accepted sequence numbers no receiver's ledger holds, ascending.
        func lostSequences() -> [Int64] {
            let delivered = Set(r.deliveries.compactMap(\.seq))
            return r.load.acceptedSequences.filter { !delivered.contains($0) }
        }
        let sec = ScenarioFormat.seconds
        func origin(_ after: String?) -> Double? {
            guard let after else { return 0 }
            guard let s = r.steps.first(where: { $0.id == after }) else { return nil }
            return s.error == nil ? s.time : nil
        }
        // Measured from the start (no `after`), what happened while the agent was starting (negative run times: t = 0
        // is when it was ready) counts as at 0.
        func window(_ after: String?, _ t0: Double) -> (from: Double, latency: (Double) -> Double) {
            after == nil ? (-.infinity, { max(0, $0 - t0) }) : (t0 - 0.001, { $0 - t0 })
        }
        func stepProblem(_ after: String?) -> String {
            guard let after, let s = r.steps.first(where: { $0.id == after }) else { return "step '\(after ?? "")' never ran" }
            return "step '\(after)' failed: \(s.error ?? "")"
        }

        if spec.kind.needsCapture, r.wire == nil {
            skip(r.captureNote ?? "no capture", .capture)
            return result
        }
        if let observable = r.observableEvents {
            let unseen = spec.kind.agentEventsRead.subtracting(observable)
            if !unseen.isEmpty {
                skip("\(r.agentLabel ?? "this agent") does not show \(unseen.map(\.rawValue).sorted().joined(separator: ", ")) (not in its log)", .agentEvents)
                return result
            }
        }
        switch spec.kind {
        case .noLoss:
            let lost = lostSequences()
            let m = "\(lost.count) of \(r.load.accepted) lost"
            if lost.isEmpty { pass(m, "every event the input accepted reached a receiver") }
            else { fail(m, "missing seq \(ranges(lost))") }

        case let .lost(minFraction, maxFraction):
            let lost = lostSequences()
            let m = "\(lost.count) of \(r.load.accepted) lost"
            // Nothing accepted proves nothing either way.
            guard r.load.accepted > 0 else { fail(m, "the input accepted no events"); break }
            let f = Double(lost.count) / Double(r.load.accepted)
            let detail = "\(ScenarioFormat.number(f * 100)) % of the accepted events reached no receiver" + (lost.isEmpty ? "" : " (seq \(ranges(lost)))")
            judge(f, within: minFraction, maxFraction, m, detail)

        case let .duplicates(max):
            var counts: [Int64: Int] = [:]
            for d in r.deliveries { if let s = d.seq { counts[s, default: 0] += 1 } }
            let dups = counts.values.reduce(0) { $0 + Swift.max(0, $1 - 1) }
            let m = "\(dups) duplicate deliveries"
            if dups <= max { pass(m, "at most \(max) allowed") }
            else { fail(m, "\(dups) events arrived more than once (allowed \(max)); e.g. seq \(ranges(counts.filter { $0.value > 1 }.keys.sorted().prefix(10).map { $0 }))") }

        case .detach, .disabled:
            guard let (node, after, given, cause, since, predicted) = spec.kind.leaving else { break }
            var (lo, hi) = given
            guard let step = origin(after) else { fail("-", stepProblem(after)); break }
            let windowOrigin: Double?
            switch since {
            case .step: windowOrigin = step
            case .lastArrival:
                // The detector's origin: the last sample (heartbeat answer or data request) the node's receiver saw by the step.
                windowOrigin = PhiReconstruction.arrivals(node: node, record: r).filter({ $0 <= step }).max()
            case .firstArrival:
                // The ack deadline's origin: the first chunk the node's receiver accepted from the step on.
                windowOrigin = r.deliveries.filter({ $0.receiver == node && $0.time >= step }).map(\.time).min()
            }
            guard let t0 = windowOrigin else {
                fail("-", since == .lastArrival ? "\(node)'s receiver saw nothing before \(after ?? "start")"
                    : "no chunk reached \(node)'s receiver after \(after ?? "start")")
                break
            }
            var predictionText = ""
            if predicted {
                // The detector replayed on the receivers' arrivals, at the heartbeat ticks they saw (± the slack).
                let d = r.intendedDetector ?? .init(heartbeatInterval: r.heartbeatInterval, phiThreshold: r.phiThreshold,
                                                    phiFailureDetector: r.phiFailureDetector, hardTimeout: r.hardTimeout)
                guard let p = ObservedDetachPrediction.predict(node: node, step: step, settings: d, record: r) else {
                    fail("-", "no prediction: \(node) had no detector sample before \(after ?? "start") or the run has no heartbeats")
                    break
                }
                let slack = ObservedDetachPrediction.tickSlack
                (lo, hi) = (p.tick - slack - t0, p.lastTick + slack - t0)
                predictionText = "; predicted \(p.cause) at the tick at \(sec(p.tick))"
                    + (p.lastTick > p.tick ? " or \(sec(p.lastTick))" : "")
                    + (p.phi.map { " (phi \(ScenarioFormat.number($0)))" } ?? "")
                    + ", \(sec(p.tick - p.lastSample)) after the last sample at \(sec(p.lastSample))"
                    + (p.gridObserved ? "" : ", ticks extrapolated") + ", window [\(sec(lo)), \(sec(hi))]"
            }
            let wanted: AgentEventKind = spec.kind.key == "detach" ? .detached : .disabled
            let prediction = predicted ? predictionText : wanted == .detached ? predictionNote(r) : ""
            let w = window(after, t0)
            // The first time the node left the rotation decides: leaving it the other way is a different failure.
            guard let e = r.agentEvents.first(where: { $0.node == node && $0.isDetach && $0.time >= w.from }) else {
                fail("never", "\(node) was not \(wanted) after \(sec(t0))\(prediction)")
                break
            }
            guard e.event == wanted else {
                fail("\(e.event) at \(sec(w.latency(e.time)))",
                     "\(node) was \(e.event) (cause \(e.cause ?? "-")) at \(sec(e.time)), not \(wanted)"
                         + (wanted == .detached ? "; the `disabled` expectation checks that" : "; the `detach` expectation checks that"))
                break
            }
            let latency = w.latency(e.time)
            let m = sec(latency) + " (cause \(e.cause ?? "-"))"
            var why = "\(node) \(e.event) at \(sec(e.time)), \(sec(latency)) after " + (since == .lastArrival ? "its last arrival at \(sec(t0))"
                : since == .firstArrival ? "its first arrival at \(sec(t0))" : after ?? "start")
            if let phi = e.phi { why += ", phi \(ScenarioFormat.number(phi))" + (e.threshold.map { " > threshold \(ScenarioFormat.number($0))" } ?? "") }
            why += prediction
            if latency < lo - 0.001 || latency > hi + 0.001 { fail(m, why + "; outside [\(sec(lo)), \(sec(hi))]") }
            else if let cause, e.cause != cause { fail(m, why + "; expected cause \(cause)") }
            else { pass(m, why) }

        case let .noDetach(node):
            // The run, up to the agent's stop: at shutdown Fluentd's last_ack disables a node whose ack it never read
            // (quirk 36), which says nothing about the node's health during the run. Shown, not judged.
            let stop = DecisionAlignment.stopTime(r.agentEvents) ?? .infinity
            let atShutdown = r.agentEvents.filter { $0.node == node && $0.isDetach && $0.time >= stop }
            let shutdownNote = atShutdown.isEmpty ? "" : "; at shutdown (after the stop at \(sec(stop))): "
                + atShutdown.map { "\($0.event) at \(sec($0.time)) with cause \($0.cause ?? "-")" }.joined(separator: ", ")
                + ", not judged (last_ack, quirk 36)"
            let detaches = r.agentEvents.filter { $0.node == node && $0.isDetach && $0.time < stop }
            if let e = detaches.first {
                var why = "\(node) \(e.event) at \(sec(e.time)) with cause \(e.cause ?? "-")"
                if let phi = e.phi { why += " (phi \(ScenarioFormat.number(phi)) > threshold \(ScenarioFormat.number(e.threshold ?? r.phiThreshold)))" }
                if let d = e.detail { why += " [\(d)]" }
                fail("\(detaches.count) detach(es)", why + shutdownNote)
            } else {
                pass("0 detaches", "\(node) stayed in the rotation" + shutdownNote)
            }

        case let .firstDelivery(node, after, within):
            guard let t0 = origin(after) else { fail("-", stepProblem(after)); break }
            let w = window(after, t0)
            guard let d = r.deliveries.first(where: { $0.receiver == node && $0.time >= w.from }) else {
                fail("never", "no event reached \(node) after \(sec(t0))")
                break
            }
            let latency = w.latency(d.time)
            if latency <= within + 0.001 { pass(sec(latency), "first event at \(node) at \(sec(d.time))") }
            else { fail(sec(latency), "first event at \(node) only at \(sec(d.time)), \(sec(latency)) after \(after ?? "start") (limit \(sec(within)))") }

        case let .recover(node, after, within, earliest):
            guard let t0 = origin(after) else { fail("-", stepProblem(after)); break }
            let w = window(after, t0)
            guard let e = r.agentEvents.first(where: { $0.node == node && $0.event == .recovered && $0.time >= w.from }) else {
                fail("never", "\(node) did not recover after \(sec(t0))")
                break
            }
            let latency = w.latency(e.time)
            if latency < earliest - 0.001 { fail(sec(latency), "\(node) recovered already at \(sec(e.time)), before \(sec(earliest))") }
            else if latency <= within + 0.001 { pass(sec(latency), "\(node) recovered at \(sec(e.time))\(e.detail.map { " (\($0))" } ?? "")") }
            else { fail(sec(latency), "\(node) recovered only at \(sec(e.time)) (limit \(sec(within)))") }

        case let .trafficShare(node, percent, tolerance, from, to):
            let lo = from ?? 0, hi = to ?? .greatestFiniteMagnitude
            let window = r.deliveries.filter { $0.time >= lo && $0.time <= hi }
            guard !window.isEmpty else { fail("no traffic", "no deliveries in the window"); break }
            let share = Double(window.filter { $0.receiver == node }.count) / Double(window.count) * 100
            let m = ScenarioFormat.number(share) + " %"
            let all = Dictionary(grouping: window, by: \.receiver).mapValues(\.count).sorted { $0.key < $1.key }
                .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            if abs(share - percent) <= tolerance { pass(m, "of \(window.count) events: \(all)") }
            else { fail(m, "expected \(ScenarioFormat.number(percent)) ± \(ScenarioFormat.number(tolerance)) %; of \(window.count) events: \(all)") }

        case let .heartbeatCadence(node, interval, tolerance, onlyHeartbeats):
            let limit = interval * (1 + tolerance)
            let downs = DownWindows.compute(r)[node] ?? []
            let times = (r.observations[node] ?? []).map(\.time).sorted()
            let start = interval * 2, end = r.duration - 1.5
            guard end > start else { skip("run too short to measure cadence", .other); break }
            var worst = 0.0, worstAt = 0.0
            var previous = times.last { $0 <= start }
            for t in times where t > start && t <= end {
                if let p = previous, !downs.contains(where: { $0.0 < t && $0.1 > p }) {
                    if t - p > worst { worst = t - p; worstAt = p }
                }
                previous = t
            }
            if let p = previous, end - p > worst, !downs.contains(where: { $0.1 > p }) { worst = end - p; worstAt = p }
            let count = times.filter { $0 > start && $0 <= end }.count
            var m = "max gap " + sec(worst)
            if let w = r.wire, let figures = w.nodes.first(where: { Int($0.node.port) == r.ports[node] }),
               let period = (figures.udpHeartbeat ?? figures.transportHeartbeat)?.period {
                m += ", capture p95 " + sec(period.p95 / r.timeScale)
            }
            let inside = times.filter { $0 > start && $0 <= end }
            let gaps = zip(inside.dropFirst(), inside).map { $0 - $1 }.sorted()
            let median = gaps.isEmpty ? 0 : gaps[gaps.count / 2]
            if onlyHeartbeats { m += ", median gap " + sec(median) }
            if count == 0 { fail("0 heartbeats", "no heartbeat reached \(node) between \(sec(start)) and \(sec(end))") }
            else if onlyHeartbeats, median < interval * (1 - tolerance) - 0.001 {
                fail(m, "heartbeats to \(node) come every \(sec(median)) (median), faster than \(sec(interval)) − \(ScenarioFormat.number(tolerance * 100)) %")
            }
            else if worst <= limit + 0.001 { pass(m, "\(count) heartbeats seen by \(node), gaps ≤ \(sec(limit)) outside outages") }
            else { fail(m, "heartbeats to \(node) stopped for \(sec(worst)) after \(sec(worstAt)) (limit \(sec(limit)))") }

        case let .flaps(node, maxPerHour):
            let transitions = r.agentEvents.filter { ($0.isDetach || $0.event == .recovered) && (node == nil || $0.node == node) }
            let hours = Swift.max(r.duration, 1) / 3600
            let rate = Double(transitions.count) / hours
            let m = "\(transitions.count) transitions (\(ScenarioFormat.number(rate))/h)"
            if rate <= maxPerHour { pass(m, "over \(sec(r.duration))") }
            else { fail(m, "\(transitions.count) detach/recover transitions in \(sec(r.duration)) = \(ScenarioFormat.number(rate))/h (limit \(ScenarioFormat.number(maxPerHour))/h)") }

        case let .noResendStorm(maxSends):
            var sends: [String: Set<String>] = [:]
            for d in r.deliveries { if let c = d.chunk { sends[c, default: []].insert("\(d.receiver)#\(d.request)#\(Int(d.time * 1000))") } }
            var worst = sends.max { $0.value.count < $1.value.count }.map { ($0.key, $0.value.count) } ?? ("", 0)
            var source = "ledgers"
            if let w = r.wire, let c = w.chunks.max(by: { $0.sends.count < $1.sends.count }), c.sends.count > worst.1 {
                worst = (c.chunk, c.sends.count)
                source = "capture"
            }
            let m = "max \(worst.1) sends of one chunk (\(source))"
            if worst.1 <= maxSends { pass(m, "\(sends.count) chunks") }
            else { fail(m, "chunk \(worst.0.trimmingCharacters(in: .whitespacesAndNewlines)) was sent \(worst.1) times (limit \(maxSends)): resend storm") }

        case let .agentEvent(event, node, min, after, before):
            guard let t0 = origin(after) else { fail("-", stepProblem(after)); break }
            let from = after == nil ? -Double.infinity : t0 - 0.001
            var to = Double.infinity
            if let before {
                guard let t1 = origin(before) else { fail("-", stepProblem(before)); break }
                to = t1
            }
            let matching = r.agentEvents.filter { $0.event == event && (node == nil || $0.node == node) && $0.time >= from && $0.time < to }
            let n = matching.count
            let since = (after.map { " after \($0) (\(sec(t0)))" } ?? "") + (before.map { " before \($0) (\(sec(to)))" } ?? "")
            if n >= min { pass("\(n)", matching.first.map { "first at \(sec($0.time))\(since)" } ?? "none needed") }
            else { fail("\(n)", "the agent emitted \(event)\(node.map { " for \($0)" } ?? "") \(n) times\(since) (need ≥ \(min)); events seen: \(eventSummary(r))") }

        case let .stepCompletes(id, within, expected):
            guard let s = r.steps.first(where: { $0.id == id }) else { fail("-", "step '\(id)' never ran"); break }
            if let e = s.error { fail("error", "step '\(id)' failed: \(e)"); break }
            guard let done = s.completed else { fail("-", "step '\(id)' has no completion time"); break }
            let took = done - s.time
            let answer = s.result.map { ", answered \($0)" } ?? ""
            let m = sec(took) + answer
            if took > within + 0.001 { fail(m, "step '\(id)' took \(sec(took)) (limit \(sec(within)))\(answer)") }
            else if let expected, s.result != expected { fail(m, "step '\(id)' answered \(s.result ?? "nothing"), expected \(expected)") }
            else { pass(m, "step '\(id)' at \(sec(s.time)) done at \(sec(done))\(answer)") }

        case let .noAgentEvent(event, node):
            if let e = r.agentEvents.first(where: { $0.event == event && (node == nil || $0.node == node) }) {
                fail("\(r.agentEvents.filter { $0.event == event && (node == nil || $0.node == node) }.count)", "\(event) on \(e.node.isEmpty ? "agent" : e.node) at \(sec(e.time))\(e.cause.map { " (cause \($0))" } ?? "")")
            } else {
                pass("0", "never emitted")
            }

        case let .logContains(text):
            if let line = r.agentLog.split(separator: "\n").first(where: { $0.contains(text) }) { pass("found", String(line.prefix(200))) }
            else { fail("absent", "no agent log line contains \"\(text)\"") }

        case let .accepted(minFraction, maxFraction):
            let m = "\(r.load.accepted)/\(r.load.offered)"
            // Nothing offered proves nothing either way.
            guard r.load.offered > 0 else { fail(m, "the load offered no events"); break }
            let f = Double(r.load.accepted) / Double(r.load.offered)
            let detail = "\(ScenarioFormat.number(f * 100)) % accepted; refused by the input (closed without an ack) \(r.load.overflow), agent down \(r.load.agentDown)"
            judge(f, within: minFraction, maxFraction, m, detail)

        case let .secondary(min):
            if r.secondaryChunks >= min { pass("\(r.secondaryChunks) chunks", "written to <secondary>") }
            else { fail("\(r.secondaryChunks) chunks", "expected ≥ \(min) chunks in <secondary>") }

        case let .wireNoDataAfterDetach(node, grace):
            guard let w = r.wire, let port = r.ports[node] else { skip("no capture", .capture); break }
            guard let detach = r.agentEvents.first(where: { $0.node == node && $0.isDetach }) else {
                fail("no detach", "\(node) was never detached"); break
            }
            let limit = detach.time + grace
            let late = w.chunks.flatMap(\.sends).filter { Int($0.node.port) == port }
                .map { r.runSeconds(captureNanos: $0.timeNanos) }
                .filter { $0 > limit }
            let recovered = r.agentEvents.first { $0.node == node && $0.event == .recovered && $0.time > detach.time }?.time ?? .greatestFiniteMagnitude
            let offending = late.filter { $0 < recovered }
            if offending.isEmpty { pass("0 sends", "no data to \(node) between \(sec(limit)) and its recovery") }
            else { fail("\(offending.count) sends", "data sent to \(node) at \(sec(offending[0])) although it was detached at \(sec(detach.time))") }

        case let .wireFailoverGap(max):
            guard let w = r.wire else { skip("no capture", .capture); break }
            let gaps = w.failovers.compactMap(\.gapToData).map { $0 / r.timeScale }  // capture time is real
            guard let worst = gaps.max() else { pass("no failover", "the capture shows no failover gap"); break }
            if worst <= max { pass(sec(worst), "\(gaps.count) failover(s)") }
            else { fail(sec(worst), "the longest failover gap was \(sec(worst)) (limit \(sec(max)))") }

        case let .wireSynsPerRequest(node, max):
            guard let w = r.wire, let port = r.ports[node],
                  let f = w.nodes.first(where: { Int($0.node.port) == port }) else { fail("no data", "the capture shows no requests to \(node)"); break }
            let v = f.lifecycle.synsPerRequest ?? Double(f.lifecycle.syns)
            let m = ScenarioFormat.number(v) + " SYNs/request"
            let detail = "\(f.lifecycle.connections) connections, \(f.requests) requests, reused \(f.lifecycle.reused)"
            if v <= max + 1e-9 { pass(m, detail) } else { fail(m, detail + " (limit \(ScenarioFormat.number(max)))") }

        case let .wireFailoverAgrees(node, to, tolerance):
            let a = FailoverAgreement.measure(node: node, to: to, record: r)
            guard let worst = a.worstDifference, let d = a.failoverDifference else { fail("-", a.summary); break }
            let m = String(format: "Δ failover %+.1f ms, worst Δ %.1f ms", d * 1000, worst * 1000)
            if worst <= tolerance + 1e-9 { pass(m, a.summary) }
            else { fail(m, a.summary + " (limit \(ScenarioFormat.number(tolerance * 1000)) ms)") }

        case .wireChunksAckedOnce:
            guard let w = r.wire else { skip("no capture", .capture); break }
            let bad = w.chunks.filter { $0.acks != 1 }
            if bad.isEmpty { pass("\(w.chunks.count) chunks", "each acked exactly once") }
            else { fail("\(bad.count) chunks", "e.g. chunk \(bad[0].chunk.trimmingCharacters(in: .whitespacesAndNewlines)) acked \(bad[0].acks) times after \(bad[0].sends.count) sends") }

        case let .matchesBaseline(node, tolerance), let .differsFromBaseline(node, tolerance):
            guard let b = r.baseline else { fail("-", "the baseline run is missing"); break }
            guard b.runErrors.isEmpty else { fail("-", "the baseline run failed: \(b.runErrors.joined(separator: "; "))"); break }
            let diffs = BaselineDiff.differences(r, b, nodes: node.map { [$0] } ?? r.receivers, tolerance: tolerance)
            let wantSame: Bool
            if case .matchesBaseline = spec.kind { wantSame = true } else { wantSame = false }
            let m = diffs.isEmpty ? "identical" : "\(diffs.count) difference\(diffs.count == 1 ? "" : "s")"
            let detail = diffs.isEmpty
                ? "same decisions and traffic as \(b.label)\(node.map { " for \($0)" } ?? "")"
                : diffs.prefix(3).joined(separator: "; ") + " (vs \(b.label))"
            if diffs.isEmpty == wantSame { pass(m, detail) } else { fail(m, detail) }
        }
        return result
    }

    /// Closed-form virtual-time prediction of the detector (docs/forward-protocol.md, "Detection time") for the run's settings.
    static func predictionNote(_ r: RunRecord) -> String {
        guard r.heartbeatType != "none" else { return "" }
        let t = DetectionPredictor.fluentdIdleFormula(heartbeatInterval: r.heartbeatInterval,
                                                      phiThreshold: r.phiFailureDetector ? r.phiThreshold : .greatestFiniteMagnitude,
                                                      hardTimeout: r.hardTimeout)
        return "; detector prediction for an idle clean death: \(ScenarioFormat.seconds(t)) after the last heartbeat"
    }

    static func eventSummary(_ r: RunRecord) -> String {
        let c = Dictionary(grouping: r.agentEvents, by: \.event.rawValue).mapValues(\.count).sorted { $0.key < $1.key }
        return c.isEmpty ? "none" : c.map { "\($0.key)×\($0.value)" }.joined(separator: ", ")
    }

    /// `3-7, 12` style list, at most 8 ranges.
    static func ranges(_ values: [Int64]) -> String {
        var parts: [String] = []
        var i = 0
        let v = values.sorted()
        while i < v.count, parts.count < 8 {
            var j = i
            while j + 1 < v.count, v[j + 1] == v[j] + 1 { j += 1 }
            parts.append(i == j ? "\(v[i])" : "\(v[i])-\(v[j])")
            i = j + 1
        }
        return parts.joined(separator: ", ") + (i < v.count ? ", …" : "")
    }
}
