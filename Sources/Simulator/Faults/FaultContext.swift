/// What a fault sees besides the event itself: its own random stream, its probability, and the clock.
/// Faults call `fires()` at the point where they would act, so the probability gates the action while
/// stateful faults (e.g. Gilbert–Elliott) still observe every event.
public struct FaultContext: Sendable {
    /// The fault's own seeded stream (written back after the hook returns).
    public var random: FaultRandom
    /// Chance that the fault acts on an eligible event.
    public let probability: Double
    /// CLOCK_MONOTONIC now, nanoseconds.
    public let nowNanos: UInt64
    /// When the fault became active (installation plus `start_after`), monotonic nanoseconds.
    public let activeSinceNanos: UInt64
    /// The receiver the hook runs for.
    public let receiver: String
    /// Free text a fault may set to explain its decision in the fault log (e.g. "bad state").
    public var note: String?

    public init(random: FaultRandom, probability: Double, nowNanos: UInt64, activeSinceNanos: UInt64, receiver: String) {
        self.random = random
        self.probability = probability
        self.nowNanos = nowNanos
        self.activeSinceNanos = activeSinceNanos
        self.receiver = receiver
    }

    /// One draw against `probability` (no draw at probability 1).
    public mutating func fires() -> Bool { random.chance(probability) }

    /// Nanoseconds since the fault became active.
    public var elapsedNanos: UInt64 { nowNanos >= activeSinceNanos ? nowNanos - activeSinceNanos : 0 }
}
