/// `refuse`: closes the listening sockets while active, so connects get ECONNREFUSED and UDP heartbeats
/// get ICMP port-unreachable; connections already open stay up. Disabling or removing it listens again
/// on the same port. Takes no parameters; `start_after` and `duration` bound the outage.
public struct RefuseFault: Fault {
    public static let kind = "refuse"
    public static let summary = "stop listening (connection refused) while active; open connections stay"

    public init() {}

    public init(parameters: FaultParameters) throws {
        try FaultParameterReader(kind: Self.kind, parameters).rejectUnknown()
    }

    public var parameters: FaultParameters { [:] }
    public var effect: FaultEffect? { .listenerClosed }
}
