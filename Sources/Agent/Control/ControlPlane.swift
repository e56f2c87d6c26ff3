import FluentdConfig
import Logging

/// Performs control actions on an `AgentControl` with Fluentd's semantics (§9), shared by the RPC endpoint
/// and the signal handler.
///
/// * Reloads parse and validate the configuration first; a broken file is logged with its file:line and the
///   running configuration stays (the action fails with `ControlPlaneError.reloadRejected`).
/// * Stop actions are started, not awaited, like Fluentd's supervisor signalling itself: the RPC response is
///   sent while the agent shuts down.
public actor ControlPlane {
    private let control: any AgentControl
    private let loader: @Sendable () throws -> AgentConfiguration
    private let logger: Logger
    /// Background stop tasks (kept so callers/tests can await them).
    private var stopTasks: [Task<Void, Never>] = []

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

    /// Runs `action`; errors are logged and rethrown (the RPC layer turns them into status 500).
    @discardableResult
    public func perform(_ action: ControlAction) async throws -> ControlResult {
        logger.debug("control action", metadata: ["action": "\(action.rawValue)"])
        switch action {
        case .flushBuffers:
            try await logged("flush") { try await self.control.flush() }
            return .ok
        case .reload, .gracefulReload:
            let config: AgentConfiguration
            do {
                config = try loader()
            } catch let error as ConfigError {
                logger.error("configuration reload rejected; keeping the running configuration: \(error)")
                throw ControlPlaneError.reloadRejected(error)
            }
            for w in config.warnings { logger.warning("\(w)") }
            if action == .reload {
                try await logged("reload") { try await self.control.reload(config) }
            } else {
                try await logged("graceful reload") { try await self.control.gracefulReload(config) }
            }
            logger.info("configuration reloaded\(action == .gracefulReload ? " gracefully" : "")")
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

    /// Waits for stop actions started so far (useful before exiting the process).
    public func waitForStops() async {
        for t in stopTasks { await t.value }
    }

    private func scheduleStop(flushFirst: Bool) {
        let control = self.control
        let logger = self.logger
        stopTasks.append(Task {
            if flushFirst {
                do { try await control.flush() } catch { logger.error("flush before stop failed: \(error)") }
            }
            do { try await control.stop() } catch { logger.error("stop failed: \(error)") }
        })
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
