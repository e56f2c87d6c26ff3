import Foundation

/// Opt-in variant (quirk 1 (docs/quirks.md)): the Hayashibara phi accrual detector with a normal distribution, as Akka implements it:
/// mean and standard deviation over a window, a minimum standard deviation, an acceptable-pause term and a
/// first-heartbeat estimate. Fed by heartbeats only.
public struct NormalPhiDetector: FailureDetector, Equatable {
    /// Tuning knobs (Akka's names and defaults).
    public struct Parameters: Sendable, Equatable, Hashable {
        /// Maximum number of intervals kept.
        public var maxSampleSize: Int
        /// Lower bound of the standard deviation, seconds.
        public var minStdDeviation: AgentSeconds
        /// Extra pause tolerated before suspicion rises, seconds (added to the mean).
        public var acceptableHeartbeatPause: AgentSeconds
        /// Expected interval used to seed the history (mean ± mean/4), seconds.
        public var firstHeartbeatEstimate: AgentSeconds

        public init(maxSampleSize: Int = 1000, minStdDeviation: AgentSeconds = 0.1,
                    acceptableHeartbeatPause: AgentSeconds = 0, firstHeartbeatEstimate: AgentSeconds = 1) {
            self.maxSampleSize = max(1, maxSampleSize)
            self.minStdDeviation = minStdDeviation
            self.acceptableHeartbeatPause = acceptableHeartbeatPause
            self.firstHeartbeatEstimate = firstHeartbeatEstimate
        }
    }

    public let parameters: Parameters
    public private(set) var last: AgentSeconds
    private var ring: [Double]
    private var head = 0
    private var count = 0
    private var sum = 0.0
    private var sumOfSquares = 0.0
    // Fluentd-compatible sample counting for recovery: the first arrival after a clear counts as one.
    private var arrivals = 0

    /// Seeded history; `last = initialLast` so a node that never answers is still detected (Akka would wait).
    public init(parameters: Parameters = Parameters(), initialLast: AgentSeconds) {
        self.parameters = parameters
        self.last = initialLast
        self.ring = [Double](repeating: 0, count: parameters.maxSampleSize)
        seed()
        arrivals = 1
    }

    public var sampleCount: Int { arrivals }
    public var acceptsSendSamples: Bool { false }

    public mutating func add(now: AgentSeconds) {
        if arrivals == 0 {
            seed()
        } else {
            push(now - last)
        }
        arrivals += 1
        last = now
    }

    public mutating func clear() {
        head = 0
        count = 0
        sum = 0
        sumOfSquares = 0
        arrivals = 0
        last = 0
    }

    /// Mean interval of the history, seconds.
    public var mean: Double { count > 0 ? sum / Double(count) : parameters.firstHeartbeatEstimate }

    /// Standard deviation of the history, seconds (population form, as Akka).
    public var standardDeviation: Double {
        guard count > 0 else { return 0 }
        let m = mean
        let variance = sumOfSquares / Double(count) - m * m
        return variance > 0 ? variance.squareRoot() : 0
    }

    public func phi(now: AgentSeconds) -> Double {
        guard arrivals > 0 else { return 0 }
        let timeDiff = now - last
        let m = mean + parameters.acceptableHeartbeatPause
        let sd = max(standardDeviation, parameters.minStdDeviation)
        guard sd > 0, timeDiff.isFinite, m.isFinite else { return 0 }
        // Logistic approximation of the normal CDF (Bowling et al.), as in Hayashibara/Akka.
        let y = (timeDiff - m) / sd
        let e = exp(-y * (1.5976 + 0.070566 * y * y))
        if timeDiff > m {
            return -log10(e / (1.0 + e))
        } else {
            return -log10(1.0 - 1.0 / (1.0 + e))
        }
    }

    private mutating func seed() {
        let m = parameters.firstHeartbeatEstimate
        let sd = m / 4
        push(m - sd)
        push(m + sd)
    }

    private mutating func push(_ interval: Double) {
        let cap = ring.count
        guard cap > 0 else { return }
        if count < cap {
            ring[(head + count) % cap] = interval
            count += 1
        } else {
            let oldest = ring[head]
            sum -= oldest
            sumOfSquares -= oldest * oldest
            ring[head] = interval
            head = (head + 1) % cap
        }
        sum += interval
        sumOfSquares += interval * interval
    }
}
