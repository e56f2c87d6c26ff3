/// `crash`: the receiver process dies: it stops listening and every connection is dropped (RST, as the
/// kernel does for a killed process); after `restart_after` it listens again on the same port with its
/// ledger intact (what it accepted before the crash stays counted).
///
/// Parameters: `restart_after` — delay before restarting (default: stay down until the fault is
/// disabled or removed, or `POST /receivers/{name}/restart`).
public struct CrashFault: Fault {
    public static let kind = "crash"
    public static let summary = "stop listening and drop all connections; restart after a delay"

    public var restartAfterNanos: Int64?

    public init(restartAfterNanos: Int64? = nil) { self.restartAfterNanos = restartAfterNanos }

    public init(parameters: FaultParameters) throws {
        var r = FaultParameterReader(kind: Self.kind, parameters)
        restartAfterNanos = try r.optionalDuration("restart_after")
        try r.rejectUnknown()
    }

    public var parameters: FaultParameters {
        restartAfterNanos.map { ["restart_after": .string(DurationText.format($0))] } ?? [:]
    }

    public var effect: FaultEffect? { .crash(restartAfterNanos: restartAfterNanos) }
}
