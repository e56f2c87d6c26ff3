import Foundation

/// The outcome of a receiver differential: one row per frame and the totals (written as receiver-fidelity.json).
public struct ReceiverFidelityReport: Sendable, Codable, Equatable {
    /// How the two verdicts on one frame relate.
    public enum Status: String, Sendable, Codable {
        case same
        case differ
        /// Differs, with a reason in the known-differences fixture.
        case explained
    }

    /// One frame's two verdicts.
    public struct Row: Sendable, Codable, Equatable {
        public var frame: String
        public var origin: ReceiverFrame.Origin
        public var corpusExpect: String?
        /// The frame's bytes as hex, cut after 200 characters (`length` keeps the full size).
        public var hex: String
        public var length: Int
        public var fluentd: ReceiverVerdict
        public var fwdlab: ReceiverVerdict
        public var status: Status
        public var differences: [String]
        public var explanation: String?
    }

    public var fluentdVersion: String
    public var fluentdOrigin: String
    /// Fluentd restarts the run needed (a frame killed the process).
    public var fluentdRestarts: Int
    public var rows: [Row]
    /// Known-difference entries whose frame agreed (or does not exist): candidates for removal.
    public var staleExplanations: [String]

    public var agree: Int { rows.filter { $0.status == .same }.count }
    public var differ: Int { rows.filter { $0.status == .differ }.count }
    public var explained: Int { rows.filter { $0.status == .explained }.count }
    /// Whether the run passes: every difference explained, and every explanation still needed.
    public var passed: Bool { differ == 0 && staleExplanations.isEmpty }

    private enum CodingKeys: String, CodingKey {
        case fluentdVersion, fluentdOrigin, fluentdRestarts, rows, staleExplanations, agree, differ, explained
    }

    public init(fluentdVersion: String, fluentdOrigin: String, fluentdRestarts: Int, rows: [Row], staleExplanations: [String]) {
        self.fluentdVersion = fluentdVersion
        self.fluentdOrigin = fluentdOrigin
        self.fluentdRestarts = fluentdRestarts
        self.rows = rows
        self.staleExplanations = staleExplanations
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        fluentdVersion = try c.decode(String.self, forKey: .fluentdVersion)
        fluentdOrigin = try c.decode(String.self, forKey: .fluentdOrigin)
        fluentdRestarts = try c.decode(Int.self, forKey: .fluentdRestarts)
        rows = try c.decode([Row].self, forKey: .rows)
        staleExplanations = try c.decode([String].self, forKey: .staleExplanations)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(fluentdVersion, forKey: .fluentdVersion)
        try c.encode(fluentdOrigin, forKey: .fluentdOrigin)
        try c.encode(fluentdRestarts, forKey: .fluentdRestarts)
        try c.encode(rows, forKey: .rows)
        try c.encode(staleExplanations, forKey: .staleExplanations)
        try c.encode(agree, forKey: .agree)
        try c.encode(differ, forKey: .differ)
        try c.encode(explained, forKey: .explained)
    }

    /// The closing line: `N agree, N differ` plus the explained count.
    public var summaryLine: String { "\(agree) agree, \(differ) differ (\(explained) explained)" }

    /// The table: frame, Fluentd's verdict, fwdlab's verdict, same/DIFF; differences indented under their row.
    public func table() -> String {
        let nameWidth = min(60, rows.map(\.frame.count).max() ?? 10)
        let verdictWidth = max(22, rows.map { max($0.fluentd.summary.count, $0.fwdlab.summary.count) }.max() ?? 22)
        func pad(_ s: String, _ n: Int) -> String {
            let cut = s.count > n ? String(s.prefix(n - 1)) + "…" : s
            return cut + String(repeating: " ", count: max(0, n - cut.count))
        }
        var lines = [pad("frame", nameWidth) + "  " + pad("fluentd \(fluentdVersion)", verdictWidth) + "  "
            + pad("fwdlab", verdictWidth) + "  result"]
        for r in rows {
            let mark: String
            switch r.status {
            case .same: mark = "same"
            case .differ: mark = "DIFF"
            case .explained: mark = "diff (explained)"
            }
            lines.append(pad(r.frame, nameWidth) + "  " + pad(r.fluentd.summary, verdictWidth) + "  "
                + pad(r.fwdlab.summary, verdictWidth) + "  " + mark)
            if r.status != .same {
                for d in r.differences { lines.append("    - \(d)") }
                if let e = r.explanation { lines.append("    explained: \(e)") }
            }
        }
        if fluentdRestarts > 0 { lines.append("Fluentd restarted \(fluentdRestarts) time(s) after a frame killed it") }
        for s in staleExplanations { lines.append("note: known difference '\(s)' did not occur") }
        lines.append(summaryLine)
        return lines.joined(separator: "\n")
    }

    /// Writes `receiver-fidelity.json` into `directory` (created when missing); returns its path.
    @discardableResult
    public func write(to directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent("receiver-fidelity.json")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path))
        return path
    }
}
