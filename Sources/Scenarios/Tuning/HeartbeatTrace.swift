import Foundation

/// Heartbeat arrival times observed on a real network, replayed instead of the delay/loss model.
///
/// File formats (both in seconds; absolute or relative times, only differences matter):
/// * text: one arrival timestamp per line; blank lines and `#` comments are ignored; an optional
///   `# heartbeat_interval: 1` comment declares the interval the trace was recorded with;
/// * JSON: an array of numbers, or `{"heartbeat_interval": 1, "arrivals": [ ... ]}`.
///
/// Replay model: the trace is cut into probe slots of the recorded interval h₀ (declared, or the median gap).
/// Each arrival is assigned to its nearest slot (a burst of late replies is assigned backwards to the slots
/// before it, as queued replies); a slot's delay is its arrival's lateness, a slot without an arrival is a lost
/// probe. A probe sent at time t (any interval) gets the outcome of the slot containing t, so a run with
/// h = h₀ reproduces the recorded arrivals exactly and other intervals see the same conditions at the same times.
/// The trace wraps around when the run is longer than the trace.
public struct HeartbeatTrace: Sendable, Equatable {
    /// Where the trace came from (file path or a label).
    public let source: String
    /// Arrivals relative to the first one, seconds, non-decreasing.
    public let arrivals: [Double]
    /// Interval the trace was recorded with (h₀), seconds.
    public let interval: Double
    /// Per-slot reply delay in seconds, or -1 for a lost probe.
    public let slotDelays: [Double]

    /// Builds a trace from arrival timestamps (any origin); `interval` nil → the median gap.
    public init(arrivals raw: [Double], interval declared: Double? = nil, source: String = "trace") throws(TuningError) {
        guard raw.count >= 2 else { throw TuningError(file: source, "a trace needs at least two arrivals (got \(raw.count))") }
        for i in 1..<raw.count where raw[i] < raw[i - 1] {
            throw TuningError(file: source, "arrival \(i + 1) (\(raw[i])) is earlier than the one before it (\(raw[i - 1])): timestamps must not decrease")
        }
        let origin = raw[0]
        let rel = raw.map { $0 - origin }
        var gaps = zip(rel.dropFirst(), rel).map { $0 - $1 }.filter { $0 > 0 }
        gaps.sort()
        let h0 = declared ?? (gaps.isEmpty ? 0 : gaps[gaps.count / 2])
        guard h0 > 0, h0.isFinite else {
            throw TuningError(file: source, "cannot infer the heartbeat interval (all arrivals at the same time); declare it with '# heartbeat_interval: N'")
        }
        let slotCount = Int((rel.last! / h0).rounded()) + 1
        guard slotCount <= 50_000_000 else { throw TuningError(file: source, "trace too long for its interval (\(slotCount) slots)") }
        var delays = [Double](repeating: -1, count: slotCount)
        // Backwards: each arrival takes its nearest slot unless a later arrival already has it, then the slot before.
        var nextFree = slotCount - 1
        var assigned: [(slot: Int, delay: Double)] = []
        assigned.reserveCapacity(rel.count)
        for a in rel.reversed() {
            let nearest = min(Int((a / h0).rounded()), slotCount - 1)
            let slot = min(nearest, nextFree)
            guard slot >= 0 else { break }  // more arrivals than slots at the start: drop the surplus
            assigned.append((slot, a - Double(slot) * h0))
            nextFree = slot - 1
        }
        // Delays are relative to the earliest arrival: shift so the smallest is 0.
        let minDelay = assigned.map(\.delay).min() ?? 0
        for (slot, d) in assigned { delays[slot] = d - minDelay }
        self.source = source
        self.arrivals = rel
        self.interval = h0
        self.slotDelays = delays
    }

    /// Trace length in seconds (slots × h₀).
    public var duration: Double { Double(slotDelays.count) * interval }

    /// Fraction of slots without an arrival.
    public var lossRate: Double {
        Double(slotDelays.lazy.filter { $0 < 0 }.count) / Double(max(1, slotDelays.count))
    }

    /// Outcome of a probe sent at trace time `t` (wrapping): the reply delay, or nil when lost.
    @inline(__always)
    public func probe(at t: Double) -> Double? {
        let n = slotDelays.count
        var j = Int((t / interval + 1e-9).rounded(.down)) % n
        if j < 0 { j += n }
        let d = slotDelays[j]
        return d < 0 ? nil : d
    }

    /// Reads a trace file (text or JSON, see the type's documentation).
    public static func load(path: String) throws(TuningError) -> HeartbeatTrace {
        guard let data = FileManager.default.contents(atPath: path) else { throw TuningError(file: path, "cannot read the trace file") }
        guard let text = String(data: data, encoding: .utf8) else { throw TuningError(file: path, "the trace is not UTF-8 text") }
        return try parse(text, source: path)
    }

    /// Parses trace text; `source` names the file in errors.
    public static func parse(_ text: String, source: String = "trace") throws(TuningError) -> HeartbeatTrace {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("[") || trimmed.hasPrefix("{") { return try parseJSON(trimmed, source: source) }
        var arrivals: [Double] = []
        var declared: Double?
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.hasPrefix("#") {
                let body = line.dropFirst().trimmingCharacters(in: .whitespaces)
                if body.hasPrefix("heartbeat_interval:") {
                    let v = body.dropFirst("heartbeat_interval:".count).trimmingCharacters(in: .whitespaces)
                    guard let h = NetworkModelLoader.fluentdSeconds(v), h > 0 else {
                        throw TuningError(file: source, line: lineNumber, "heartbeat_interval must be a positive duration, got '\(v)'")
                    }
                    declared = h
                }
                continue
            }
            if line.isEmpty { continue }
            // Allow "timestamp other columns…": the first field is the arrival time.
            let field = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }).first.map(String.init) ?? line
            guard let v = Double(field), v.isFinite else {
                throw TuningError(file: source, line: lineNumber, "expected an arrival time in seconds, got '\(field)'")
            }
            if let prev = arrivals.last, v < prev {
                throw TuningError(file: source, line: lineNumber, "arrival \(v) is earlier than the previous one (\(prev)): timestamps must not decrease")
            }
            arrivals.append(v)
        }
        return try HeartbeatTrace(arrivals: arrivals, interval: declared, source: source)
    }

    private static func parseJSON(_ text: String, source: String) throws(TuningError) -> HeartbeatTrace {
        // JSONDecoder rejects booleans and strings where numbers are expected, and names the bad index.
        struct Wrapped: Decodable {
            var heartbeat_interval: Double?
            var arrivals: [Double]
        }
        let data = Data(text.utf8)
        let decoder = JSONDecoder()
        do {
            if text.hasPrefix("[") {
                return try HeartbeatTrace(arrivals: try decoder.decode([Double].self, from: data), source: source)
            }
            let w = try decoder.decode(Wrapped.self, from: data)
            if let h = w.heartbeat_interval, !(h > 0 && h.isFinite) {
                throw TuningError(file: source, "heartbeat_interval must be a positive number of seconds")
            }
            return try HeartbeatTrace(arrivals: w.arrivals, interval: w.heartbeat_interval, source: source)
        } catch let e as TuningError {
            throw e
        } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx), let DecodingError.keyNotFound(_, ctx) {
            let path = ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            throw TuningError(file: source, "JSON\(path.isEmpty ? "" : " at " + path): \(ctx.debugDescription); expected an array of arrival times or {\"arrivals\": [...]}")
        } catch {
            throw TuningError(file: source, "invalid JSON: \(error)")
        }
    }
}
