import Agent

/// The agent's clock in a time-scaled run: scenario time, i.e. real time since the run's origin divided by the scale,
/// on both readings. Monotonic readings keep the run origin as their zero point so `RunClock.seconds(monotonic:)`
/// maps them to run seconds; the wall reading starts at the run's real start. Paired with the agent's `timeScale`,
/// which stretches its timers by the same factor.
struct ScaledAgentClock: AgentClock {
    let run: RunClock

    private var elapsed: Double { run.now }
    var monotonicNow: AgentSeconds { Double(run.originNanos) / 1e9 + elapsed }
    var now: AgentSeconds { Double(run.originWallNanos) / 1e9 + elapsed }
}
