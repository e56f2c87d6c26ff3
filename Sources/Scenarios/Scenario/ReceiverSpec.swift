import ForwardProtocol
import Simulator

/// One fake receiver in a scenario: a `<server>` for the agent and a `ForwardReceiver` for the run.
public struct ReceiverSpec: Sendable {
    /// Also the `<server> name`, so agent events and ledgers share it.
    public var name: String
    /// Loopback address to bind (127.0.0.0/8; distinct addresses let DNS answer sets point at receivers).
    public var bind: String = "127.0.0.1"
    public var weight: Int = 60
    public var standby: Bool = false
    /// Serve TLS with a certificate from the run's test CA.
    public var tls: Bool = false
    /// `<security>` on the receiver: shared key the receiver expects (nil: no handshake).
    public var sharedKey: String?
    /// Answer UDP heartbeats (in_forward always does; false emulates a non-Fluentd receiver).
    public var udpHeartbeat: Bool = true
    /// Faults installed before the agent starts.
    public var faults: [FaultSpec] = []
    /// Start the receiver at all (false: a name the agent cannot reach until `restart`).
    public var startsUp: Bool = true
    /// `fluentd_version`: the in_forward release the receiver behaves as (docs/fluentd-model.md, "Release profiles").
    public var fluentdVersion: FluentdReleaseProfile = .default

    public init(name: String) { self.name = name }
}
