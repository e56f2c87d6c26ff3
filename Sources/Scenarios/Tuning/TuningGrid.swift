/// The sweep's axes: heartbeat intervals × phi thresholds × detectors, each run over `seeds` seeds of `hours`.
public struct TuningGrid: Sendable, Equatable, Codable {
    /// heartbeat_interval values, seconds.
    public var intervals: [Double] = [0.5, 1, 2, 5]
    /// phi_threshold values.
    public var thresholds: [Double] = (8...32).map(Double.init)
    /// Detectors compared on the same realisations.
    public var detectors: [DetectorChoice] = [.fluentd]
    /// Runs per (interval, setting); seeds are `baseSeed ..< baseSeed + seeds`.
    public var seeds = 100
    /// First seed.
    public var baseSeed: UInt64 = 0
    /// Nominal healthy duration of each run, hours.
    public var hours = 1.0

    public init() {}

    /// The benchmark grid: 10 thresholds × 10 intervals × 100 seeds × 1 simulated hour.
    public static var standardBenchmark: TuningGrid {
        var g = TuningGrid()
        g.intervals = [0.5, 1, 1.5, 2, 3, 4, 5, 7.5, 10, 15]
        g.thresholds = [8, 10, 12, 14, 16, 18, 20, 24, 28, 32]
        return g
    }

    /// Problems that make the grid unusable (empty when valid).
    public var validationErrors: [String] {
        var e: [String] = []
        if intervals.isEmpty { e.append("no heartbeat intervals") }
        if intervals.contains(where: { !($0 > 0 && $0.isFinite) }) { e.append("heartbeat intervals must be positive") }
        if thresholds.isEmpty { e.append("no phi thresholds") }
        if thresholds.contains(where: { !$0.isFinite }) { e.append("phi thresholds must be finite") }
        if detectors.isEmpty { e.append("no detectors") }
        if seeds < 1 { e.append("seeds must be at least 1") }
        if seeds > 100_000 { e.append("seeds must be at most 100000") }
        if !(hours > 0 && hours <= 24 * 365) { e.append("hours must be within (0, 8760]") }
        return e
    }

    /// Runs the grid needs (one per interval and seed; thresholds and detectors are lanes of a run).
    public var runCount: Int { intervals.count * seeds }

    /// Parses `0.5,1,2,5` (seconds; units like `500ms` allowed).
    public static func parseList(_ text: String, what: String) throws(TuningError) -> [Double] {
        var out: [Double] = []
        for part in text.split(separator: ",") {
            let p = part.trimmingCharacters(in: .whitespaces)
            guard let v = NetworkModelLoader.fluentdSeconds(p) else { throw TuningError("\(what): cannot read '\(p)' as a number") }
            out.append(v)
        }
        guard !out.isEmpty else { throw TuningError("\(what): empty list") }
        return out
    }

    /// Parses thresholds: `8..32` (step 1), `8..32:4`, or a list `8,12,16`.
    public static func parseThresholds(_ text: String) throws(TuningError) -> [Double] {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard let dots = t.range(of: "..") else { return try parseList(t, what: "thresholds") }
        let lowText = String(t[..<dots.lowerBound])
        var rest = String(t[dots.upperBound...])
        var step = 1.0
        if let colon = rest.firstIndex(of: ":") {
            guard let s = Double(rest[rest.index(after: colon)...]), s > 0, s.isFinite else {
                throw TuningError("thresholds: the step after ':' must be a positive number")
            }
            step = s
            rest = String(rest[..<colon])
        }
        guard let lo = Double(lowText), let hi = Double(rest), lo.isFinite, hi.isFinite, lo <= hi else {
            throw TuningError("thresholds: expected FROM..TO[:STEP] with FROM ≤ TO, got '\(t)'")
        }
        let n = Int(((hi - lo) / step + 1e-9).rounded(.down)) + 1
        guard n <= 10_000 else { throw TuningError("thresholds: range has \(n) values (at most 10000)") }
        return (0..<n).map { lo + Double($0) * step }
    }
}
