import Foundation

/// `<buffer>` retry parameters (docs/forward-protocol.md, "Output and buffer parameters").
public struct RetrySettings: Sendable, Equatable {
    /// retry_type.
    public enum Kind: String, Sendable, Equatable { case exponentialBackoff = "exponential_backoff", periodic }

    public var type: Kind = .exponentialBackoff
    public var wait: AgentSeconds = 1
    public var timeout: AgentSeconds = 72 * 3600
    public var forever = false
    public var maxTimes: Int? = nil
    public var backoffBase: Double = 2
    public var maxInterval: AgentSeconds? = nil
    public var randomize = true
    public var randomizeWidth: Double = 0.125
    /// Whether a `<secondary>` is configured.
    public var hasSecondary = false
    public var secondaryThreshold: Double = 0.8

    public init() {}
}

/// What the output does after a failed flush.
public enum RetryDecision: Sendable, Equatable {
    /// Next attempt at this wall time; `steps` = retry_times in the log.
    case retryAt(AgentSeconds, steps: Int)
    /// "Hit limit for retries. dropping all chunks in the buffer queue." — purge the whole queue.
    case limitReached(steps: Int)
}

/// The output's retry state (retry_state.rb + output.rb update_retry_state, docs/agent-parameters.md–8.4), driven by explicit times.
public struct RetrySchedule: Sendable, Equatable {
    /// Which output the current step targets.
    public enum Target: Sendable, Equatable { case primary, secondary }

    /// One retry sequence (created at the first failure, cleared on success).
    public struct State: Sendable, Equatable {
        public let start: AgentSeconds
        public private(set) var steps = 0
        public private(set) var nextTime: AgentSeconds
        public let timeoutAt: AgentSeconds
        public private(set) var current: Target = .primary
        public let secondaryTransitionAt: AgentSeconds?
        public private(set) var secondaryTransitionSteps: Int?
        private var hasReachedTimeout = false
        private var hasTimedOut = false
        let settings: RetrySettings

        init(settings: RetrySettings, now: AgentSeconds) {
            self.settings = settings
            start = now
            timeoutAt = now + settings.timeout
            if settings.hasSecondary {
                var maxRetryTimeout = settings.timeout
                if let maxSteps = settings.maxTimes {
                    let bySteps = Self.maxRetryTimeout(settings: settings, maxSteps: maxSteps)
                    if bySteps < maxRetryTimeout { maxRetryTimeout = bySteps }
                }
                secondaryTransitionAt = now + maxRetryTimeout * settings.secondaryThreshold
            } else {
                secondaryTransitionAt = nil
            }
            nextTime = now + settings.wait  // first retry: not randomised
        }

        /// calc_max_retry_timeout: sum of the first `maxSteps` intervals (periodic: wait × steps).
        static func maxRetryTimeout(settings: RetrySettings, maxSteps: Int) -> AgentSeconds {
            switch settings.type {
            case .periodic: return settings.wait * Double(max(0, maxSteps))
            case .exponentialBackoff:
                var total = 0.0
                for i in 0..<max(0, min(maxSteps, 100_000)) { total += interval(settings: settings, steps: i) }
                return total
            }
        }

        /// calc_interval: wait × base^n capped by retry_max_interval, stepping back to the last finite value.
        static func interval(settings: RetrySettings, steps: Int) -> AgentSeconds {
            var n = steps
            var value = settings.wait * pow(settings.backoffBase, Double(n))
            if let cap = settings.maxInterval, value > cap { return cap }
            var guardCount = 0
            while !value.isFinite && n > 0 && guardCount < 10_000 {
                n -= 1
                guardCount += 1
                value = settings.wait * pow(settings.backoffBase, Double(n))
            }
            return value.isFinite ? value : settings.wait
        }

        func randomized(_ interval: AgentSeconds, rng: inout SeededRandom) -> AgentSeconds {
            guard settings.randomize else { return interval }
            return interval + (interval * settings.randomizeWidth * (2 * rng.nextUnit() - 1.0))
        }

