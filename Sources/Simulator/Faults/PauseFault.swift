/// `pause`: the receiver process is stopped (SIGSTOP-like): no connection is accepted (the kernel still
/// completes handshakes into the listen backlog), nothing is read or written, UDP heartbeats queue in
/// the kernel. On resume everything queued is processed at once.
///
/// Parameters: `duration` — resume after this long (default: when the fault is disabled or removed, or
/// `POST /receivers/{name}/resume`).
public struct PauseFault: Fault {
    public static let kind = "pause"
    public static let summary = "stop accepting, reading and answering (SIGSTOP-like); resume after a delay"

    public var resumeAfterNanos: Int64?

    public init(resumeAfterNanos: Int64? = nil) { self.resumeAfterNanos = resumeAfterNanos }

    public init(parameters: FaultParameters) throws {
        var r = FaultParameterReader(kind: Self.kind, parameters)
        resumeAfterNanos = try r.optionalDuration("duration")
        try r.rejectUnknown()
    }

    public var parameters: FaultParameters {
        resumeAfterNanos.map { ["duration": .string(DurationText.format($0))] } ?? [:]
    }

    public var effect: FaultEffect? { .pause(resumeAfterNanos: resumeAfterNanos) }
}
