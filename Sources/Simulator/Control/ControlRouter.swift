import Foundation

/// The control API's routes (Toxiproxy-shaped), independent of the HTTP transport:
///
/// | Method | Path | |
/// |---|---|---|
/// | GET | /receivers, /receivers/{name} | status, stats, ledger counters, faults |
/// | GET | /receivers/{name}/faults[/{fault}] | installed faults |
/// | POST | /receivers/{name\|all}/faults | install (`FaultSpec` JSON) |
/// | POST | /receivers/{name\|all}/faults/{fault} | update (params, probability, enabled, start_after, duration) |
/// | DELETE | /receivers/{name\|all}/faults/{fault} | remove |
/// | POST | /receivers/{name\|all}/crash, restart, pause, resume | lifecycle (`restart_after` / `duration`) |
/// | GET | /receivers/{name}/ledger?since=N&limit=M | accepted events |
/// | GET | /faults | the catalogue; /faults/log?since=N&limit=M; /faults/counters |
/// | POST | /reset | remove every fault, restore every receiver |
/// | GET | /metrics | every receiver's counters and the fault counts in Prometheus' text format |
public struct ControlRouter: Sendable {
    public let controller: SimulationController

    public init(controller: SimulationController) { self.controller = controller }

    /// Answers one request; never throws (bad input → 400, unknown names → 404).
    public func handle(method: String, uri: String, body: Data) async -> ControlResponse {
        let (path, query) = Self.split(uri)
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map { String($0).removingPercentEncoding ?? String($0) }
        do {
            switch (method, parts.count) {
            case ("GET", 1) where parts[0] == "receivers":
                return .json(await controller.statuses())
            case ("GET", 2) where parts[0] == "receivers":
                return .json(try await controller.status(of: parts[1]))
            case ("GET", 3) where parts[0] == "receivers" && parts[2] == "faults":
                return .json(try await controller.faults(of: parts[1]))
            case ("POST", 3) where parts[0] == "receivers" && parts[2] == "faults":
                let spec = try Self.decodeSpec(body)
                return .json(try await controller.addFault(spec, to: FaultTarget(parts[1])), status: 201)
            case ("GET", 4) where parts[0] == "receivers" && parts[2] == "faults":
                return .json(try await controller.fault(parts[3], of: parts[1]))
            case ("POST", 4) where parts[0] == "receivers" && parts[2] == "faults":
                return .json(try await controller.updateFault(parts[3], on: FaultTarget(parts[1]), try Self.decodeUpdate(body)))
            case ("DELETE", 4) where parts[0] == "receivers" && parts[2] == "faults":
                return .json(try await controller.removeFault(parts[3], from: FaultTarget(parts[1])))
            case ("POST", 3) where parts[0] == "receivers" && ["crash", "restart", "pause", "resume"].contains(parts[2]):
                return try await lifecycle(parts[2], target: FaultTarget(parts[1]), body: body)
            case ("GET", 3) where parts[0] == "receivers" && parts[2] == "ledger":
                return try await ledger(parts[1], query: query)
            case ("GET", 1) where parts[0] == "faults":
                struct Kind: Encodable { var kind: String; var summary: String }
                return .json(FaultCatalogue.types.map { Kind(kind: $0.kind, summary: $0.summary) })
            case ("GET", 2) where parts[0] == "faults" && parts[1] == "log":
                struct Log: Encodable { var next: Int; var entries: [FaultLogEntry] }
                let since = try Self.int(query, "since", default: 0)
                let limit = try Self.int(query, "limit", default: 10_000)
                let entries = controller.faultLogEntries(since: since, limit: limit)
                return .json(Log(next: entries.last.map { $0.index + 1 } ?? max(since, 0), entries: entries))
            case ("GET", 2) where parts[0] == "faults" && parts[1] == "counters":
                return .json(controller.faultCounters())
            case ("GET", 1) where parts[0] == "metrics":
                let text = ReceiverMetrics.exposition(statuses: await controller.statuses(), faultCounts: controller.faultCounters())
                return ControlResponse(status: 200, body: Data(text.utf8), contentType: "text/plain; version=0.0.4")
            case ("POST", 1) where parts[0] == "reset":
                await controller.reset(clearLog: query["clear_log"] == "true")
                return .json(await controller.statuses())
            case (_, _) where ["GET", "POST", "DELETE"].contains(method):
                return .error(404, "no route for \(method) \(path)")
            default:
                return .error(405, "method \(method) not allowed")
            }
        } catch let e as FaultError {
            switch e {
            case .noSuchFault, .noSuchReceiver: return .error(404, e.description)
            case .duplicateName: return .error(409, e.description)
            default: return .error(400, e.description)
            }
        } catch let e as ControlRequestError {
            return .error(400, e.message)
        } catch {
            return .error(500, "\(error)")
        }
    }

