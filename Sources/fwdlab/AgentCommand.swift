import Agent
import ArgumentParser
import FluentdConfig
import ForwardProtocol
import ForwardServer
import Foundation
import Logging

/// `fwdlab agent`: Run the forwarding agent (a Swift out_forward), or validate its configuration.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run the forwarding agent (a Swift out_forward).",
        discussion: """
            The configuration uses Fluentd's syntax (@include, "#{ENV['X']}" and v0.12 names work); \
            see docs/agent-parameters.md. With --dry-run the file is loaded and validated, warnings and \
            every effective parameter (value and whether it is a default) are printed, and the command \
            exits 0; a bad configuration prints file:line: message and exits 1.
            """)

    @Option(name: [.customShort("c"), .customLong("config")], help: "Configuration file (Fluentd syntax).")
    var config: String

    @Flag(name: .customLong("dry-run"), help: "Validate the configuration and print the effective settings; do not start.")
    var dryRun = false

    @Flag(name: [.customShort("v"), .customLong("verbose")],
          help: "Increase the log level as Fluentd's -v does (-v: debug, -vv: trace); replaces <system> log_level.")
    var verbose: Int

    @Flag(name: [.customShort("q"), .customLong("quiet")],
          help: "Decrease the log level as Fluentd's -q does (-q: warn, -qq: error); replaces <system> log_level.")
    var quiet: Int

    @Option(name: [.customShort("o"), .customLong("log")], help: "Append the log to this file instead of stderr ('-': stdout), as Fluentd's -o.")
    var logPath: String?

    @Option(name: .customLong("fluentd-version"),
            help: "Behave as this Fluentd release where releases differ: 1.16, 1.18 or 1.19; replaces <system> fwdlab_fluentd_version (default 1.16).")
    var fluentdVersion: String?

    @Flag(name: .customLong("no-supervisor"),
          help: "Log as Fluentd's --no-supervisor process does: without the worker's '#0 ' prefix (and json worker_id).")
    var noSupervisor = false

    @Option(name: .customLong("events"), help: "Also write the agent's event stream (JSON lines: time, node, event, cause, phi) to this file.")
    var eventFile: String?

    @Option(help: "Seed for the balancer's shuffle and retry jitter (replayable runs; scenarios pass theirs).")
    var seed: UInt64?

    @Option(name: .customLong("dns-resolver"), help: "Send DNS queries to this nameserver (host:port), overriding <system> dns_resolver.")
    var dnsResolver: String?

    @Flag(name: .customLong("phi-samples"), help: "Add a phi_sample event per node at every heartbeat tick to the event stream.")
    var phiSamples = false

    @Option(name: .customLong("time-scale"),
            help: "Real seconds per agent second, 0.05–10 (the scenario runner's time_scale): every forward-output timer lasts K times as long.")
    var timeScale: Double?

    @Option(name: .customLong("clock-origin"),
            help: "With --time-scale: the scaled clock's origin as MONOTONIC_NS:WALL_NS (default: now). The scenario runner passes its run's.")
    var clockOrigin: String?

    func run() async throws {
        var parseOptions = ConfigParseOptions()
        if let fluentdVersion {
            guard FluentdReleaseProfile(name: fluentdVersion) != nil else {
                throw ValidationError("--fluentd-version: " + FluentdReleaseProfile.invalidNameMessage(fluentdVersion))
            }
            parseOptions.systemParameters["fwdlab_fluentd_version"] = fluentdVersion
        }
        let configuration: AgentConfiguration
        do {
            configuration = try AgentConfiguration.load(path: config, options: parseOptions)
        } catch let error as ConfigError {
            Self.printError("\(error)")
            throw ExitCode(1)
        }
        for warning in configuration.warnings { Self.printError("\(warning)") }
        guard !dryRun else {
            print(Self.summary(configuration))
            print(configuration.effectiveSettingsReport(), terminator: "")
            // A valid file the runtime cannot run (no or several forward outputs, a primary file output) fails here
            // as it would at start, so --dry-run answers "would it run" (docs/pipeline.md, "What runs").
            if let reason = configuration.unrunnableReason() {
                Self.printError("\(reason)")
                throw ExitCode(1)
            }
            print("configuration OK (\(configuration.warnings.count) warning\(configuration.warnings.count == 1 ? "" : "s"))")
            return
        }
        let logOptions = AgentLogOptions(system: configuration.system, verbose: verbose, quiet: quiet, logPath: logPath,
                                         supervised: !noSupervisor)
        let logger: Logger
        do {
            logger = try logOptions.logger()
        } catch {
            Self.printError("\(error)")
            throw ExitCode(1)
        }
        var overrides = AgentProcess.Overrides(seed: seed, phiSamples: phiSamples, clock: try scaledClock())
        overrides.parseOptions = parseOptions
        if let dnsResolver {
            guard let endpoint = HostPort.parse(dnsResolver, defaultPort: 53) else {
                throw ValidationError("--dns-resolver '\(dnsResolver)': expected HOST or HOST:PORT (IPv6 as [addr]:port)")
            }
            overrides.dnsResolver = endpoint
        }
        try await Self.runAgent(configuration, path: config, eventFile: eventFile, overrides: overrides, logger: logger)
    }

    /// The clock `--time-scale` and `--clock-origin` ask for, or nil for the real clocks.
    func scaledClock() throws -> ScaledClock? {
        guard let timeScale else {
            if clockOrigin != nil { throw ValidationError("--clock-origin needs --time-scale") }
            return nil
        }
        guard timeScale >= 0.05 && timeScale <= 10 else { throw ValidationError("--time-scale \(timeScale): expected 0.05–10") }
        guard let clockOrigin else {
            return ScaledClock(originMonotonicNanos: MonotonicClock.nowNanos(), originWallNanos: MonotonicClock.wallNanos(), scale: timeScale)
        }
        let parts = clockOrigin.split(separator: ":")
        guard parts.count == 2, let mono = UInt64(parts[0]), let wall = Int64(parts[1]) else {
            throw ValidationError("--clock-origin '\(clockOrigin)': expected MONOTONIC_NS:WALL_NS (two integers)")
        }
        return ScaledClock(originMonotonicNanos: mono, originWallNanos: wall, scale: timeScale)
    }

    /// Starts the agent with its inputs, RPC endpoint and signal handlers, and runs until stopped.
    static func runAgent(_ configuration: AgentConfiguration, path: String, eventFile: String?,
                         overrides: AgentProcess.Overrides, logger: Logger) async throws {
        let process: AgentProcess
        do {
            process = try await AgentProcess.start(configuration: configuration, configPath: path, eventFile: eventFile,
                                                   overrides: overrides, logger: logger)
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        printError("fwdlab agent: running \(path) (pid \(getpid())); SIGINT/SIGTERM stop, SIGUSR1 flushes, SIGHUP reloads")
        await process.run()
    }

    static func summary(_ c: AgentConfiguration) -> String {
        var lines = ["configuration: \(c.files.joined(separator: ", "))"]
        lines.append("sources: \(c.sources.count), matches: \(c.matches.count), forward outputs: \(c.forwardOutputs.count)")
        if let rpc = c.system.rpcEndpoint { lines.append("rpc endpoint: \(rpc)") }
        if c.system.workers > 1 { lines.append("workers: \(c.system.workers) (one process; docs/pipeline.md, \"Workers\")") }
        for f in c.filters {
            lines.append("\(f.label.map { "<label \($0)> " } ?? "")<filter \(f.patterns.map(\.text).joined(separator: " "))> → @type \(f.typeName)")
        }
        for m in c.matches {
            var line = "\(m.label.map { "<label \($0)> " } ?? "")\(m.tagDescription) → @type \(m.output.typeName)"
            if let f = m.output.forward {
                line += " → " + f.servers.map { "\($0.node.label)\($0.node.standby ? " (standby)" : "") w=\($0.node.weight)" }.joined(separator: ", ")
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
