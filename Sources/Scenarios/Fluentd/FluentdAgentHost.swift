import Agent
import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Real, unmodified Fluentd as the agent under test: the scenario's configuration rendered by
/// `FluentdConfigRenderer`, one `--no-supervisor` process per incarnation (so SIGKILL and SIGSTOP hit exactly the
/// process that owns the sockets), load through its forward input, decisions read back from its log.
/// See docs/fluentd-host.md.
final class FluentdAgentHost: AgentUnderTest {
    let settings: AgentRuntimeSettings
    let installation: FluentdInstallation
    let clock: RunClock
    let workdir: String
    let inputPort: Int
    private let configPath: String
    private let reader: FluentdDecisionReader
    private let children: ChildAgentIncarnations
    /// Prepended to Fluentd's command line (the mount namespace for a scenario DNS server), or empty.
    private let launcher: [String]
    /// `<system> rpc_endpoint`: the endpoint lives in Fluentd's supervisor, so such a configuration runs supervised
    /// (a supervisor and one worker; signals go to the supervisor, kill -9 to both).
    let rpcEndpoint: HostPort?

    /// Writes the rendered configuration. The Swift agent's parser reads it too, for the report header and the
    /// node labels (both agents are given the same text).
    /// With `nameserver`, Fluentd runs in a mount namespace of its own whose /etc/resolv.conf names only that server
    /// (root only): the scenario's DNS answers are what Fluentd's resolver sees.
    init(configText: String, installation: FluentdInstallation, clock: RunClock, workdir: String, inputPort: Int,
         nameserver: String? = nil) throws {
        let configuration = try AgentConfiguration.parse(text: configText, file: "agent.conf")
        guard let settings = AgentRuntimeSettings(configuration: configuration) else {
            throw ScenarioRunError.agent("the configuration has no <match> with @type forward")
        }
        guard clock.scale == 1 else {
            throw ScenarioRunError.agent("real Fluentd runs on the real clock only (time scale \(clock.scale))")
        }
        self.settings = settings
        rpcEndpoint = configuration.system.rpcEndpoint
        self.installation = installation
        self.clock = clock
        self.workdir = workdir
        self.inputPort = inputPort
        configPath = (workdir as NSString).appendingPathComponent("fluentd.conf")
        try FluentdConfigRenderer(inputPort: inputPort).render(configText)
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        var labels: [String: String] = [:]
        for n in settings.nodes { labels["\(n.host):\(n.port)"] = n.label }
        reader = FluentdDecisionReader(labels: labels)
        children = ChildAgentIncarnations(label: "fluentd \(installation.version)", inputPort: inputPort,
                                          logPath: { [workdir] in (workdir as NSString).appendingPathComponent("fluentd-\($0).log") })
        if let nameserver {
            let path = (workdir as NSString).appendingPathComponent("resolv.conf")
            try "nameserver \(nameserver)\noptions timeout:1 attempts:1\n".write(toFile: path, atomically: true, encoding: .utf8)
            // unshare execs sh, which bind-mounts the file over /etc/resolv.conf and execs Fluentd: the same pid all
            // along, so SIGKILL still hits the process that owns the sockets.
            launcher = ["/usr/bin/unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                        "mount --bind \"$0\" /etc/resolv.conf && exec \"$@\"", path]
        } else {
            launcher = []
        }
    }

    var offersBatches: Bool { true }
    var isRunning: Bool { children.isRunning }

    func start() async throws {
        let argv = launcher + installation.command + ["-c", configPath] + (rpcEndpoint == nil ? ["--no-supervisor"] : [])
        // Ruby loads Fluentd in about a second on two cores; 60 s bounds a machine under load.
        try await children.start(argv: { _ in argv }, environment: installation.environment, readySeconds: 60)
    }

    /// kill -9 of the process that owns every socket: the kernel resets its connections.
    func kill() async { await children.kill() }

    /// SIGTERM: Fluentd stops its inputs, flushes at shutdown and exits.
    func stop(drainTimeout: Double) async { await children.stop(grace: drainTimeout + 10) }

    /// `agent: stop`: SIGTERM (to the supervisor when supervised); completes when Fluentd exited (SIGKILL after 40 s).
    func terminate() async { await children.stop(grace: 40) }

    /// SIGUSR1: Fluentd's flush of every buffer (what `plugins.flushBuffers` sends itself).
    func flush(timeout: Double) async { try? children.signal(SIGUSR1) }

    /// SIGUSR2: an in-process reload of the same file (what `config.gracefulReload` sends itself).
    func reload() async throws { try children.signal(SIGUSR2, required: "reload") }

    func offer(tag: String, entries: ByteBuffer, count: Int) async -> OfferOutcome {
        await children.offer(tag: tag, entries: entries, count: count)
    }

    /// Decisions read from every incarnation's log; chunks handed to `<secondary>` counted from the files it wrote.
    var observations: AgentObservations {
        var out = AgentObservations()
        let clock = self.clock
        for text in children.logs.compactMap({ $0 }) {
            out.events += reader.events(inLog: text, toRunSeconds: { clock.seconds(wallNanos: $0) })
        }
        if let dir = settings.secondary?.directory {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            for f in files {
                let path = (dir as NSString).appendingPathComponent(f)
                guard let date = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
                else { continue }
                out.events.append(AgentEventEntry(time: clock.seconds(wallNanos: Int64(date.timeIntervalSince1970 * 1e9)),
                                                  node: "", event: .chunkToSecondary, detail: f))
                out.secondaryChunks += 1
            }
            out.events.sort { $0.time < $1.time }
        }
        out.observable = FluentdDecisionReader.observableEvents.union(settings.secondary == nil ? [] : [.chunkToSecondary])
        out.host = "fluentd \(installation.version)"
        return out
    }

    /// Fluentd's log, every incarnation.
    var logText: String { children.logs.compactMap { $0 }.joined(separator: "\n") }
}