    private func lifecycle(_ action: String, target: FaultTarget, body: Data) async throws -> ControlResponse {
        let params = try Self.decodeObject(body, allowed: action == "crash" ? ["restart_after"] : action == "pause" ? ["duration"] : [])
        var reader = FaultParameterReader(kind: action, FaultParameters(params))
        switch action {
        case "crash": return .json(try await controller.crash(target, restartAfterNanos: try reader.optionalDuration("restart_after")))
        case "pause": return .json(try await controller.pause(target, resumeAfterNanos: try reader.optionalDuration("duration")))
        case "restart": try await controller.restart(target)
        default: try await controller.resume(target)
        }
        switch target {
        case .all: return .json(await controller.statuses())
        case let .receiver(name): return .json(try await controller.status(of: name))
        }
    }

    private func ledger(_ name: String, query: [String: String]) async throws -> ControlResponse {
        let since = try Self.int(query, "since", default: 0)
        let limit = try Self.int(query, "limit", default: 10_000)
        let ledger = try await controller.ledger(of: name)
        let starts = try await controller.serverStarts(of: name)
        var events: [LedgerEventJSON] = []
        let total = ledger.count
        var i = since
        while i < total, events.count < limit, let e = ledger.event(at: i) {
            // The generation is the server that was serving when the event arrived.
            let generation = starts.lastIndex { $0 <= e.arrivalMonotonicNanos } ?? 0
            events.append(LedgerEventJSON(index: i, generation: generation, e))
            i += 1
        }
        struct Page: Encodable { var receiver: String; var total: Int; var next: Int; var events: [LedgerEventJSON] }
        return .json(Page(receiver: name, total: total, next: events.last.map { $0.index + 1 } ?? min(since, total), events: events))
    }

    // MARK: Parsing

    static func split(_ uri: String) -> (String, [String: String]) {
        guard let q = uri.firstIndex(of: "?") else { return (uri, [:]) }
        var query: [String: String] = [:]
        for pair in uri[uri.index(after: q)...].split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            query[kv[0]] = kv.count > 1 ? kv[1] : ""
        }
        return (String(uri[..<q]), query)
    }

    static func int(_ query: [String: String], _ name: String, default def: Int) throws -> Int {
        guard let text = query[name] else { return def }
        guard let v = Int(text), v >= 0 else { throw ControlRequestError(message: "query parameter '\(name)' must be a non-negative integer, got '\(text)'") }
        return v
    }

    /// A JSON object body (empty body = `{}`), rejecting keys outside `allowed`.
    static func decodeObject(_ body: Data, allowed: Set<String>) throws -> [String: FaultValue] {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [:] }
        let value: FaultValue
        do {
            value = try JSONDecoder().decode(FaultValue.self, from: body)
        } catch {
            throw ControlRequestError(message: "the body is not valid JSON: \(Self.describe(error))")
        }
        guard case let .object(o) = value else { throw ControlRequestError(message: "the body must be a JSON object") }
        if let unknown = o.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw ControlRequestError(message: "unknown field '\(unknown)' (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
        return o
    }

    static func decodeSpec(_ body: Data) throws -> FaultSpec {
        let o = try decodeObject(body, allowed: ["kind", "name", "params", "probability", "enabled", "start_after", "duration"])
        guard case let .string(kind)? = o["kind"] else { throw ControlRequestError(message: "field 'kind' (a string) is required") }
        var spec = FaultSpec(kind: kind)
        if let v = o["name"] {
            guard case let .string(n) = v else { throw ControlRequestError(message: "field 'name' must be a string") }
            spec.name = n
        }
        if let v = o["params"] {
            guard case let .object(p) = v else { throw ControlRequestError(message: "field 'params' must be an object") }
            spec.params = FaultParameters(p)
        }
        var r = FaultParameterReader(kind: kind, FaultParameters(o.filter { ["probability", "enabled", "start_after", "duration"].contains($0.key) }))
        spec.probability = try r.double("probability", default: 1)
        spec.enabled = try r.bool("enabled", default: true)
        spec.startAfterNanos = try r.duration("start_after", default: 0)
        spec.durationNanos = try r.optionalDuration("duration")
        return spec
    }

    static func decodeUpdate(_ body: Data) throws -> FaultUpdate {
        let o = try decodeObject(body, allowed: ["params", "probability", "enabled", "start_after", "duration"])
        var update = FaultUpdate()
        if let v = o["params"] {
            guard case let .object(p) = v else { throw ControlRequestError(message: "field 'params' must be an object") }
            update.params = FaultParameters(p)
        }
        var r = FaultParameterReader(kind: "update", FaultParameters(o.filter { $0.key != "params" }))
        update.probability = try r.optionalDouble("probability")
        if o["enabled"] != nil { update.enabled = try r.bool("enabled", default: true) }
        update.startAfterNanos = try r.optionalDuration("start_after")
        if let d = o["duration"] { update.durationNanos = d == .null ? .some(nil) : .some(try r.duration("duration")) }
        return update
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let DecodingError.dataCorrupted(c): return c.debugDescription + ((c.underlyingError).map { ": \($0.localizedDescription)" } ?? "")
        default: return "\(error)"
        }
    }
}

/// A malformed control request (answered with 400 and this message).
struct ControlRequestError: Error {
    var message: String
}
