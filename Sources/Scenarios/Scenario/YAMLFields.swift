import Foundation
import Simulator
import Yams

/// Typed reads from Yams nodes that turn every mistake into a `ScenarioError` at the node's line and column.
struct YAMLFields {
    let file: String

    func error(_ node: Node?, _ field: String, _ message: String) -> ScenarioError {
        ScenarioError(file: file, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, field: field, message: message)
    }

    func map(_ node: Node, _ field: String) throws -> YAMLMap {
        guard case let .mapping(m) = node else { throw error(node, field, "expected a mapping") }
        var entries: [(String, Node, Node)] = []
        var seen = Set<String>()
        for (k, v) in m {
            guard let key = k.string else { throw error(k, field, "keys must be strings") }
            guard seen.insert(key).inserted else { throw error(k, field.isEmpty ? key : "\(field).\(key)", "duplicate key") }
            entries.append((key, k, v))
        }
        return YAMLMap(owner: node, field: field, entries: entries)
    }

    func list(_ node: Node, _ field: String) throws -> [Node] {
        guard case let .sequence(s) = node else { throw error(node, field, "expected a list") }
        return Array(s)
    }

    func string(_ node: Node, _ field: String) throws -> String {
        guard case let .scalar(s) = node else { throw error(node, field, "expected a string") }
        return s.string
    }

    func bool(_ node: Node, _ field: String) throws -> Bool {
        guard let b = node.bool else { throw error(node, field, "expected true or false") }
        return b
    }

    func int(_ node: Node, _ field: String, _ range: ClosedRange<Int>) throws -> Int {
        guard let v = node.int else { throw error(node, field, "expected an integer") }
        guard range.contains(v) else { throw error(node, field, "must be within \(range.lowerBound)...\(range.upperBound)") }
        return v
    }

    func number(_ node: Node, _ field: String, min: Double = -.greatestFiniteMagnitude, max: Double = .greatestFiniteMagnitude) throws -> Double {
        guard let v = node.float ?? node.int.map(Double.init), v.isFinite else { throw error(node, field, "expected a number") }
        guard v >= min, v <= max else { throw error(node, field, "must be within \(ScenarioFormat.number(min))...\(ScenarioFormat.number(max))") }
        return v
    }

    /// `2s`, `500ms`, `1m` in seconds: the one duration rule (`DurationText`: a unit is required, except for 0).
    func duration(_ node: Node, _ field: String) throws -> Double {
        let text = try string(node, field)
        guard let v = DurationText.seconds(text) else { throw error(node, field, DurationText.problem(text)) }
        return v
    }

    /// `[low, high]` durations.
    func durationRange(_ node: Node, _ field: String) throws -> (Double, Double) {
        let items = try list(node, field)
        guard items.count == 2 else { throw error(node, field, "expected [low, high]") }
        let lo = try duration(items[0], field), hi = try duration(items[1], field)
        guard lo <= hi else { throw error(node, field, "low must not exceed high") }
        return (lo, hi)
    }

    /// A YAML value as a fault parameter value.
    func faultValue(_ node: Node) -> FaultValue {
        switch node {
        case let .scalar(s):
            if s.style == .plain {
                if node.null != nil { return .null }
                if let b = node.bool { return .bool(b) }
                if let i = node.int { return .number(Double(i)) }
                if let d = node.float { return .number(d) }
            }
            return .string(s.string)
        case let .sequence(seq): return .array(seq.map(faultValue))
        case let .mapping(m):
            var o: [String: FaultValue] = [:]
            for (k, v) in m { o[k.string ?? ""] = faultValue(v) }
            return .object(o)
        case .alias: return .null
        }
    }
}

/// A mapping being consumed key by key; leftover keys are reported as unknown (typos never become defaults).
struct YAMLMap {
    let owner: Node
    let field: String
    private(set) var entries: [(String, Node, Node)]

    init(owner: Node, field: String, entries: [(String, Node, Node)]) {
        self.owner = owner
        self.field = field
        self.entries = entries
    }

    func path(_ key: String) -> String { field.isEmpty ? key : "\(field).\(key)" }

    var keys: [String] { entries.map(\.0) }

    mutating func take(_ key: String) -> Node? {
        guard let i = entries.firstIndex(where: { $0.0 == key }) else { return nil }
        return entries.remove(at: i).2
    }

    func rejectUnknown(_ y: YAMLFields, allowed: [String]) throws {
        guard let (key, node, _) = entries.first else { return }
        throw y.error(node, path(key), "unknown field (expected one of: \(allowed.joined(separator: ", ")))")
    }
}
