/// The numbered load the runner drives into the agent's input.
public struct LoadSpec: Sendable, Equatable {
    /// Events per second.
    public var rate: Double = 100
    /// Approximate size of each record's payload field, bytes.
    public var recordSize: Int = 64
    /// When load starts, seconds after the run start.
    public var start: Double = 0
    /// How long load runs, seconds.
    public var duration: Double = 10
    /// Record field carrying the sequence number (the ledgers read it).
    public var sequenceField: String = "seq"
    public var tag: String = "fwdlab.load"
    /// How the requests are encoded and where they enter the agent.
    public var sender: LoadSender = .fwdlab

    public init() {}

    /// Whether the load must go through the agent's `<source> @type forward` over the wire (an in-process agent
    /// otherwise takes it through `emit`, which skips in_forward's checks).
    public var needsWireInput: Bool { sender != .fwdlab }

    /// Events the driver will offer.
    public var plannedEvents: Int { Int((rate * duration).rounded(.down)) }
}
