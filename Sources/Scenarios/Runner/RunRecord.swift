import Agent
import Capture
import Simulator

/// Everything a run recorded, on one clock: what expectations are evaluated on and reports are drawn from.
public struct RunRecord: Sendable {
    public var scenario: String
    public var seed: UInt64
    public var startedWallNanos: Int64 = 0
    /// Real seconds per scenario second; every time in the record is in scenario seconds except the capture's.
    public var timeScale: Double = 1
    /// Run start on CLOCK_MONOTONIC (the origin of every `time` in this record).
    public var startedMonotonicNanos: UInt64 = 0
    /// Seconds from start to the end of the drain.
    public var duration: Double = 0
    public var receivers: [String] = []
    public var steps: [TimelineEntry] = []
    public var deliveries: [Delivery] = []
    public var agentEvents: [AgentEventEntry] = []
    /// The agent's own phi at each heartbeat tick per available node (`phi_sample` events); empty when the agent
    /// could not provide them (then reports rebuild phi from receiver-side arrivals).
    public var phiSamples: [AgentEventEntry] = []
    public var faultLog: [FaultLogEntryRecord] = []
    public var observations: [String: [ReceiverObservation]] = [:]
    public var load = LoadFigures()
    public var agentLog: String = ""
    public var secondaryChunks = 0
    /// The event names the agent under test can show (nil: all the Swift agent emits); see `AgentObservations`.
    public var observableEvents: Set<AgentEventKind>?
    /// The agent under test when not the Swift agent (`fluentd 1.16.9`).
    public var agentLabel: String?
    public var heartbeatInterval: Double = 1
    public var heartbeatType: String = "transport"
    public var phiThreshold: Double = 16
    public var phiFailureDetector = true
    public var hardTimeout: Double = 60
    public var ackResponseTimeout: Double = 190
    /// The ack reader's select timeout for those settings (`ForwarderSettings.ackCheckInterval`): one ack-check period.
    public var ackCheckInterval: Double = 1
    /// The scenario's own detector settings, when the agent under test runs others (a mutant): predicted windows are
    /// the scenario's, or a broken agent would move them with it.
    public var intendedDetector: IntendedDetector?
    /// The mutant this run's agent was broken with (`--mutants`), nil for a normal run.
    public var mutant: String?

    /// Detector settings as the scenario configures them.
    public struct IntendedDetector: Sendable, Codable, Equatable {
        public var heartbeatInterval: Double
        public var phiThreshold: Double
        public var phiFailureDetector: Bool
        public var hardTimeout: Double
    }
    /// The buffer's flush thread wakes at least this often (`flush_thread_interval`).
    public var flushThreadInterval: Double = 1
    /// Receiver name → port (for matching capture endpoints).
    public var ports: [String: Int] = [:]
    public var binds: [String: String] = [:]
    public var wire: WireReport?
    /// Clock readings taken when the capture started and stopped: how its wall-clock stamps map onto the run clock.
    public var captureClock: CaptureClockMapping?
    /// Why there is no capture (not root, capture off, error).
    public var captureNote: String?
    /// The baseline build's run when the scenario has `baseline:` (it runs first).
    public var baseline: BaselineRecord?
    /// Errors that stopped the run early (the verdict is then a failure).
    public var runErrors: [String] = []

    public init(scenario: String, seed: UInt64) {
        self.scenario = scenario
        self.seed = seed
    }

    /// Run time of a step by id (actual execution time).
    public func stepTime(_ id: String?) -> Double? {
        guard let id else { return 0 }
        return steps.first { $0.id == id }?.time
    }
}

/// Load figures as recorded.
public struct LoadFigures: Sendable, Codable, Equatable {
    public var offered = 0
    public var accepted = 0
    public var overflow = 0
    public var agentDown = 0
    public var acceptedSequences: [Int64] = []
    public var acceptedPerSecond: [Int] = []
    public init() {}
}

/// A fault-log entry on the run clock.
public struct FaultLogEntryRecord: Sendable, Codable, Equatable {
    public var time: Double
    public var receiver: String
    public var fault: String
    public var kind: String
    public var hook: String
    public var decision: String
    public var note: String?
    /// What the decision applied to (`conn#3 … req#5 tag=t events=40 chunk=ID`), as the simulator's fault log says.
    public var target: String? = nil
}
