/// A control action a topology schedules at a time after start (`schedule:` entries).
public struct ScheduledAction: Sendable, Hashable {
    /// What to do.
    public enum Action: String, Sendable, Hashable, CaseIterable {
        case crash, restart, pause, resume, enable, disable, remove, add
    }

    /// Nanoseconds after the simulation started.
    public var atNanos: Int64
    /// A receiver name or `all`.
    public var receiver: String
    public var action: Action
    /// The fault to enable/disable/remove.
    public var fault: String?
    /// For crash: restart after; for pause: resume after.
    public var durationNanos: Int64?
    /// For add: the fault to install.
    public var spec: FaultSpec?

    public init(atNanos: Int64, receiver: String, action: Action, fault: String? = nil, durationNanos: Int64? = nil, spec: FaultSpec? = nil) {
        self.atNanos = atNanos
        self.receiver = receiver
        self.action = action
        self.fault = fault
        self.durationNanos = durationNanos
        self.spec = spec
    }
}
