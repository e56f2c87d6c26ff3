import FluentdConfig
import Logging

/// Performs control actions on an `AgentControl` with Fluentd's semantics (docs/forward-protocol.md, "RPC and signals"), shared by the RPC endpoint
/// and the signal handler.
///
/// * Reloads parse and validate the configuration first; a broken file is logged with its file:line and the
///   running configuration stays (the action fails with `ControlPlaneError.reloadRejected`).
/// * `request` is what the RPC endpoint and the signal handlers call. Fluentd's supervisor (lib/fluent/supervisor.rb,
///   `run_rpc_server`) answers every state-changing route by sending itself a signal and returning, so the reply
///   never depends on what the outputs are doing: flush, reload and stop are started here and not awaited
///   (docs/control-path.md). `perform` runs an action to its end, for callers that want the outcome.
public actor ControlPlane {
    private let control: any AgentControl
    private let loader: @Sendable () throws -> AgentConfiguration
    private let logger: Logger
    /// Actions started and not awaited, by id, until they finish (so callers and tests can wait for them).
    private var started: [Int: Task<Void, Never>] = [:]
    private var nextID = 0
    /// The last reload or stop started: the next one waits for it, as Fluentd's supervisor handles one signal at a
    /// time, so a reload that was still swapping when SIGTERM came cannot install a pipeline after the stop.
    private var lastSerial: Task<Void, Never>?
    /// A stop was requested: later reloads do nothing (Fluentd exits; it does not start the new configuration).
    private var stopping = false

    /// Reloads read `configPath` again with `options` (embedded Ruby, includes).
    public init(control: any AgentControl, configPath: String, options: ConfigParseOptions = .init(), logger: Logger) {
        self.control = control
        self.loader = { try AgentConfiguration.load(path: configPath, options: options) }
        self.logger = logger
    }

    /// Reloads call `loader` (tests, or configurations that do not come from a file).
    public init(control: any AgentControl, logger: Logger, loader: @escaping @Sendable () throws -> AgentConfiguration) {
        self.control = control
        self.loader = loader
        self.logger = logger
    }

    /// Starts `action` the way Fluentd's supervisor does on a signal or an RPC call, and returns without waiting
    /// for flushes, reloads or stops: the answer is the same whatever state the outputs are in (a destination that
    /// is down, a retry wait, a slow send). Only `dumpConfig` and `getDump` run before returning, as in Fluentd.
    /// Failures of started actions are logged. With `validateReload` (the `rpc_detailed_errors` option) a reload
    /// first reads the new configuration here, so a broken file is reported to the caller; the swap is still
    /// started, not awaited.
    @discardableResult
    public func request(_ action: ControlAction, validateReload: Bool = false) async throws -> ControlResult {
        logger.debug("control request", metadata: ["action": "\(action.rawValue)"])
        switch action {
        case .dumpConfig, .getDump:
            return try await perform(action)
        case .reload, .gracefulReload:
            if validateReload {
                let config = try loadForReload()
                start(serial: true) { _ = try? await $0.swap(config, graceful: action == .gracefulReload) }
                return .ok
            }
            start(serial: true) { _ = try? await $0.perform(action) }
            return .ok
        case .flushBuffers:
            start { _ = try? await $0.perform(action) }
            return .ok
        case .stop, .flushAndStop:
            return try await perform(action)
        }
    }

    /// Runs `action` to its end; errors are logged and rethrown. Stops are the exception: they are always started
    /// in the background (await them with `waitForStops`), since the caller may be part of what stops.
    @discardableResult
    public func perform(_ action: ControlAction) async throws -> ControlResult {
        logger.debug("control action", metadata: ["action": "\(action.rawValue)"])
        switch action {
        case .flushBuffers:
            try await logged("flush") { try await self.control.flush() }
            return .ok
        case .reload, .gracefulReload:
            try await swap(try loadForReload(), graceful: action == .gracefulReload)
            return .ok
        case .stop:
            scheduleStop(flushFirst: false)
            return .ok
        case .flushAndStop:
            scheduleStop(flushFirst: true)
            return .ok
        case .dumpConfig:
            let text = await control.dumpConfig()
            logger.info("running configuration:\n\(text)")
            return .ok
        case .getDump:
            return .dump(await control.dumpConfig())
        }
    }

    /// Waits for every action started so far and not awaited (stops, and what `request` started).
    public func waitForStops() async {
        while let entry = started.min(by: { $0.key < $1.key }) {
            await entry.value.value
            started[entry.key] = nil
        }
    }

    /// Reads and validates the configuration for a reload; a broken file keeps the running one.
    private func loadForReload() throws -> AgentConfiguration {
        let config: AgentConfiguration
        do {
            config = try loader()
        } catch let error as ConfigError {
            logger.error("configuration reload rejected; keeping the running configuration: \(error)")
            throw ControlPlaneError.reloadRejected(error)
        }
        for w in config.warnings { logger.warning("\(w)") }
        return config
    }

    private func swap(_ config: AgentConfiguration, graceful: Bool) async throws {
        if stopping {
            logger.warning("configuration reload ignored: the agent is stopping")
            return
        }
        if graceful {
            try await logged("graceful reload") { try await self.control.gracefulReload(config) }
        } else {
            try await logged("reload") { try await self.control.reload(config) }
        }
        logger.info("configuration reloaded\(graceful ? " gracefully" : "")")
    }

    /// Runs `body` on this plane in a task nobody awaits (kept for `waitForStops`); a `serial` one (reloads, stops)
    /// starts after the previous serial one ended.
    private func start(serial: Bool = false, _ body: @escaping @Sendable (ControlPlane) async -> Void) {
        let id = nextID
        nextID += 1
        let previous = serial ? lastSerial : nil
        let task = Task {
            await previous?.value
            await body(self)
            self.finished(id)
        }
        started[id] = task
        if serial { lastSerial = task }
    }

    private func finished(_ id: Int) { started[id] = nil }

    private func scheduleStop(flushFirst: Bool) {
        stopping = true
        let control = self.control
        let logger = self.logger
        start(serial: true) { _ in
            if flushFirst {
                do { try await control.flush() } catch { logger.error("flush before stop failed: \(error)") }
            }
            do { try await control.stop() } catch { logger.error("stop failed: \(error)") }
        }
    }

    private func logged(_ what: String, _ body: @Sendable () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            logger.error("\(what) failed: \(error)")
            throw error
        }
    }
}

/// Why a control action failed before reaching the agent.
public enum ControlPlaneError: Error, Sendable, CustomStringConvertible {
    /// The new configuration did not load; the running one was kept.
    case reloadRejected(ConfigError)

    public var description: String {
        switch self {
        case .reloadRejected(let e): "configuration reload rejected (running configuration kept): \(e)"
        }
    }
}
