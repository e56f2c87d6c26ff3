import Foundation

/// Fluentd's failure detector, bit-exact with fd.rb (docs/forward-protocol.md, "Phi accrual detector"): integer-µs gaps, linearly weighted integer mean, "− h + 1" shift.
///
/// The window is a fixed-capacity ring buffer and the weighted sum is maintained incrementally, so `add` and `phi`
/// are O(1) and allocation-free; the result equals the spec's naive formula (see the comparison test).
public struct PhiAccrualDetector: FailureDetector, Equatable {
    /// fd.rb: SAMPLE_SIZE.
    public static let sampleSize = 1000
    /// fd.rb: PHI_FACTOR = 1.0 / Math.log(10.0).
    public static let phiFactor: Double = 1.0 / log(10.0)
    /// Gaps are clamped to ±this many µs (≈ 106 days) so Σ i·gap fits in Int64; Ruby uses bignums (documented deviation).
    public static let gapLimit: Int64 = (Int64(1) << 62) / 500_500

    /// heartbeat_interval in seconds.
    public let heartbeatInterval: AgentSeconds
    /// `(h * 1e6).to_i`, the gap pushed first and after every `clear`.
    public let initialGap: Int64
    public private(set) var last: AgentSeconds

    // Ring buffer of gaps in µs, oldest at `head`.
    private var ring: [Int64]
    private var head = 0
    private var count = 0
    private var sum: Int64 = 0  // Σ gap_i
    private var weightedSum: Int64 = 0  // Σ i·gap_i, i = 1 (oldest) … n (newest)

    /// A detector as built at configure time: window `[h·10^6]`, `last = initialLast` (Fluentd passes floor(now)).
    public init(heartbeatInterval: AgentSeconds, initialLast: AgentSeconds) {
        self.heartbeatInterval = heartbeatInterval
        self.initialGap = truncatedMicroseconds(heartbeatInterval, limit: Self.gapLimit)
        self.last = initialLast
        self.ring = [Int64](repeating: 0, count: Self.sampleSize)
        push(initialGap)
    }

    public var sampleCount: Int { count }
    public var acceptsSendSamples: Bool { true }

    /// The window, oldest first (for tests and diagnostics; allocates).
    public var window: [Int64] {
        (0..<count).map { ring[(head + $0) % Self.sampleSize] }
    }

    /// fd.rb:39-49.
    public mutating func add(now: AgentSeconds) {
        if count == 0 {
            push(initialGap)
        } else {
            push(truncatedMicroseconds(now - last, limit: Self.gapLimit))
        }
        last = now
    }

    /// fd.rb:51-72, evaluated in the same order as Ruby so the Double result is identical.
    public func phi(now: AgentSeconds) -> Double {
        guard count > 0 else { return 0.0 }
        let n = Int64(count)
        let fact = n * (n + 1) / 2
        let meanUsec = Self.floorDiv(weightedSum, fact)  // Ruby Integer#/ floors
        let mean = (Double(meanUsec) / 1e6) - heartbeatInterval + 1
        let t = now - last - heartbeatInterval + 1
        return Self.phiFactor * t / mean
    }

    /// fd.rb:78-81.
    public mutating func clear() {
        head = 0
        count = 0
        sum = 0
        weightedSum = 0
        last = 0
    }

    /// The weighted mean in µs, `floor(Σ i·gap_i / Σ i)`, or nil when empty.
    public var weightedMeanMicroseconds: Int64? {
        guard count > 0 else { return nil }
        let n = Int64(count)
        return Self.floorDiv(weightedSum, n * (n + 1) / 2)
    }

    private mutating func push(_ gap: Int64) {
        let cap = Self.sampleSize
        if count < cap {
            ring[(head + count) % cap] = gap
            count += 1
            weightedSum += Int64(count) * gap
            sum += gap
        } else {
            // Ruby pushes then shifts: every old weight drops by one, the new gap gets weight n.
            let oldest = ring[head]
            weightedSum = weightedSum - sum + Int64(cap) * gap
            sum = sum - oldest + gap
            ring[head] = gap
            head = (head + 1) % cap
        }
    }

    @inline(__always)
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        guard b != 0 else { return 0 }
        let q = a / b
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.heartbeatInterval == rhs.heartbeatInterval && lhs.last == rhs.last && lhs.window == rhs.window
    }
}
