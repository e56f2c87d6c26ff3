import Agent

/// How heartbeat probes are lost: independently (Bernoulli) or in bursts (Gilbert–Elliott).
public enum LossModel: Sendable, Equatable {
    /// Nothing is lost.
    case none
    /// Each probe is lost with probability `p`.
    case bernoulli(p: Double)
    /// Two-state Markov chain stepped once per probe: good → bad with probability `p`, bad → good with `r`;
    /// a probe is lost with `lossInBad` in the bad state and `lossInGood` in the good state.
    case gilbertElliott(p: Double, r: Double, lossInBad: Double, lossInGood: Double)

    /// Long-run fraction of probes lost.
    public var stationaryLossRate: Double {
        switch self {
        case .none: return 0
        case .bernoulli(let p): return p
        case .gilbertElliott(let p, let r, let lb, let lg):
            guard p + r > 0 else { return lg }
            let bad = p / (p + r)
            return bad * lb + (1 - bad) * lg
        }
    }

    /// Short human form.
    public var summary: String {
        switch self {
        case .none: "none"
        case .bernoulli(let p): "bernoulli p=\(p)"
        case .gilbertElliott(let p, let r, let lb, let lg): "gilbert-elliott p=\(p) r=\(r) loss_bad=\(lb) loss_good=\(lg)"
        }
    }

    /// Why the parameters are unusable, or nil.
    public var validationError: String? {
        func prob(_ x: Double) -> Bool { x >= 0 && x <= 1 }
        switch self {
        case .none: return nil
        case .bernoulli(let p): return prob(p) ? nil : "loss p must be within 0…1"
        case .gilbertElliott(let p, let r, let lb, let lg):
            return prob(p) && prob(r) && prob(lb) && prob(lg) ? nil : "gilbert-elliott p, r, loss_bad, loss_good must be within 0…1"
        }
    }
}

/// The running state of a `LossModel` (which Gilbert–Elliott state the path is in).
public struct LossProcess: Sendable, Equatable {
    /// The model being run.
    public let model: LossModel
    /// Whether the chain is in the bad state.
    public private(set) var inBadState: Bool

    /// Starts the chain in its stationary distribution, so short runs are unbiased.
    public init(model: LossModel, rng: inout SeededRandom) {
        self.model = model
        if case .gilbertElliott(let p, let r, _, _) = model, p + r > 0 {
            inBadState = rng.nextUnit() < p / (p + r)
        } else {
            inBadState = false
        }
    }

    /// Steps the chain for one probe and says whether that probe is lost.
    @inline(__always)
    public mutating func nextIsLost(using rng: inout SeededRandom) -> Bool {
        switch model {
        case .none:
            return false
        case .bernoulli(let p):
            return rng.nextUnit() < p
        case .gilbertElliott(let p, let r, let lb, let lg):
            let u = rng.nextUnit()
            inBadState = inBadState ? !(u < r) : u < p
            return rng.nextUnit() < (inBadState ? lb : lg)
        }
    }
}