        func naiveNextTime(_ n: Int, now: AgentSeconds, rng: inout SeededRandom) -> AgentSeconds {
            switch settings.type {
            case .exponentialBackoff: now + randomized(Self.interval(settings: settings, steps: n), rng: &rng)
            case .periodic: now + randomized(settings.wait, rng: &rng)
            }
        }

        func calcNextTime(now: AgentSeconds, rng: inout SeededRandom) -> AgentSeconds {
            if settings.forever || !settings.hasSecondary {
                let naive = naiveNextTime(steps, now: now, rng: &rng)
                if settings.forever { return naive }
                return naive >= timeoutAt ? timeoutAt : naive
            }
            if current == .primary, let transition = secondaryTransitionAt {
                let naive = naiveNextTime(steps, now: now, rng: &rng)
                return naive >= transition ? transition : naive
            }
            let naive = naiveNextTime(steps - (secondaryTransitionSteps ?? 0), now: now, rng: &rng)
            return naive >= timeoutAt ? timeoutAt : naive
        }

        mutating func step(now: AgentSeconds, rng: inout SeededRandom) {
            steps += 1
            if !settings.forever, settings.hasSecondary, current != .secondary, let t = secondaryTransitionAt, now >= t {
                current = .secondary
                secondaryTransitionSteps = steps
            }
            nextTime = calcNextTime(now: now, rng: &rng)
            if hasReachedTimeout {
                hasTimedOut = nextTime >= timeoutAt
            } else {
                hasReachedTimeout = nextTime >= timeoutAt
            }
        }

        mutating func recalcNextTime(now: AgentSeconds, rng: inout SeededRandom) {
            nextTime = calcNextTime(now: now, rng: &rng)
        }

        /// limit?: timed out or retry_max_times steps reached; never with retry_forever.
        public var isLimitReached: Bool {
            if settings.forever { return false }
            if hasTimedOut { return true }
            if let maxSteps = settings.maxTimes, steps >= maxSteps { return true }
            return false
        }

        /// secondary?: flushes go to the secondary from the transition time on.
        public func usesSecondary(now: AgentSeconds) -> Bool {
            guard !settings.forever, settings.hasSecondary, let t = secondaryTransitionAt else { return false }
            return current == .secondary || now >= t
        }
    }

    public let settings: RetrySettings
    /// Injected randomness for ±randomize_width.
    public private(set) var rng: SeededRandom
    /// The active retry sequence, nil when the last flush succeeded.
    public private(set) var state: State?

    public init(settings: RetrySettings = RetrySettings(), rng: SeededRandom) {
        self.settings = settings
        self.rng = rng
    }

    /// update_retry_state: a flush (or delayed commit) failed at wall time `now`.
    public mutating func recordFailure(now: AgentSeconds) -> RetryDecision {
        guard var s = state else {
            let fresh = State(settings: settings, now: now)
            if fresh.isLimitReached {
                state = nil
                return .limitReached(steps: fresh.steps)
            }
            state = fresh
            return .retryAt(fresh.nextTime, steps: fresh.steps)
        }
        // Step only when the scheduled time has come (several flush threads failing together step once).
        if now >= s.nextTime {
            s.step(now: now, rng: &rng)
        } else {
            s.recalcNextTime(now: now, rng: &rng)
        }
        if s.isLimitReached {
            state = nil
            return .limitReached(steps: s.steps)
        }
        state = s
        return .retryAt(s.nextTime, steps: s.steps)
    }

    /// commit_write: returns true when a retry sequence was active ("retry succeeded.").
    @discardableResult
    public mutating func recordSuccess() -> Bool {
        defer { state = nil }
        return state != nil
    }

    /// When the next flush may happen (nil: no retry pending).
    public var nextRetryTime: AgentSeconds? { state?.nextTime }

    /// Whether flushes at `now` go to `<secondary>`.
    public func usesSecondary(now: AgentSeconds) -> Bool { state?.usesSecondary(now: now) ?? false }
}
