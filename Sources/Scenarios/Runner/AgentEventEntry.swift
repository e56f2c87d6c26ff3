import Agent
import Foundation

/// One agent event on the run's timeline (the `AgentEvent` with its monotonic stamp turned into run seconds).
public struct AgentEventEntry: Sendable, Codable, Equatable {
    public var time: Double
    public var node: String
    public var event: AgentEventKind
    public var cause: String?
    public var phi: Double?
    public var threshold: Double?
    public var detail: String?

    init(_ r: AgentEventRecord, clock: RunClock) {
        time = clock.seconds(monotonic: r.monotonic)
        node = r.event.node
        event = r.event.event
        cause = r.event.cause
        phi = r.event.phi
        threshold = r.event.threshold
        detail = r.event.detail
    }

    /// One line of `fwdlab agent --events FILE` (`AgentEventRecord`'s codec); throws when it is not one.
    init(jsonLine: Substring, clock: RunClock) throws {
        self.init(try AgentEventRecord(jsonLine: jsonLine), clock: clock)
    }

    public init(time: Double, node: String, event: AgentEventKind, cause: String? = nil, phi: Double? = nil,
                threshold: Double? = nil, detail: String? = nil) {
        self.time = time
        self.node = node
        self.event = event
        self.cause = cause
        self.phi = phi
        self.threshold = threshold
        self.detail = detail
    }

    /// A node left the rotation (tick detach or disable).
    public var isDetach: Bool { event.isDetach }
}
