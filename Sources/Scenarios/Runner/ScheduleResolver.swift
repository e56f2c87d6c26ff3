import Agent

/// Turns the timeline into fixed times: ranges (`2s..4s`) are drawn from the scenario seed, so the same scenario
/// and seed always give the same fault schedule.
public enum ScheduleResolver {
    /// (step, time) in execution order (stable for equal times: file order).
    public static func resolve(_ timeline: [TimelineStep], seed: UInt64) -> [(step: TimelineStep, at: Double)] {
        var rng = SeededRandom(seed: seed ^ 0x5CE7_A210_F00D_CAFE)
        let timed = timeline.map { step -> (TimelineStep, Double) in
            guard let hi = step.atUpper, hi > step.at else { return (step, step.at) }
            let u = Double(rng.next() >> 11) / Double(1 << 53)
            // Millisecond resolution keeps reports readable and the schedule exact across platforms.
            return (step, ((step.at + (hi - step.at) * u) * 1000).rounded() / 1000)
        }
        return timed.enumerated().sorted { a, b in
            a.element.1 != b.element.1 ? a.element.1 < b.element.1 : a.offset < b.offset
        }.map { (step: $0.element.0, at: $0.element.1) }
    }
}
