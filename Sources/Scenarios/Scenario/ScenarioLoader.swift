import Agent
import FluentdConfig
import ForwardProtocol
import Foundation
import Simulator
import Yams

/// Reads and validates scenario YAML (schema: docs/scenarios.md). Every error names file:line:column and the
/// field; unknown keys, unknown receivers, step ids and fault kinds are errors.
public enum ScenarioLoader {
    static let topKeys = ["name", "description", "represents", "seed", "time_scale", "status", "pending_reason", "requires", "may_skip",
                          "receivers", "dns", "agent", "load", "timeline", "expectations", "drain", "capture", "baseline", "fidelity",
                          "files"]

    /// Loads `path`; relative `agent.config_file` paths resolve against its directory.
    public static func load(path: String) throws -> Scenario {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ScenarioError(file: path, line: 0, column: 0, field: "(file)", message: "cannot read: \(error.localizedDescription)")
        }
        let base = (path as NSString).deletingLastPathComponent
        return try parse(text, file: path, baseDirectory: base.isEmpty ? "." : base)
    }

    /// Parses scenario text; `file` labels errors.
    public static func parse(_ text: String, file: String = "<scenario>", baseDirectory: String = ".") throws -> Scenario {
        let y = YAMLFields(file: file)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            throw ScenarioError(file: file, line: syntaxLine(e), column: 0, field: "(syntax)", message: "\(e)")
        } catch {
            throw ScenarioError(file: file, line: 0, column: 0, field: "(syntax)", message: "\(error)")
        }
        guard let root else { throw ScenarioError(file: file, line: 1, column: 1, field: "(document)", message: "the file is empty") }
        var top = try y.map(root, "")
        guard let nameNode = top.take("name") else { throw y.error(root, "name", "required") }
        let name = try y.string(nameNode, "name")
        guard !name.isEmpty, name.range(of: "^[A-Za-z0-9._-]+$", options: .regularExpression) != nil else {
            throw y.error(nameNode, "name", "use letters, digits, '.', '_' and '-' only (it names the report directory)")
        }
        guard let agentNode = top.take("agent") else { throw y.error(root, "agent", "required: the agent's Fluentd configuration") }
        var scenario = Scenario(name: name, agent: AgentSpec(configText: "", configSource: file))
        scenario.sourcePath = file
        scenario.sourceText = text
        if let n = top.take("description") { scenario.description = try y.string(n, "description") }
        if let n = top.take("represents") { scenario.represents = try y.string(n, "represents") }
        if let n = top.take("seed") { scenario.seed = UInt64(try y.int(n, "seed", 0 ... Int.max)) }
        let timeScaleNode = top.take("time_scale")
        if let n = timeScaleNode {
            let v = try y.number(n, "time_scale", min: 0)
            guard Scenario.timeScaleRange.contains(v) else {
                throw y.error(n, "time_scale", "must be within \(Scenario.timeScaleRange.lowerBound)…\(Scenario.timeScaleRange.upperBound) (0.25 runs 4× faster; see docs/scenarios.md)")
            }
            scenario.timeScale = v
        }
        let statusNode = top.take("status")
        let reasonNode = top.take("pending_reason")
        if let statusNode {
            switch try y.string(statusNode, "status") {
            case "ready": scenario.status = .ready
            case "pending":
                guard let reasonNode else { throw y.error(statusNode, "pending_reason", "required when status is pending") }
                scenario.status = .pending(reason: try y.string(reasonNode, "pending_reason"))
            case let other: throw y.error(statusNode, "status", "expected ready or pending (got '\(other)')")
            }
        }
        if let n = top.take("requires") {
            for (i, item) in try y.list(n, "requires").enumerated() {
                let text = try y.string(item, "requires[\(i)]")
                guard let r = ScenarioRequirement(rawValue: text) else {
                    throw y.error(item, "requires[\(i)]", "unknown requirement '\(text)' (expected \(ScenarioRequirement.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                scenario.requires.append(r)
            }
        }
        if let n = top.take("may_skip") {
            var m = try y.map(n, "may_skip")
            for cause in ExpectationResult.SkipCause.allCases where cause != .other {
                if let v = m.take(cause.rawValue) { scenario.maySkip[cause] = try y.string(v, "may_skip.\(cause.rawValue)") }
            }
            try m.rejectUnknown(y, allowed: ["capture", "agent_events"])
        }
        if let n = top.take("drain") { scenario.drain = try y.duration(n, "drain") }
        if let n = top.take("capture") { scenario.capture = try y.bool(n, "capture") }
        guard let receiversNode = top.take("receivers") else { throw y.error(root, "receivers", "required: a list of receivers") }
        for (i, item) in try y.list(receiversNode, "receivers").enumerated() {
            let r = try receiver(item, "receivers[\(i)]", y)
            guard scenario.receiver(named: r.name) == nil else { throw y.error(item, "receivers[\(i)].name", "duplicate receiver '\(r.name)'") }
            scenario.receivers.append(r)
        }
        guard !scenario.receivers.isEmpty else { throw y.error(receiversNode, "receivers", "at least one receiver is required") }
        if let n = top.take("dns") {
            for (i, item) in try y.list(n, "dns").enumerated() { scenario.dns.append(try dnsRecord(item, "dns[\(i)]", y, scenario)) }
        }
        if let n = top.take("files") {
            for (i, item) in try y.list(n, "files").enumerated() {
                let f = try scenarioFile(item, "files[\(i)]", y)
                guard !scenario.files.contains(where: { $0.name == f.name }) else { throw y.error(item, "files[\(i)].name", "duplicate file '\(f.name)'") }
                scenario.files.append(f)
            }
        }
        if let n = top.take("load") { scenario.load = try load(n, y) }
        if let n = top.take("timeline") {
            var ids = Set<String>()
            for (i, item) in try y.list(n, "timeline").enumerated() {
                let step = try step(item, i, y, scenario)
                guard ids.insert(step.id).inserted else { throw y.error(item, "timeline[\(i)].id", "duplicate step id '\(step.id)'") }
                scenario.timeline.append(step)
            }
        }
        if let n = top.take("fidelity") { scenario.fidelity = try fidelity(n, y) }
        let baselineNode = top.take("baseline")
        if let n = baselineNode { scenario.baseline = try baseline(n, y, baseDirectory: baseDirectory) }
        if let n = top.take("expectations") {
            let ids = Set(scenario.timeline.map(\.id))
            for (i, item) in try y.list(n, "expectations").enumerated() {
                scenario.expectations.append(try expectation(item, "expectations[\(i)]", y, scenario, ids))
            }
        }
        try top.rejectUnknown(y, allowed: topKeys)
        if let n = timeScaleNode, let problem = scenario.timeScaleProblem(scenario.timeScale) {
            throw y.error(n, "time_scale", problem)
        }
        scenario.agent = try agent(agentNode, y, baseDirectory: baseDirectory, scenario: scenario)
        if let n = baselineNode, let b = scenario.baseline {
            // The baseline's parameters must make a valid configuration too.
            var spec = scenario.agent
            spec.overrides.merge(b.overrides) { _, new in new }
            do {
                _ = try AgentConfiguration.parse(text: try ConfigTemplate.render(spec, context: .standIn(for: scenario)), file: spec.configSource)
            } catch {
                throw y.error(n, "baseline.set", "invalid with these parameters: \(ConfigTemplate.relocate("\(error)", spec))")
            }
        }
        return scenario
    }

    // MARK: Sections

    static func receiver(_ node: Node, _ field: String, _ y: YAMLFields) throws -> ReceiverSpec {
        if case .scalar = node {
            return ReceiverSpec(name: try receiverName(node, field, y))
        }
        var m = try y.map(node, field)
        guard let n = m.take("name") else { throw y.error(node, "\(field).name", "required") }
        var r = ReceiverSpec(name: try receiverName(n, "\(field).name", y))
        if let v = m.take("bind") {
            r.bind = try y.string(v, "\(field).bind")
            guard r.bind.hasPrefix("127."), IPv4Check.isIPv4(r.bind) else { throw y.error(v, "\(field).bind", "must be a 127.0.0.0/8 address") }
        }
        if let v = m.take("weight") { r.weight = try y.int(v, "\(field).weight", 0 ... 1000) }
        if let v = m.take("standby") { r.standby = try y.bool(v, "\(field).standby") }
        if let v = m.take("tls") { r.tls = try y.bool(v, "\(field).tls") }
        if let v = m.take("shared_key") { r.sharedKey = try y.string(v, "\(field).shared_key") }
        if let v = m.take("udp_heartbeat") { r.udpHeartbeat = try y.bool(v, "\(field).udp_heartbeat") }
        if let v = m.take("starts") { r.startsUp = try y.bool(v, "\(field).starts") }
        if let v = m.take("fluentd_version") {
            let text = try y.string(v, "\(field).fluentd_version")
            guard let profile = FluentdReleaseProfile(name: text) else { throw y.error(v, "\(field).fluentd_version", FluentdReleaseProfile.invalidNameMessage(text)) }
            r.fluentdVersion = profile
        }
        if let v = m.take("faults") {
            for (i, f) in try y.list(v, "\(field).faults").enumerated() {
                r.faults.append(try faultSpec(f, "\(field).faults[\(i)]", y))
            }
        }
        try m.rejectUnknown(y, allowed: ["name", "bind", "weight", "standby", "tls", "shared_key", "udp_heartbeat", "starts", "faults", "fluentd_version"])
        return r
    }

    static func receiverName(_ node: Node, _ field: String, _ y: YAMLFields) throws -> String {
        let name = try y.string(node, field)
        guard name.range(of: "^[A-Za-z][A-Za-z0-9_-]*$", options: .regularExpression) != nil, name != "all" else {
            throw y.error(node, field, "receiver names start with a letter and use letters, digits, '_' and '-' (not 'all')")
        }
        return name
    }


    /// A fault as YAML: the simulator's one reader (`TopologyLoader.faultSpec`), so a fault reads the same in a
    /// topology, in a receiver's `faults:` and in an `apply:` step; its errors keep the scenario's file and line.
    static func faultSpec(_ node: Node, _ field: String, _ y: YAMLFields, callerKeys: Set<String> = []) throws -> FaultSpec {
        do {
            return try TopologyLoader.faultSpec(node, field: field, file: y.file, callerKeys: callerKeys)
        } catch let e as TopologyError {
            throw ScenarioError(file: e.file, line: e.line, column: e.column, field: e.field, message: e.message)
        }
    }

    static func dnsRecord(_ node: Node, _ field: String, _ y: YAMLFields, _ s: Scenario) throws -> ScenarioDNSRecord {
        var m = try y.map(node, field)
        guard let n = m.take("name") else { throw y.error(node, "\(field).name", "required") }
        let name = try y.string(n, "\(field).name")
        guard (try? DNSName(parsing: name)) != nil else { throw y.error(n, "\(field).name", "not a valid DNS name") }
        var r = ScenarioDNSRecord(name: name, addresses: [])
        if let v = m.take("addresses") { r.addresses = try addresses(v, "\(field).addresses", y, s) }
        if let v = m.take("ttl") { r.ttl = UInt32(try y.int(v, "\(field).ttl", 0 ... 86400)) }
        if let v = m.take("behaviour") { r.behaviour = try behaviour(v, "\(field).behaviour", y) }
        if let v = m.take("srv") { r.srv = try srvRecords(v, "\(field).srv", y, s) }
        try m.rejectUnknown(y, allowed: ["name", "addresses", "ttl", "behaviour", "srv"])
        return r
    }

    /// `[{priority, weight, port: RECEIVER|NUMBER, target: NAME}]`.
    static func srvRecords(_ node: Node, _ field: String, _ y: YAMLFields, _ s: Scenario) throws -> [ScenarioSRVRecord] {
        try y.list(node, field).enumerated().map { i, item in
            let f = "\(field)[\(i)]"
            var m = try y.map(item, f)
            guard let pn = m.take("port") else { throw y.error(item, "\(f).port", "required: a receiver name or a port number") }
            let port = try y.string(pn, "\(f).port")
            guard s.receiver(named: port) != nil || (Int(port).map { (0...65535).contains($0) } ?? false) else {
                throw y.error(pn, "\(f).port", "'\(port)' is neither a receiver name nor a port number")
            }
            guard let tn = m.take("target") else { throw y.error(item, "\(f).target", "required: the host name the record points at") }
            let target = try y.string(tn, "\(f).target")
            guard (try? DNSName(parsing: target)) != nil else { throw y.error(tn, "\(f).target", "not a valid DNS name") }
            var r = ScenarioSRVRecord(port: port, target: target)
            if let v = m.take("priority") { r.priority = try y.int(v, "\(f).priority", 0 ... 65535) }
            if let v = m.take("weight") { r.weight = try y.int(v, "\(f).weight", 0 ... 65535) }
            try m.rejectUnknown(y, allowed: ["priority", "weight", "port", "target"])
            return r
        }
    }

    static func addresses(_ node: Node, _ field: String, _ y: YAMLFields, _ s: Scenario) throws -> [String] {
        try y.list(node, field).enumerated().map { i, item in
            let a = try y.string(item, "\(field)[\(i)]")
            guard s.receiver(named: a) != nil || IPv4Check.isIPv4(a) else {
                throw y.error(item, "\(field)[\(i)]", "'\(a)' is neither a receiver name nor an IPv4 address")
            }
            return a
        }
    }

    static func behaviour(_ node: Node, _ field: String, _ y: YAMLFields) throws -> String {
        let b = try y.string(node, field)
        guard DNSNameBehaviour(rawValue: b) != nil else {
            throw y.error(node, field, "expected one of: \(DNSNameBehaviour.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return b
    }

    static func load(_ node: Node, _ y: YAMLFields) throws -> LoadSpec {
        var m = try y.map(node, "load")
        var l = LoadSpec()
        if let v = m.take("rate") { l.rate = try y.number(v, "load.rate", min: 0, max: 100_000) }
        if let v = m.take("record_size") { l.recordSize = try y.int(v, "load.record_size", 0 ... 1_000_000) }
        if let v = m.take("start") { l.start = try y.duration(v, "load.start") }
        if let v = m.take("duration") { l.duration = try y.duration(v, "load.duration") }
        if let v = m.take("sequence_field") { l.sequenceField = try y.string(v, "load.sequence_field") }
        if let v = m.take("tag") { l.tag = try y.string(v, "load.tag") }
        if let v = m.take("sender") {
            let name = try y.string(v, "load.sender")
            guard let sender = LoadSender(rawValue: name) else { throw y.error(v, "load.sender", "unknown sender '\(name)' (senders: \(LoadSender.names))") }
            l.sender = sender
        }
        try m.rejectUnknown(y, allowed: ["rate", "record_size", "start", "duration", "sequence_field", "tag", "sender"])
        return l
    }

    static func step(_ node: Node, _ index: Int, _ y: YAMLFields, _ s: Scenario) throws -> TimelineStep {
        let field = "timeline[\(index)]"
        var m = try y.map(node, field)
        guard let atNode = m.take("at") else { throw y.error(node, "\(field).at", "required") }
        var at: Double, upper: Double?
        if case let .scalar(sc) = atNode, sc.string.contains("..") {
            let parts = sc.string.components(separatedBy: "..")
            guard parts.count == 2, let lo = DurationText.seconds(parts[0]), let hi = DurationText.seconds(parts[1]), lo <= hi else {
                throw y.error(atNode, "\(field).at", "expected a time (3s) or a range (2s..4s) drawn with the seed; "
                                  + DurationText.problem(parts.first { DurationText.seconds($0) == nil } ?? sc.string))
            }
            at = lo
            upper = hi
        } else {
            at = try y.duration(atNode, "\(field).at")
        }
        let id = try m.take("id").map { try y.string($0, "\(field).id") } ?? "step\(index)"
        let actionKeys = ["apply", "remove", "crash", "restart", "pause", "resume", "dns", "partition", "heal", "agent", "rpc", "mark", "file"]
        let present = m.keys.filter { actionKeys.contains($0) }
        guard present.count == 1, let key = present.first, let v = m.take(key) else {
            throw y.error(node, field, "needs exactly one action (one of: \(actionKeys.joined(separator: ", ")))")
        }
        let af = "\(field).\(key)"
        func receiverRef(_ n: Node) throws -> String {
            let r = try y.string(n, af)
            guard s.receiver(named: r) != nil else { throw y.error(n, af, "no receiver named '\(r)'") }
            return r
        }
        let action: ScenarioAction
        switch key {
        case "apply":
            var fm = try y.map(v, af)
            guard let rn = fm.take("receiver") else { throw y.error(v, "\(af).receiver", "required") }
            let r = try receiverRef(rn)
            action = .applyFault(receiver: r, spec: try faultSpec(v, af, y, callerKeys: ["receiver"]))
        case "remove":
            var fm = try y.map(v, af)
            guard let rn = fm.take("receiver") else { throw y.error(v, "\(af).receiver", "required") }
            guard let fn = fm.take("fault") else { throw y.error(v, "\(af).fault", "required: the fault's name") }
            let r = try receiverRef(rn)
            let f = try y.string(fn, "\(af).fault")
            let earlier = s.timeline.contains { if case let .applyFault(rr, sp) = $0.action { rr == r && sp.name == f } else { false } }
                || (s.receiver(named: r)?.faults.contains { $0.name == f } ?? false)
            guard earlier else { throw y.error(fn, "\(af).fault", "no earlier fault named '\(f)' on \(r)") }
            try fm.rejectUnknown(y, allowed: ["receiver", "fault"])
            action = .removeFault(receiver: r, fault: f)
        case "crash": action = .crash(receiver: try receiverRef(v))
        case "restart": action = .restart(receiver: try receiverRef(v))
        case "pause": action = .pause(receiver: try receiverRef(v))
        case "resume": action = .resume(receiver: try receiverRef(v))
        case "partition": action = .partition(receiver: try receiverRef(v))
        case "heal": action = .heal(receiver: try receiverRef(v))
        case "dns":
            var dm = try y.map(v, af)
            guard let nn = dm.take("name") else { throw y.error(v, "\(af).name", "required") }
            let name = try y.string(nn, "\(af).name")
            guard s.dns.contains(where: { $0.name == name }) else { throw y.error(nn, "\(af).name", "not declared under dns:") }
            var c = ScenarioDNSChange(name: name)
            if let a = dm.take("addresses") { c.addresses = try addresses(a, "\(af).addresses", y, s) }
            if let t = dm.take("ttl") { c.ttl = UInt32(try y.int(t, "\(af).ttl", 0 ... 86400)) }
            if let b = dm.take("behaviour") { c.behaviour = try behaviour(b, "\(af).behaviour", y) }
            if let v = dm.take("srv") { c.srv = try srvRecords(v, "\(af).srv", y, s) }
            try dm.rejectUnknown(y, allowed: ["name", "addresses", "ttl", "behaviour", "srv"])
            action = .dns(c)
        case "agent":
            switch try y.string(v, af) {
            case "kill": action = .killAgent
            case "stop": action = .stopAgent
            case "restart": action = .restartAgent
            case let o: throw y.error(v, af, "expected kill, stop or restart (got '\(o)')")
            }
        case "mark":
            action = .mark(try y.string(v, af))
        case "file":
            action = .writeFile(try scenarioFile(v, af, y))
        default:
            let method = try y.string(v, af)
            guard ["flush", "reload"].contains(method) else { throw y.error(v, af, "expected flush or reload (got '\(method)')") }
            action = .rpc(method)
        }
        try m.rejectUnknown(y, allowed: ["at", "id"] + actionKeys)
        return TimelineStep(id: id, at: at, atUpper: upper, action: action, line: node.mark?.line ?? 0)
    }

    static func expectation(_ node: Node, _ field: String, _ y: YAMLFields, _ s: Scenario, _ ids: Set<String>) throws -> ExpectationSpec {
        let line = node.mark?.line ?? 0
        if case let .scalar(sc) = node {
            switch sc.string {
            case "no_loss": return ExpectationSpec(kind: .noLoss, line: line)
            case "wire_chunks_acked_once": return ExpectationSpec(kind: .wireChunksAckedOnce, line: line)
            default: throw y.error(node, field, "unknown expectation '\(sc.string)' (see docs/scenarios.md)")
            }
        }
        let outer = try y.map(node, field)
        guard outer.keys.count == 1, let key = outer.keys.first else { throw y.error(node, field, "one expectation per list item") }
        var o = outer
        let v = o.take(key)!
        let f = "\(field).\(key)"
        if case .scalar = v, ["no_loss", "wire_chunks_acked_once"].contains(key) {
            guard try y.bool(v, f) else { throw y.error(v, f, "write the expectation or leave it out; false is not meaningful") }
            return ExpectationSpec(kind: key == "no_loss" ? .noLoss : .wireChunksAckedOnce, line: line)
        }
        var m = try y.map(v, f)
        func nodeRef(_ k: String) throws -> String {
            guard let n = m.take(k) else { throw y.error(v, "\(f).\(k)", "required") }
            let r = try y.string(n, "\(f).\(k)")
            guard s.receiver(named: r) != nil else { throw y.error(n, "\(f).\(k)", "no receiver named '\(r)'") }
            return r
        }
        func optNode(_ k: String) throws -> String? { m.keys.contains(k) ? try nodeRef(k) : nil }
        func after() throws -> String? {
            guard let n = m.take("after") else { return nil }
            let id = try y.string(n, "\(f).after")
            guard ids.contains(id) else { throw y.error(n, "\(f).after", "no timeline step with id '\(id)' (ids: \(ids.sorted().joined(separator: ", ")))") }
            return id
        }
        func dur(_ k: String) throws -> Double {
            guard let n = m.take(k) else { throw y.error(v, "\(f).\(k)", "required") }
            return try y.duration(n, "\(f).\(k)")
        }
        func optDur(_ k: String) throws -> Double? { try m.take(k).map { try y.duration($0, "\(f).\(k)") } }
        func num(_ k: String, _ lo: Double, _ hi: Double) throws -> Double {
            guard let n = m.take(k) else { throw y.error(v, "\(f).\(k)", "required") }
            return try y.number(n, "\(f).\(k)", min: lo, max: hi)
        }
        func int(_ k: String, default d: Int? = nil) throws -> Int {
            guard let n = m.take(k) else {
                if let d { return d }
                throw y.error(v, "\(f).\(k)", "required")
            }
            return try y.int(n, "\(f).\(k)", 0 ... Int.max)
        }
        func str(_ k: String) throws -> String {
            guard let n = m.take(k) else { throw y.error(v, "\(f).\(k)", "required") }
            return try y.string(n, "\(f).\(k)")
        }
        func eventKind(_ k: String) throws -> AgentEventKind {
            guard let n = m.take(k) else { throw y.error(v, "\(f).\(k)", "required: an agent event (\(AgentEventKind.names))") }
            let name = try y.string(n, "\(f).\(k)")
            // A misspelt name would make `no_agent_event` pass whatever the agent does.
            guard let kind = AgentEventKind(rawValue: name) else {
                throw y.error(n, "\(f).\(k)", "unknown agent event '\(name)' (events: \(AgentEventKind.names))")
            }
            return kind
        }
        let kind: ExpectationKind
        var allowed: [String]
        switch key {
        case "duplicates":
            kind = .duplicates(max: try int("max")); allowed = ["max"]
        case "detach", "disabled":
            let n = try nodeRef("node"), a = try after()
            guard let w = m.take("within") else { throw y.error(v, "\(f).within", "required: [low, high], or predicted (detach)") }
            var predicted = false
            var (lo, hi) = (0.0, 0.0)
            if case let .scalar(sc) = w, sc.string == "predicted" {
                guard key == "detach" else { throw y.error(w, "\(f).within", "predicted is for detach (the detector's timing)") }
                predicted = true
            } else {
                (lo, hi) = try y.durationRange(w, "\(f).within")
            }
            let cause = try m.take("cause").map { try y.string($0, "\(f).cause") }
            let causes = key == "detach" ? detachCauses : disableCauses
            if let cause, !causes.contains(cause) {
                if (detachCauses + disableCauses).contains(cause) {
                    let other = key == "detach" ? "disabled" : "detach"
                    throw y.error(v, "\(f).cause", "the agent reports '\(cause)' as \(other == "detach" ? "a detach" : "disabling the node"); write `\(other):` instead")
                }
                throw y.error(v, "\(f).cause", "unknown cause '\(cause)' (expected one of: \(causes.joined(separator: ", ")))")
            }
            var since = LeavingOrigin.step
            if let sn = m.take("since") {
                let text = try y.string(sn, "\(f).since")
                guard let o = LeavingOrigin(rawValue: text) else {
                    throw y.error(sn, "\(f).since", "expected step, last_arrival or first_arrival (got '\(text)')")
                }
                since = o
            }
            if predicted, since != .lastArrival {
                throw y.error(w, "\(f).within", "predicted is timed from the detector's origin: add since: last_arrival")
            }
            kind = key == "detach" ? .detach(node: n, after: a, low: lo, high: hi, cause: cause, since: since, predicted: predicted)
                : .disabled(node: n, after: a, low: lo, high: hi, cause: cause, since: since)
            allowed = ["node", "after", "within", "cause", "since"]
        case "no_detach":
            kind = .noDetach(node: try nodeRef("node")); allowed = ["node"]
        case "first_delivery", "resume":
            kind = .firstDelivery(node: try nodeRef("node"), after: try after(), within: try dur("within")); allowed = ["node", "after", "within"]
        case "recover":
            let n = try nodeRef("node"), a = try after()
            guard let w = m.take("within") else { throw y.error(v, "\(f).within", "required: a duration or [earliest, latest]") }
            if case .sequence = w {
                let (lo, hi) = try y.durationRange(w, "\(f).within")
                kind = .recover(node: n, after: a, within: hi, earliest: lo)
            } else {
                kind = .recover(node: n, after: a, within: try y.duration(w, "\(f).within"))
            }
            allowed = ["node", "after", "within"]
        case "traffic_share":
            kind = .trafficShare(node: try nodeRef("node"), percent: try num("percent", 0, 100), tolerance: try num("tolerance", 0, 100),
                                 from: try optDur("from"), to: try optDur("to"))
            allowed = ["node", "percent", "tolerance", "from", "to"]
        case "heartbeat_cadence":
            let n = try nodeRef("node"), i = try dur("interval")
            let t = try m.take("tolerance").map { try y.number($0, "\(f).tolerance", min: 0, max: 100) } ?? 0.5
            let only = try m.take("only_heartbeats").map { try y.bool($0, "\(f).only_heartbeats") } ?? false
            kind = .heartbeatCadence(node: n, interval: i, tolerance: t, onlyHeartbeats: only); allowed = ["node", "interval", "tolerance", "only_heartbeats"]
        case "flaps":
            kind = .flaps(node: try optNode("node"), maxPerHour: try num("max_per_hour", 0, 1e9)); allowed = ["node", "max_per_hour"]
        case "no_resend_storm":
            kind = .noResendStorm(maxSends: try int("max_sends", default: 2)); allowed = ["max_sends"]
        case "agent_event":
            let before: String? = try m.take("before").map { n in
                let id = try y.string(n, "\(f).before")
                guard ids.contains(id) else { throw y.error(n, "\(f).before", "no timeline step with id '\(id)' (ids: \(ids.sorted().joined(separator: ", ")))") }
                return id
            }
            kind = .agentEvent(event: try eventKind("event"), node: try optNode("node"), min: try int("min", default: 1), after: try after(),
                               before: before)
            allowed = ["event", "node", "min", "after", "before"]
        case "step_completes":
            guard let n = m.take("step") else { throw y.error(v, "\(f).step", "required: a timeline step id") }
            let id = try y.string(n, "\(f).step")
            guard ids.contains(id) else { throw y.error(n, "\(f).step", "no timeline step with id '\(id)' (ids: \(ids.sorted().joined(separator: ", ")))") }
            let result = try m.take("result").map { try y.string($0, "\(f).result") }
            kind = .stepCompletes(step: id, within: try dur("within"), result: result); allowed = ["step", "within", "result"]
        case "no_agent_event":
            kind = .noAgentEvent(event: try eventKind("event"), node: try optNode("node")); allowed = ["event", "node"]
        case "log_contains":
            kind = .logContains(text: try str("text")); allowed = ["text"]
        case "accepted", "lost":
            // At least one bound: accepted max_percent 0 says every offer was refused (a sender the input cannot
            // read); lost min_percent 100 pins a known silent loss.
            guard m.keys.contains("min_percent") || m.keys.contains("max_percent") else { throw y.error(v, f, "needs min_percent, max_percent or both") }
            let lo = m.keys.contains("min_percent") ? try num("min_percent", 0, 100) / 100 : 0
            let hi = m.keys.contains("max_percent") ? try num("max_percent", 0, 100) / 100 : 1
            guard lo <= hi else { throw y.error(v, f, "min_percent is above max_percent") }
            kind = key == "accepted" ? .accepted(minFraction: lo, maxFraction: hi) : .lost(minFraction: lo, maxFraction: hi)
            allowed = ["min_percent", "max_percent"]
        case "secondary":
            kind = .secondary(min: try int("min", default: 1)); allowed = ["min"]
        case "wire_no_data_after_detach":
            kind = .wireNoDataAfterDetach(node: try nodeRef("node"), grace: try optDur("grace") ?? 1); allowed = ["node", "grace"]
        case "wire_syns_per_request":
            kind = .wireSynsPerRequest(node: try nodeRef("node"), max: try num("max", 0, 1e9)); allowed = ["node", "max"]
        case "wire_failover_gap":
            kind = .wireFailoverGap(max: try dur("max")); allowed = ["max"]
        case "matches_baseline", "differs_from_baseline":
            guard s.baseline != nil else { throw y.error(v, f, "needs a top-level 'baseline:' (the build to compare with)") }
            let n = try optNode("node"), t = try optDur("tolerance") ?? 1
            kind = key == "matches_baseline" ? .matchesBaseline(node: n, tolerance: t) : .differsFromBaseline(node: n, tolerance: t)
            allowed = ["node", "tolerance"]
        case "wire_failover_agrees":
            kind = .wireFailoverAgrees(node: try nodeRef("node"), to: try optNode("to"), tolerance: try optDur("tolerance") ?? 0.02)
            allowed = ["node", "to", "tolerance"]
        default:
            throw y.error(node, f, "unknown expectation '\(key)' (see docs/scenarios.md)")
        }
        try m.rejectUnknown(y, allowed: allowed)
        return ExpectationSpec(kind: kind, line: line)
    }

    static func baseline(_ node: Node, _ y: YAMLFields, baseDirectory: String) throws -> BaselineSpec {
        var m = try y.map(node, "baseline")
        guard let l = m.take("label") else { throw y.error(node, "baseline.label", "required: names the other build in reports") }
        var b = BaselineSpec(label: try y.string(l, "baseline.label"))
        if let o = m.take("set") {
            let om = try y.map(o, "baseline.set")
            for key in om.keys {
                var copy = om
                if let v = copy.take(key) { b.overrides[key] = try y.string(v, "baseline.set.\(key)") }
            }
        }
        if let e = m.take("executable") {
            let given = try y.string(e, "baseline.executable")
            let path = given.hasPrefix("/") ? given : (baseDirectory as NSString).appendingPathComponent(given)
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw y.error(e, "baseline.executable", "\(path) is not an executable file (a fwdlab build to compare with)")
            }
            b.executable = (path as NSString).standardizingPath
        }
        if let a = m.take("agent") {
            let given = try y.string(a, "baseline.agent")
            guard given == "fluentd" || given.hasPrefix("fluentd:") || given.hasPrefix("fluentd=") else {
                throw y.error(a, "baseline.agent", "expected fluentd, fluentd:VERSION or fluentd=PATH (got '\(given)')")
            }
            guard b.executable == nil else { throw y.error(a, "baseline.agent", "give either agent or executable, not both") }
            b.agent = given
        }
        try m.rejectUnknown(y, allowed: ["label", "set", "executable", "agent"])
        return b
    }

    /// `fidelity: {decision: …, known_divergence: …}` or a list of such entries.
    static func fidelity(_ node: Node, _ y: YAMLFields) throws -> FidelitySpec {
        let items: [Node]
        if case .sequence = node { items = try y.list(node, "fidelity") } else { items = [node] }
        var spec = FidelitySpec()
        for (i, item) in items.enumerated() {
            let field = items.count == 1 ? "fidelity" : "fidelity[\(i)]"
            var m = try y.map(item, field)
            guard let d = m.take("decision") else {
                throw y.error(item, "\(field).decision", "required: the decision key (e.g. 'r1 detached', 'agent chunk_retry')")
            }
            guard let k = m.take("known_divergence") else {
                throw y.error(item, "\(field).known_divergence", "required: why the agent diverges from Fluentd here, with its measured size")
            }
            let decision = try y.string(d, "\(field).decision")
            guard !decision.isEmpty else { throw y.error(d, "\(field).decision", "must not be empty") }
            spec.knownDivergences.append(FidelitySpec.KnownDivergence(
                decision: decision, reason: try y.string(k, "\(field).known_divergence"), line: (item.mark?.line ?? 0)))
            try m.rejectUnknown(y, allowed: ["decision", "known_divergence"])
        }
        return spec
    }

    /// Causes of `detached` (the detector, hard_timeout) and of `disabled` (everything else that takes a node out).
    static let detachCauses = ["phi", "hard_timeout"]
    static let disableCauses = ["ack_timeout", "peer_closed_before_ack", "handshake_failed", "dns_failure"]

    static func agent(_ node: Node, _ y: YAMLFields, baseDirectory: String, scenario: Scenario) throws -> AgentSpec {
        var m = try y.map(node, "agent")
        let inline = m.take("config"), fileNode = m.take("config_file")
        var spec: AgentSpec
        switch (inline, fileNode) {
        case let (c?, nil):
            spec = AgentSpec(configText: try y.string(c, "agent.config"), configSource: y.file,
                             configLineOffset: (c.mark?.line ?? 0))
        case let (nil, p?):
            let rel = try y.string(p, "agent.config_file")
            let path = rel.hasPrefix("/") ? rel : (baseDirectory as NSString).appendingPathComponent(rel)
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw y.error(p, "agent.config_file", "cannot read \(path)") }
            spec = AgentSpec(configText: text, configSource: path)
        default:
            throw y.error(node, "agent", "give exactly one of config (inline) or config_file")
        }
        if let o = m.take("set") {
            let om = try y.map(o, "agent.set")
            for key in om.keys {
                var copy = om
                if let v = copy.take(key) { spec.overrides[key] = try y.string(v, "agent.set.\(key)") }
            }
        }
        try m.rejectUnknown(y, allowed: ["config", "config_file", "set"])
        // Validate now with stand-in addresses so a typo fails at load time, not mid-run. The `files:` are written
        // to a stand-in directory first: the configuration may read them (a service-discovery list).
        var context = PlaceholderContext.standIn(for: scenario)
        var standInDirectory: String?
        defer { if let d = standInDirectory { try? FileManager.default.removeItem(atPath: d) } }
        do {
            if !scenario.files.isEmpty {
                let d = NSTemporaryDirectory() + "fwdlab-standin-\(getpid())-\(UInt64.random(in: 0 ... .max))"
                try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
                standInDirectory = d
                context.workdir = d
                for f in scenario.files { try f.write(into: d, context: context) }
            }
            let text = try ConfigTemplate.render(spec, context: context)
            let parsed = try AgentConfiguration.parse(text: text, file: spec.configSource)
            spec.fluentdVersion = parsed.system.fluentdVersion
            spec.namesFluentdVersion = parsed.effectiveSettings.contains { $0.name == "fwdlab_fluentd_version" && !$0.isDefault }
        } catch let e as ConfigTemplateError {
            throw y.error(inline ?? fileNode, inline != nil ? "agent.config" : "agent.config_file", e.description)
        } catch {
            let field = inline != nil ? "agent.config" : "agent.config_file"
            throw y.error(inline ?? fileNode, field, "invalid Fluentd configuration: \(ConfigTemplate.relocate("\(error)", spec))")
        }
        return spec
    }

    /// `{name: NAME, content: TEXT}` (a `files:` entry or a `file:` step).
    static func scenarioFile(_ node: Node, _ field: String, _ y: YAMLFields) throws -> ScenarioFile {
        var m = try y.map(node, field)
        guard let nn = m.take("name") else { throw y.error(node, "\(field).name", "required: a file name in the run's working directory") }
        let name = try y.string(nn, "\(field).name")
        if let problem = ScenarioFile.nameProblem(name) { throw y.error(nn, "\(field).name", problem) }
        guard let cn = m.take("content") else { throw y.error(node, "\(field).content", "required: the file's text") }
        let content = try y.string(cn, "\(field).content")
        try m.rejectUnknown(y, allowed: ["name", "content"])
        return ScenarioFile(name: name, content: content)
    }

    static func syntaxLine(_ e: YamlError) -> Int {
        let text = "\(e)"
        if let r = text.range(of: #"line (\d+)"#, options: .regularExpression) {
            return Int(text[r].dropFirst(5)) ?? 0
        }
        if let r = text.range(of: #":(\d+):"#, options: .regularExpression) {
            return Int(text[r].dropFirst().dropLast()) ?? 0
        }
        return 0
    }
}

/// Dotted-quad check without Foundation's resolver.
enum IPv4Check {
    static func isIPv4(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { p in p.count <= 3 && Int(p).map { (0 ... 255).contains($0) } ?? false }
    }
}
