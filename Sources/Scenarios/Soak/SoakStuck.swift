/// The stuck check: the longest time without a delivery anywhere while the agent was running and at least one
/// receiver was healthy (no fault, crash, pause or DNS change on it). Longer than `bound` is a stuck state.
public struct SoakStuck: Sendable, Codable, Equatable {
    /// The longest gap: from the later of the last delivery and the start of the healthy stretch, to the next
    /// delivery or the end of the stretch.
    public var longestGap: Double
    public var gapFrom: Double
    public var gapTo: Double
    public var bound: Double
    /// Seconds of the judged range in which the check applied (agent up and a healthy receiver).
    public var judgedSeconds: Double

    public var isStuck: Bool { longestGap > bound }

    /// Measures `deliveries` (run seconds, any order) over `range` given each receiver's disturbed windows and the
    /// agent's down windows.
    public static func measure(deliveries: [Double], range: ClosedRange<Double>, receivers: [String],
                               disturbed: [String: [ClosedRange<Double>]], agentDown: [ClosedRange<Double>],
                               bound: Double) -> SoakStuck {
        // Elementary segments between every window boundary; each is healthy or not as a whole.
        var cuts = Set([range.lowerBound, range.upperBound])
        for w in agentDown + disturbed.values.flatMap({ $0 }) {
            for c in [w.lowerBound, w.upperBound] where range.contains(c) { cuts.insert(c) }
        }
        let points = cuts.sorted()
        var stretches: [ClosedRange<Double>] = []
        for (a, b) in zip(points, points.dropFirst()) where b > a {
            let mid = (a + b) / 2
            let up = !agentDown.contains { $0.contains(mid) }
            let healthy = receivers.contains { r in !(disturbed[r] ?? []).contains { $0.contains(mid) } }
            guard up, healthy else { continue }
            if let last = stretches.last, last.upperBound == a { stretches[stretches.count - 1] = last.lowerBound ... b }
            else { stretches.append(a ... b) }
        }
        let times = deliveries.sorted()
        var out = SoakStuck(longestGap: 0, gapFrom: range.lowerBound, gapTo: range.lowerBound, bound: bound, judgedSeconds: 0)
        var i = 0
        for s in stretches {
            out.judgedSeconds += s.upperBound - s.lowerBound
            var last = s.lowerBound
            while i < times.count, times[i] < s.lowerBound { i += 1 }
            while i < times.count, times[i] <= s.upperBound {
                if times[i] - last > out.longestGap { (out.longestGap, out.gapFrom, out.gapTo) = (times[i] - last, last, times[i]) }
                last = times[i]
                i += 1
            }
            if s.upperBound - last > out.longestGap { (out.longestGap, out.gapFrom, out.gapTo) = (s.upperBound - last, last, s.upperBound) }
        }
        return out
    }
}
