import FluentdConfig

extension AgentConfiguration {
    /// Every `<match>` or copy `<store>` whose output is `@type forward`, as a match (a store keeps its match's
    /// patterns and label, and its own section as `element`).
    public var forwardOutputSites: [MatchConfig] {
        var out: [MatchConfig] = []
        func walk(_ output: OutputConfig, _ match: MatchConfig, _ element: ConfigElement?, _ location: ConfigLocation) {
            switch output {
            case .forward:
                var m = MatchConfig(patterns: match.patterns, output: output, label: match.label, location: location)
                m.element = element
                out.append(m)
            case .copy(let c):
                for s in c.stores { walk(s.output, match, s.element, s.element.location) }
            default: break
            }
        }
        for m in matches { walk(m.output, m, m.element, m.location) }
        return out
    }

    /// The workers source `index` runs on: its `<worker>` section's, or every worker of `<system> workers`.
    public func workers(ofSource index: Int) -> ClosedRange<Int> {
        (sourceWorkers.indices.contains(index) ? sourceWorkers[index] : nil) ?? 0...(max(1, system.workers) - 1)
    }

    /// Why this configuration cannot run in `fwdlab agent` (nil: it can): the one error names the plugin, its
    /// `file:line` and suggests real Fluentd (docs/pipeline.md, "What runs").
    public func unrunnableReason() -> ConfigError? {
        let fluentd = "run this configuration on real Fluentd (fwdlab run --agent fluentd)"
        func check(_ output: OutputConfig, at location: ConfigLocation, in match: MatchConfig) -> ConfigError? {
            switch output {
            case .file(let f):
                return ConfigError("output plugin '\(f.kind.rawValue)' in \(match.tagDescription) is not run by the ForwardLab agent (it runs forward, stdout, null, copy and relabel; file only as a <secondary>); \(fluentd)", at: location)
            case .copy(let c):
                for s in c.stores { if let e = check(s.output, at: s.element.location, in: match) { return e } }
                return nil
            default:
                return nil
            }
        }
        for m in matches { if let e = check(m.output, at: m.location, in: m) { return e } }
        return nil
    }
}
