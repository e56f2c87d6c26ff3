import ForwardServer

/// Several receivers with their transports, security and faults at start: what `fwdlab simulate
/// --config` reads (schema in docs/faults.md).
public struct Topology: Sendable {
    /// One receiver of the topology.
    public struct Receiver: Sendable {
        public var settings: ReceiverSettings
        /// Serve TLS with a certificate for localhost/127.0.0.1 issued by the simulation's test CA.
        public var tlsFromTestCA: Bool
        /// Faults installed on this receiver at start.
        public var faults: [FaultSpec]

        public init(settings: ReceiverSettings, tlsFromTestCA: Bool = false, faults: [FaultSpec] = []) {
            self.settings = settings
            self.tlsFromTestCA = tlsFromTestCA
            self.faults = faults
        }
    }

    /// Seed of every fault's random stream (nil: random, reported at start).
    public var seed: UInt64?
    /// Where the test CA and generated certificates are written (nil: a temporary directory).
    public var tlsDirectory: String?
    /// Control API address (`host:port`), overridden by `--control`.
    public var control: String?
    public var receivers: [Receiver]
    /// Faults installed on every receiver at start.
    public var faults: [FaultSpec]
    public var schedule: [ScheduledAction]
    /// Every receiver binds the port the first one got (distinct bind addresses: one DNS name, one port).
    public var sharedPort = false

    public init(seed: UInt64? = nil, tlsDirectory: String? = nil, control: String? = nil, receivers: [Receiver] = [],
                faults: [FaultSpec] = [], schedule: [ScheduledAction] = []) {
        self.seed = seed
        self.tlsDirectory = tlsDirectory
        self.control = control
        self.receivers = receivers
        self.faults = faults
        self.schedule = schedule
    }
}
