import Agent
import Foundation
import Simulator
import Yams

/// Reads a `NetworkModel` from YAML (format documented in fixtures/networks/default.yaml); every error names file and line.
public enum NetworkModelLoader {
    /// Loads and validates the model in `path`.
    public static func load(path: String) throws(TuningError) -> NetworkModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TuningError(file: path, "cannot read the network model file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TuningError(file: path, "the network model is not UTF-8 text")
        }
        return try parse(text, file: path)
    }

    /// Parses YAML text; `file` is only used in error messages.
    public static func parse(_ text: String, file: String = "<network model>") throws(TuningError) -> NetworkModel {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            throw TuningError(file: file, line: Self.line(of: e), "invalid YAML: \(Self.problem(of: e))")
        } catch {
            throw TuningError(file: file, "invalid YAML: \(error)")
        }
        var model = NetworkModel()
        guard let root else { return model }  // an empty file means all defaults
        let r = Reader(file: file)
        let top = try r.mapping(root, allowed: ["name", "heartbeat_type", "reply_delay", "jitter", "loss", "stalls",
                                                "traffic", "transport", "death", "agent", "normal_detector"], context: "top level")
        if let n = top["name"] { model.name = try r.string(n) }
        if let n = top["heartbeat_type"] {
            let s = try r.string(n)
            switch s {
            case "transport", "tcp": model.heartbeatType = .transport
            case "udp": model.heartbeatType = .udp
            case "none": model.heartbeatType = .none
            default: throw r.error(n, "heartbeat_type must be transport, udp or none (got '\(s)')")
            }
        }
        if let n = top["reply_delay"] { model.replyDelay = try r.distribution(n) }
        if let n = top["jitter"] { model.jitter = try r.duration(n) }
        if let n = top["loss"] { model.loss = try r.loss(n) }
        if let n = top["stalls"] {
            let m = try r.mapping(n, allowed: ["rate_per_hour", "duration", "queue_udp", "blocks_connect", "blocks_sends"], context: "stalls")
            if let v = m["rate_per_hour"] { model.stalls.ratePerHour = try r.number(v) }
            if let v = m["duration"] { model.stalls.duration = try r.distribution(v) }
            if let v = m["queue_udp"] { model.stalls.queuesUDP = try r.bool(v) }
            if let v = m["blocks_connect"] { model.stalls.blocksConnect = try r.bool(v) }
            if let v = m["blocks_sends"] { model.stalls.blocksSends = try r.bool(v) }
        }
        if let n = top["traffic"] {
            let m = try r.mapping(n, allowed: ["rate", "flush_interval", "flush_phase"], context: "traffic")
            if let v = m["rate"] { model.traffic.bytesPerSecond = try r.bytes(v) }
            if let v = m["flush_interval"] { model.traffic.flushInterval = try r.duration(v) }
            if let v = m["flush_phase"] {
                model.traffic.flushPhase = (try? r.string(v)) == "random" ? nil : try r.duration(v)
            }
        }
        if let n = top["transport"] {
            let m = try r.mapping(n, allowed: ["connect_timeout", "syn_rto"], context: "transport")
            if let v = m["connect_timeout"] { model.connectTimeout = try r.duration(v) }
            if let v = m["syn_rto"] { model.synRetransmitTimeout = try r.duration(v) }
        }
        if let n = top["death"] {
            let m = try r.mapping(n, allowed: ["mode", "window"], context: "death")
            if let v = m["mode"] {
                let s = try r.string(v)
                guard let mode = DeathMode(rawValue: s) else { throw r.error(v, "death.mode must be refused or blackhole (got '\(s)')") }
                model.deathMode = mode
            }
            if let v = m["window"] {
                guard let seq = v.sequence, seq.count == 2 else { throw r.error(v, "death.window must be a list [from, to] of fractions") }
                let a = try r.number(seq[0]), b = try r.number(seq[1])
                guard a >= 0, b <= 1, a <= b else { throw r.error(v, "death.window needs 0 ≤ from ≤ to ≤ 1") }
                model.deathWindow = a...b
            }
        }
        if let n = top["agent"] {
            let m = try r.mapping(n, allowed: ["recover_wait", "hard_timeout", "phi_failure_detector"], context: "agent")
            if let v = m["recover_wait"] { model.recoverWait = try r.duration(v) }
            if let v = m["hard_timeout"] { model.hardTimeout = try r.duration(v) }
            if let v = m["phi_failure_detector"] { model.phiFailureDetector = try r.bool(v) }
        }
        if let n = top["normal_detector"] {
            let m = try r.mapping(n, allowed: ["min_std_deviation", "acceptable_heartbeat_pause", "max_sample_size"], context: "normal_detector")
            if let v = m["min_std_deviation"] { model.normalDetector.minStdDeviation = try r.duration(v) }
            if let v = m["acceptable_heartbeat_pause"] { model.normalDetector.acceptableHeartbeatPause = try r.duration(v) }
            if let v = m["max_sample_size"] { model.normalDetector.maxSampleSize = Int(try r.number(v)) }
        }
        if let first = model.validationErrors.first {
            throw TuningError(file: file, line: root.mark?.line, first)
        }
        return model
    }

    /// A Fluentd parameter value in seconds, as Fluentd reads time parameters: a bare number is seconds, or
    /// `500ms`, `1.5s`, `2m`, `1h` (`fwdlab tune --intervals`, a trace's `# heartbeat_interval:` line). ForwardLab's
    /// own durations follow `DurationText` instead (a unit is required).
    public static func fluentdSeconds(_ s: String) -> Double? {
        let t = s.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            guard let v = Double(t.dropLast(suffix.count)), v.isFinite, v >= 0 else { return nil }
            return v * factor
        }
        guard let v = Double(t), v.isFinite, v >= 0 else { return nil }
        return v
    }

    /// Parses `100000`, `100KB`, `1.5MB`, `2MiB` (KB = 1000, KiB = 1024).
    public static func parseBytes(_ s: String) -> Double? {
        let t = s.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "/s", with: "")
        let units: [(String, Double)] = [("kib", 1024), ("mib", 1_048_576), ("gib", 1_073_741_824), ("kb", 1e3), ("mb", 1e6),
                                         ("gb", 1e9), ("k", 1e3), ("m", 1e6), ("g", 1e9), ("b", 1)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            guard let v = Double(t.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), v.isFinite, v >= 0 else { return nil }
            return v * factor
        }
        guard let v = Double(t), v.isFinite, v >= 0 else { return nil }
        return v
    }

    private static func line(of e: YamlError) -> Int? {
        switch e {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: nil
        }
    }

    private static func problem(of e: YamlError) -> String {
        switch e {
        case .scanner(let c, let p, _, _), .parser(let c, let p, _, _), .composer(let c, let p, _, _):
            (c.map { "\($0.description) " } ?? "") + p
        default: "\(e)"
        }
    }

    /// Typed accessors that turn a wrong node into a `TuningError` at the node's line.
    struct Reader {
        let file: String

        func error(_ node: Node, _ message: String) -> TuningError {
            TuningError(file: file, line: node.mark?.line, message)
        }

        func mapping(_ node: Node, allowed: Set<String>, context: String) throws(TuningError) -> [String: Node] {
            guard let m = node.mapping else { throw error(node, "\(context) must be a mapping") }
            var out: [String: Node] = [:]
            for (k, v) in m {
                guard let key = k.string else { throw error(k, "\(context): keys must be strings") }
                guard allowed.contains(key) else {
                    throw error(k, "\(context): unknown key '\(key)' (known: \(allowed.sorted().joined(separator: ", ")))")
                }
                out[key] = v
            }
            return out
        }

        func string(_ node: Node) throws(TuningError) -> String {
            guard let s = node.scalar?.string else { throw error(node, "expected a scalar value") }
            return s
        }

        func number(_ node: Node) throws(TuningError) -> Double {
            let s = try string(node)
            guard let v = Double(s.trimmingCharacters(in: .whitespaces)), v.isFinite else { throw error(node, "expected a number, got '\(s)'") }
            return v
        }

        func bool(_ node: Node) throws(TuningError) -> Bool {
            switch try string(node).lowercased() {
            case "true", "yes", "on": return true
            case "false", "no", "off": return false
            default: throw error(node, "expected true or false")
            }
        }

        func duration(_ node: Node) throws(TuningError) -> Double {
            let s = try string(node)
            guard let v = DurationText.seconds(s) else { throw error(node, DurationText.problem(s)) }
            return v
        }

        func bytes(_ node: Node) throws(TuningError) -> Double {
            let s = try string(node)
            guard let v = NetworkModelLoader.parseBytes(s) else { throw error(node, "expected a byte rate like 100KB or 250000, got '\(s)'") }
            return v
        }

        func distribution(_ node: Node) throws(TuningError) -> DelayDistribution {
            if node.scalar != nil { return .fixed(try duration(node)) }
            let m = try mapping(node, allowed: ["distribution", "value", "min", "max", "mean", "sd", "median", "sigma", "scale", "shape"],
                                context: "distribution")
            guard let kindNode = m["distribution"] else { throw error(node, "distribution: missing 'distribution' (fixed, uniform, normal, lognormal, pareto, exponential)") }
            func need(_ key: String) throws(TuningError) -> Node {
                guard let v = m[key] else { throw error(node, "\(try string(kindNode)) distribution needs '\(key)'") }
                return v
            }
            let d: DelayDistribution
            switch try string(kindNode) {
            case "fixed": d = .fixed(try duration(try need("value")))
            case "uniform": d = .uniform(min: try duration(try need("min")), max: try duration(try need("max")))
            case "normal": d = .normal(mean: try duration(try need("mean")), standardDeviation: try duration(try need("sd")))
            case "lognormal": d = .lognormal(median: try duration(try need("median")), sigma: try number(try need("sigma")))
            case "pareto": d = .pareto(scale: try duration(try need("scale")), shape: try number(try need("shape")))
            case "exponential": d = .exponential(mean: try duration(try need("mean")))
            case let other: throw error(kindNode, "unknown distribution '\(other)' (fixed, uniform, normal, lognormal, pareto, exponential)")
            }
            if let problem = d.validationError { throw error(node, problem) }
            return d
        }

        func loss(_ node: Node) throws(TuningError) -> LossModel {
            let m = try mapping(node, allowed: ["model", "p", "r", "loss_bad", "loss_good"], context: "loss")
            let kind = try m["model"].map { (n) throws(TuningError) in try string(n) } ?? "bernoulli"
            func prob(_ key: String, default d: Double?) throws(TuningError) -> Double {
                guard let v = m[key] else {
                    if let d { return d }
                    throw error(node, "loss model \(kind) needs '\(key)'")
                }
                let x = try number(v)
                guard x >= 0, x <= 1 else { throw error(v, "loss.\(key) must be within 0…1") }
                return x
            }
            switch kind {
            case "none": return .none
            case "bernoulli": return .bernoulli(p: try prob("p", default: nil))
            case "gilbert_elliott", "gilbert-elliott":
                return .gilbertElliott(p: try prob("p", default: nil), r: try prob("r", default: nil),
                                       lossInBad: try prob("loss_bad", default: 1), lossInGood: try prob("loss_good", default: 0))
            default:
                throw error(m["model"] ?? node, "loss.model must be none, bernoulli or gilbert_elliott (got '\(kind)')")
            }
        }
    }
}
