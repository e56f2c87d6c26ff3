/// One control request, whichever way it arrived (RPC route or signal).
public enum ControlAction: String, Sendable, Hashable, CaseIterable {
    /// SIGUSR1, `/api/plugins.flushBuffers`.
    case flushBuffers
    /// SIGHUP, `/api/config.reload`.
    case reload
    /// SIGUSR2, `/api/config.gracefulReload`.
    case gracefulReload
    /// SIGINT/SIGTERM, `/api/processes.interruptWorkers`, `/api/processes.killWorkers`.
    case stop
    /// `/api/processes.flushBuffersAndKillWorkers`: flush, then stop.
    case flushAndStop
    /// `/api/config.dump`: log the running configuration at info level.
    case dumpConfig
    /// `/api/config.getDump` (only with `enable_get_dump`): return the running configuration.
    case getDump

    /// Whether the action changes the agent's state (used by the strict-routes option, quirk 32 in docs/quirks.md).
    public var isMutation: Bool { self != .dumpConfig && self != .getDump }
}

/// What a performed action returns.
public enum ControlResult: Sendable, Equatable {
    case ok
    /// The configuration text (`getDump`).
    case dump(String)
}
