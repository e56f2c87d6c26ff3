/// An input to the forwarder core (the shell reports what happened).
public enum ForwarderEvent: Sendable, Equatable {
    /// The heartbeat timer fired (every heartbeat_interval; never for heartbeat_type none).
    case heartbeatTimerFired
    /// A heartbeat probe's I/O began: the transport connect started, or the UDP request went to the socket (the
    /// round trip's start; a probe answered from the keepalive cache reports none).
    case heartbeatSent(node: Int)
    /// A heartbeat arrived: transport connect (+handshake) succeeded, or a UDP reply matched this node.
    case heartbeatReplied(node: Int)
    /// A heartbeat attempt failed. `expected` = EAGAIN/EWOULDBLOCK/EINTR/ECONNREFUSED/ETIMEDOUT (of.rb:470-474).
    case heartbeatFailed(node: Int, error: String, expected: Bool)
    /// Every heartbeat of this timer run has been attempted (transport) or sent (udp): run the ticks.
    case heartbeatRoundCompleted
    /// A chunk was written to `node` without error (adds a `detect: false` sample, of.rb:681).
    case sendSucceeded(node: Int)
    /// After a successful write with require_ack_response: start waiting for the ack on `connection`.
    case ackRegistered(chunkID: ChunkID, node: Int, connection: UInt64)
    /// The ack reader decoded a reply on `connection`.
    case ackReceived(connection: UInt64, reply: AckReply)
    /// EOF/ECONNRESET on a connection awaiting an ack.
    case peerClosed(connection: UInt64)
    /// The ack reader thread started (require_ack_response, at output start): its first pass begins.
    case ackReaderStarted
    /// The ack reader's pass timed out (the timer armed by `armAckReader`): expire overdue acks and begin the next
    /// pass. Before `ackReaderStarted` (or after the reader stopped) it only expires.
    case ackCheckTimerFired
    /// The ack reader thread stopped (shutdown): later replies are handled as they arrive.
    case ackReaderStopped
    /// Shutdown began (the plugin's `stop`): the ack reader's current pass is its last; acks that arrive after it
    /// stay unread until `lastAckRequested` (docs/fluentd-model.md, "Shutdown with acks").
    case ackReaderStopping
    /// `after_shutdown` → `last_ack`: one final pass expires overdue waits (disabling their nodes) and reads what
    /// is readable; `lastAckDone` reports its end.
    case lastAckRequested
    /// The `<security>` handshake with `node` failed (docs/forward-protocol.md, "Client-side checks").
    case handshakeFailed(node: Int, reason: String)
    /// Name resolution answered.
    case dnsResolved(node: Int, addresses: [String])
    /// Name resolution failed.
    case dnsFailed(node: Int, error: String)
    /// Resolution failed at configure time with ignore_network_errors_at_startup (docs/forward-protocol.md, "Startup options"): node starts disabled.
    case startupResolutionFailed(node: Int, error: String)
}

/// An output of the forwarder core (the shell executes it).
public enum ForwarderDirective: Sendable, Equatable {
    /// Resolve `host` and report `dnsResolved`/`dnsFailed`.
    case resolveDNS(node: Int, host: String, port: Int)
    /// Probe `address:port` (transport connect or one UDP `00` byte) and report the outcome.
    case sendHeartbeat(node: Int, address: String, port: Int, type: HeartbeatType)
    /// Write a log line (Fluentd's wording).
    case log(CoreLogLevel, String)
    /// Append to the JSON event stream.
    case emitEvent(AgentEvent)
    /// The weight array was rebuilt (node indices per slot).
    case rebalanced(weightArray: [Int])
    /// Service discovery brought in node `node` (a new index; `nodes[node]` holds it): the shell extends its per-node
    /// state. Its first heartbeat is the next timer run's.
    case nodeAdded(node: Int)
    /// Service discovery took node `node` out: no more heartbeats or sends; waits for its acks still resolve.
    case nodeRemoved(node: Int)
    /// Commit (purge) the chunk.
    case commitChunk(ChunkID)
    /// An ack failure: the chunk goes back to the head of the queue without a retry update (quirk 18 (docs/quirks.md)).
    case rollbackChunk(ChunkID)
    /// Close (or return to the keepalive cache) this connection.
    case closeConnection(UInt64)
    /// Report `ackCheckTimerFired` after `after` seconds of clock time (replaces the pending one): the ack reader's
    /// current pass waits that long unless an ack or EOF on a watched connection ends it first.
    case armAckReader(after: AgentSeconds)
    /// The final ack pass (`lastAckRequested`) ended: the shutdown goes on (rollback of what is still uncommitted).
    case lastAckDone
}

/// out_forward's decisions for a set of nodes, in the style of `SWIM.Instance`: feed events, execute directives.
/// Fluentd v1.16 behaviour by default; no I/O, no threads, time from the injected clock.
public struct ForwarderCore: Sendable {
    public let settings: ForwarderSettings
    /// Every node ever configured or discovered, by index (indices stay valid after a node leaves).
    public private(set) var nodes: [ForwarderNodeConfig]
    /// The registered nodes in Fluentd's services order (configure order, discovered ones appended): what the
    /// heartbeat timer, the ticks and the rebuild walk. Without service discovery it is every index.
    public private(set) var members: [Int]
    /// The discovery identity of each node (nil for nodes no discovery can take out: `<server>` and `static`).
    public private(set) var identities: [DiscoveredService?]
    public let clock: any AgentClock
    public private(set) var health: [NodeHealth]
    public private(set) var dns: [DNSCache]
    public private(set) var balancer: WeightedBalancer
    public private(set) var acks: AckTracker
    /// The ack reader thread's passes (docs/fluentd-model.md, "The ack reader").
    public private(set) var ackReader: AckReaderLoop
    /// Per node (same indices as `nodes`): heartbeat round trips and ack latencies (NodeLatency.swift).
    public private(set) var latency: [NodeLatency]
    /// Waits the current pass expired when it began: logged then, enacted when the pass ends.
    private var deferredExpiries: [AckResolution] = []
    /// Nodes whose disable the current batch of results already announced.
    private var announcedDisables: Set<Int> = []
    private var rng: SeededRandom
    private var balancerNodes: [BalancerNode]
    private var heartbeatPending: [Bool]
    private var roundActive = false
    private var roundNeedsRebuild = false
    /// Emit a `phi_sample` event per available node at every heartbeat tick (the phi the tick evaluates). Off by
    /// default: the tuning engine drives the core in tight loops, and the event stream stays as before.
    public var emitsPhiSamples = false

    /// Configure: one detector per node created now (window `[h·10^6]`, last = floor(now)), then the first rebuild.
    /// `configureDirectives` holds the "adding forwarding server" lines and the first rebuild's output.
    /// `identities` (same order as `nodes`, nil entries or a shorter array for static nodes) lets service discovery
    /// take nodes out later (`applyDiscovery`).
    public init(settings: ForwarderSettings, nodes: [ForwarderNodeConfig], clock: any AgentClock, identities: [DiscoveredService?] = []) {
        self.settings = settings
        self.nodes = nodes
        self.members = Array(nodes.indices)
        self.identities = nodes.indices.map { identities.indices.contains($0) ? identities[$0] : nil }
        self.clock = clock
        var system = SeededRandom.fromSystem()
        let seed = settings.seed ?? system.next()
        var seeder = SeededRandom(seed: seed)
        self.rng = SeededRandom(seed: seeder.next())
        var lb = WeightedBalancer(seed: seeder.next())
        lb.skipTriedNodes = settings.skipTriedNodes
        self.balancer = lb
        self.acks = AckTracker(ackResponseTimeout: settings.ackResponseTimeout)
        self.ackReader = AckReaderLoop(interval: settings.ackCheckInterval)
        let now = clock.now
        let hs = settings.nodeHealthSettings
        self.health = nodes.indices.map { i in
            NodeHealth(node: i, settings: hs,
                       detector: settings.detector.makeDetector(heartbeatInterval: settings.heartbeatInterval, configureTime: now))
        }
        self.dns = nodes.map { _ in DNSCache(expire: settings.expireDNSCache, roundRobin: settings.dnsRoundRobin) }
        self.balancerNodes = nodes.map { BalancerNode(host: $0.host, port: $0.port, weight: $0.weight, standby: $0.standby) }
        self.heartbeatPending = nodes.map { _ in false }
        self.latency = nodes.map { _ in NodeLatency() }
        var out: [ForwarderDirective] = []
        for n in nodes { out += Self.nodeAdded(n, now: now) }
        rebuild(into: &out)
        configureDirectives = out
    }

    /// Fluentd's "adding forwarding server" line and the stream's `node_added`, whose detail is the detector's
    /// initial `last` (floor(now), as `makeDetector` sets it).
    static func nodeAdded(_ n: ForwarderNodeConfig, now: AgentSeconds) -> [ForwarderDirective] {
        [.log(.info, "adding forwarding server '\(n.label)' host=\(RubyInspect.string(n.host)) port=\(n.port) weight=\(n.weight)"),
         .emitEvent(AgentEvent(time: now, node: n.label, event: .nodeAdded,
                               detail: AgentEvent.initialLastDetail(second: Int64(now.rounded(.down)))))]
    }

    /// Directives produced while configuring.
    public private(set) var configureDirectives: [ForwarderDirective] = []

    // MARK: - Queries

    /// The event-loop helper's run timeout (plugin_helper/event_loop.rb): how long after the stop an input's loop
    /// exits, and so the earliest `last_ack` (docs/fluentd-model.md, "Shutdown with acks").
    public static let inputEventLoopExit: AgentSeconds = 0.5

    /// How long to wait, at `now`, before the shutdown's `last_ack` pass when the stop began at `stopBegan` (monotonic
    /// seconds): Fluentd runs the inputs' after_shutdown before the outputs', and in_forward's waits for its event
    /// loop, which exits at its next run timeout. Without acks last_ack has nothing to do, so nothing waits for it.
    public func lastAckDelay(stopBegan: AgentSeconds, now: AgentSeconds) -> AgentSeconds {
        guard settings.requireAckResponse else { return 0 }
        return max(0, stopBegan + Self.inputEventLoopExit - now)
    }

    /// How long after its after_shutdown began the output's own event loop (the heartbeat timer's) takes to exit: the
    /// helper's run timeout. `last_ack` runs inside that wait, so it only shows when the pass returned at once (an ack
    /// already in the socket): measured on 1.16.9, close 0.50 s after a last_ack that read its ack at once, 3 ms after
    /// a last_ack whose select waited 1 s (docs/control-path.md, "Reload").
    public static let outputEventLoopExit: AgentSeconds = 0.5

    /// How long to wait, at `now`, after the final ack pass before the output closes, when that pass (the output's
    /// after_shutdown) began at `lastAckBegan`. Measured with acks only; without them nothing waits, as for `last_ack`.
    public func closeDelay(lastAckBegan: AgentSeconds, now: AgentSeconds) -> AgentSeconds {
        guard settings.requireAckResponse else { return 0 }
        return max(0, lastAckBegan + Self.outputEventLoopExit - now)
    }

    public func isAvailable(_ node: Int) -> Bool { health.indices.contains(node) && health[node].isAvailable }
    /// Whether `node` is still registered (service discovery has not taken it out).
    public func isMember(_ node: Int) -> Bool { members.contains(node) }
    public func state(_ node: Int) -> NodeState? { health.indices.contains(node) ? health[node].state : nil }
    public func phi(_ node: Int) -> Double { health.indices.contains(node) ? health[node].phi(now: clock.now) : 0 }
    public var weightArray: [Int] { balancer.weightArray }

    // MARK: - Sends

    /// Candidates for one chunk send (`select_healthy_node`). Throws `NoNodesAvailable`.
    public func planSend() throws(NoNodesAvailable) -> WeightedBalancer.Plan {
        let h = health
        return try balancer.plan { h.indices.contains($0) && h[$0].isAvailable }
    }

    /// The next candidate slot at or after `index` whose node is available now: `select_healthy_node` re-checks each
    /// slot, so a node disabled during this send (a failed handshake) is skipped. nil: none left.
    public func nextCandidate(in plan: WeightedBalancer.Plan, from index: Int) -> Int? {
        guard index >= 0 else { return nil }
        return plan.candidates.indices.first { $0 >= index && isAvailable(plan.candidates[$0]) && isMember(plan.candidates[$0]) }
    }

    /// Reports which candidate succeeded (nil: all failed) so the round-robin pointer advances like Fluentd's.
    public mutating func finishSend(_ plan: WeightedBalancer.Plan, succeededAt index: Int?) {
        balancer.finish(plan, succeededAt: index)
    }

    /// The address to connect to for a send or heartbeat (`resolveNow` → resolve and report `dnsResolved`).
    public func address(for node: Int) -> DNSLookup {
        guard dns.indices.contains(node) else { return .resolveNow }
        return dns[node].lookup(now: clock.now)
    }

    // MARK: - Events

    /// Handles one event, returning the directives (allocates an array; see `handle(_:into:)`).
    public mutating func handle(_ event: ForwarderEvent) -> [ForwarderDirective] {
        var out: [ForwarderDirective] = []
        handle(event, into: &out)
        return out
    }

    /// Handles one event, appending directives to `out` (reuse the buffer in tight simulation loops).
    public mutating func handle(_ event: ForwarderEvent, into out: inout [ForwarderDirective]) {
        switch event {
        case .heartbeatTimerFired:
            heartbeatTimerFired(into: &out)
        case .heartbeatSent(let node):
            if latency.indices.contains(node) { latency[node].probeBegan(at: clock.monotonicNow) }
        case .heartbeatReplied(let node):
            heartbeatReplied(node: node, into: &out)
        case .heartbeatFailed(let node, let error, let expected):
            guard nodes.indices.contains(node) else { return }
            latency[node].probeFailed()
            let n = nodes[node]
            let msg = expected ? "failed to send heartbeat packet" : "unexpected error happen during heartbeat"
            out.append(.log(.debug, "\(msg) host=\(RubyInspect.string(n.host)) port=\(n.port) heartbeat_type=:\(settings.heartbeatType.rawValue) error=\(RubyInspect.string(error))"))
        case .heartbeatRoundCompleted:
            heartbeatRoundCompleted(into: &out)
        case .sendSucceeded(let node):
            guard health.indices.contains(node) else { return }
            _ = health[node].heartbeat(detect: false, now: clock.now)
        case .ackRegistered(let chunkID, let node, let connection):
            acks.register(chunkID: chunkID, node: node, connection: connection, now: clock.monotonicNow)
        case .ackReceived(let connection, let reply):
            arrived(.reply(reply), on: connection, into: &out)
        case .peerClosed(let connection):
            arrived(.closed, on: connection, into: &out)
        case .ackReaderStarted:
            ackReader.start()
            beginAckPass(into: &out)
        case .ackCheckTimerFired:
            if ackReader.running || ackReader.lastPass {
                passEnded(reading: [], into: &out)
            } else if !ackReader.halted {
                for r in acks.expire(now: clock.monotonicNow, nodeLabel: nodeHostPort) { apply(r, into: &out) }
            }
        case .ackReaderStopped:
            endAckPass(reading: [], into: &out)
            ackReader.stop()
        case .ackReaderStopping:
            ackReader.finish()
        case .lastAckRequested:
            lastAck(into: &out)
        case .handshakeFailed(let node, let reason):
            guard nodes.indices.contains(node) else { return }
            let n = nodes[node]
            out.append(.log(.warn, "connection refused to \(n.name ?? n.host): \(reason)"))
            disable(node: node, cause: .handshakeFailed(reason: reason), into: &out)
        case .dnsResolved(let node, let addresses):
            guard dns.indices.contains(node) else { return }
            let chosen = dns[node].resolved(addresses, now: clock.now, rng: &rng)
            if heartbeatPending[node] {
                heartbeatPending[node] = false
                if let chosen {
                    out.append(.sendHeartbeat(node: node, address: chosen, port: nodes[node].port, type: settings.heartbeatType))
                } else {
                    dnsFailedDuringHeartbeat(node: node, error: "no address", into: &out)
                }
            }
        case .dnsFailed(let node, let error):
            guard nodes.indices.contains(node), heartbeatPending[node] else { return }
            heartbeatPending[node] = false
            dnsFailedDuringHeartbeat(node: node, error: error, into: &out)
        case .startupResolutionFailed(let node, let error):
            guard nodes.indices.contains(node) else { return }
            out.append(.log(.warn, "failed to resolve node name when configured server=\(RubyInspect.string(nodes[node].name ?? nodes[node].host)) error=\(RubyInspect.string(error))"))
            disable(node: node, cause: .dnsFailure, into: &out)
        }
    }

    /// Simulation helper: one whole timer run where `replies(node)` says whether node's heartbeat succeeds.
    /// DNS requests are answered with the host itself. Appends directives to `out`.
    public mutating func runHeartbeatRound(into out: inout [ForwarderDirective], replies: (Int) -> Bool) {
        let start = out.count
        heartbeatTimerFired(into: &out)
        var i = start
        var guardCount = 0
        while i < out.count && guardCount < 4 * members.count + 4 {
            guardCount += 1
            switch out[i] {
            case .resolveDNS(let node, let host, _):
                handle(.dnsResolved(node: node, addresses: [host]), into: &out)
            case .sendHeartbeat(let node, _, _, _):
                if replies(node) {
                    heartbeatReplied(node: node, into: &out)
                }
            default: break
            }
            i += 1
        }
        heartbeatRoundCompleted(into: &out)
    }

    // MARK: - Service discovery

    /// The manager's `run_once` for one batch (docs/agent-parameters.md, "<service_discovery>"): each service coming
    /// in gets a new node (a fresh detector, as `build_node` makes one) appended to the members, or put in place of
    /// a registered node with the same identity; each going out leaves the members (its detector state goes with it,
    /// while nodes that stay keep theirs). Then one rebuild, unless the batch was empty.
    public mutating func applyDiscovery(_ messages: [ServiceDiscoveryMessage]) -> [ForwarderDirective] {
        var out: [ForwarderDirective] = []
        guard !messages.isEmpty else { return out }
        let now = clock.now
        for m in messages {
            switch m {
            case .serviceIn(let service):
                let n = service.node
                let i = nodes.count
                nodes.append(n)
                identities.append(service)
                health.append(NodeHealth(node: i, settings: settings.nodeHealthSettings,
                                         detector: settings.detector.makeDetector(heartbeatInterval: settings.heartbeatInterval, configureTime: now)))
                dns.append(DNSCache(expire: settings.expireDNSCache, roundRobin: settings.dnsRoundRobin))
                balancerNodes.append(BalancerNode(host: n.host, port: n.port, weight: n.weight, standby: n.standby))
                heartbeatPending.append(false)
                latency.append(NodeLatency())
                out += Self.nodeAdded(n, now: now)
                out.append(.log(.info, "Service in: \(service.logText)"))
                out.append(.emitEvent(AgentEvent(time: now, node: n.label, event: .serviceIn, detail: "\(n.host):\(n.port)")))
                if let p = members.firstIndex(where: { identities[$0] == service }) {
                    // Same identity twice (a duplicated file entry): the hash keeps its place, the node is the new one.
                    let old = members[p]
                    members[p] = i
                    out.append(.nodeRemoved(node: old))
                } else {
                    members.append(i)
                }
                out.append(.nodeAdded(node: i))
            case .serviceOut(let service):
                if let p = members.firstIndex(where: { identities[$0] == service }) {
                    let old = members.remove(at: p)
                    out.append(.log(.info, "Service out: \(service.logText)"))
                    out.append(.emitEvent(AgentEvent(time: now, node: nodes[old].label, event: .serviceOut, detail: "\(service.host):\(service.port)")))
                    out.append(.nodeRemoved(node: old))
                } else {
                    out.append(.log(.warn, "Not found service: \(service.logText)"))
                }
            }
        }
        rebuild(into: &out)
        return out
    }

    // MARK: - Internals

    private var nodeHostPort: (Int) -> (host: String, port: Int) {
        let n = nodes
        return { i in n.indices.contains(i) ? (n[i].host, n[i].port) : ("", 0) }
    }

    /// An ack or EOF: read now if the current pass watches the connection (the pass then ends and the next one
    /// begins), else kept until the next pass.
    private mutating func arrived(_ arrival: AckReaderLoop.Arrival, on connection: UInt64, into out: inout [ForwarderDirective]) {
        if case .reply(.map(let ack)) = arrival, let w = acks.pending.first(where: { $0.connection == connection }), ack == w.ackValue {
            // When the bytes arrived (what a capture sees); `chunk_acked` follows when the ack reader reads them.
            let label = nodes.indices.contains(w.node) ? nodes[w.node].label : ""
            out.append(.emitEvent(AgentEvent(time: clock.now, node: label, event: .ackArrived, detail: w.chunkID.hex)))
        }
        if settings.readAcksOnArrival {
            // Better behaviour: read now, without ending the pass; expiry still runs at the passes.
            resolve(arrival, on: connection, into: &out)
            return
        }
        guard ackReader.arrived(arrival, on: connection) else { return }
        if ackReader.running || ackReader.lastPass {
            passEnded(reading: [(connection, arrival)], into: &out)
        } else {
            resolve(arrival, on: connection, into: &out)
        }
    }

    /// The current pass's select returned (timeout, or an arrival on a watched connection): the next pass begins,
    /// unless shutdown made this one the thread's last (the reader halts) or it was the final pass (done).
    private mutating func passEnded(reading arrivals: [(connection: UInt64, arrival: AckReaderLoop.Arrival)],
                                    into out: inout [ForwarderDirective]) {
        endAckPass(reading: arrivals, into: &out)
        if ackReader.lastPass {
            ackReader.stop()
            out.append(.lastAckDone)
        } else if ackReader.finishing {
            ackReader.halt()
        } else {
            beginAckPass(into: &out)
        }
    }

    /// `last_ack`: the thread has exited (a pass still under way is cut short: the shutdown sequence joins the thread
    /// first); one pass expires overdue waits and reads the kept arrivals it watches, or waits up to the select
    /// interval for one. Without acks (the reader never ran) it is done at once.
    private mutating func lastAck(into out: inout [ForwarderDirective]) {
        if ackReader.running {
            endAckPass(reading: [], into: &out)
            ackReader.halt()
        }
        guard ackReader.halted else {
            out.append(.lastAckDone)
            return
        }
        let expired = acks.expire(now: clock.monotonicNow, nodeLabel: nodeHostPort)
        for r in expired { announce(r, into: &out) }
        deferredExpiries = expired
        let ready = ackReader.beginLastPass(watching: acks.pending.map(\.connection))
        if !ready.isEmpty {
            passEnded(reading: ready, into: &out)
        } else {
            out.append(.armAckReader(after: ackReader.passLength))
        }
    }

    private mutating func resolve(_ arrival: AckReaderLoop.Arrival, on connection: UInt64, into out: inout [ForwarderDirective]) {
        let r: AckResolution?
        switch arrival {
        case .reply(let reply):
            let registered = acks.pending.first { $0.connection == connection }?.registeredAt
            r = acks.received(reply, connection: connection)
            if let r, r.outcome == .success, let registered, latency.indices.contains(r.node) {
                latency[r.node].acked(after: clock.monotonicNow - registered)
            }
        case .closed: r = acks.peerClosed(connection: connection, nodeLabel: nodeHostPort)
        }
        if let r { apply(r, into: &out) }
    }

    /// collect_response: expire overdue waits, then watch the remaining ones; arrivals kept from the previous pass are
    /// read at once (the select returns immediately), which ends that pass too. Two rounds at most: the second pass
    /// starts with nothing kept.
    private mutating func beginAckPass(into out: inout [ForwarderDirective]) {
        for _ in 0..<2 {
            let expired = acks.expire(now: clock.monotonicNow, nodeLabel: nodeHostPort)
            for r in expired { announce(r, into: &out) }
            deferredExpiries = expired
            let ready = ackReader.beginPass(watching: acks.pending.map(\.connection))
            if ready.isEmpty { break }
            endAckPass(reading: ready, into: &out)
        }
        out.append(.armAckReader(after: ackReader.passLength))
    }

    /// The pass's select returned: collect_response hands its results over only now, the waits it expired when the
    /// pass began first, then what it read. So a node whose wait expired stays available until the pass ends.
    private mutating func endAckPass(reading arrivals: [(connection: UInt64, arrival: AckReaderLoop.Arrival)],
                                     into out: inout [ForwarderDirective]) {
        let expired = deferredExpiries
        deferredExpiries = []
        for r in expired { enact(r, into: &out) }
        announcedDisables = []
        for (connection, arrival) in arrivals { resolve(arrival, on: connection, into: &out) }
        announcedDisables = []
    }

    private mutating func heartbeatTimerFired(into out: inout [ForwarderDirective]) {
        guard settings.heartbeatType != .none else { return }
        roundActive = true
        roundNeedsRebuild = false
        let now = clock.now
        for i in members {
            switch dns[i].lookup(now: now) {
            case .cached(let address):
                out.append(.sendHeartbeat(node: i, address: address, port: nodes[i].port, type: settings.heartbeatType))
            case .resolveNow:
                heartbeatPending[i] = true
                out.append(.resolveDNS(node: i, host: nodes[i].host, port: nodes[i].port))
            }
        }
    }

    private mutating func heartbeatReplied(node: Int, into out: inout [ForwarderDirective]) {
        guard health.indices.contains(node), isMember(node) else { return }
        latency[node].probeAnswered(at: clock.monotonicNow)
        guard let t = health[node].heartbeat(detect: true, now: clock.now) else { return }
        let n = nodes[node]
        out.append(.log(.warn, "recovered forwarding server '\(n.name ?? "")' host=\(RubyInspect.string(n.host)) port=\(n.port)"))
        out.append(.emitEvent(AgentEvent(t, nodeLabel: n.label)))
        // Transport: rebuild at the end of the timer run; UDP replies arrive outside it and rebuild at once.
        if roundActive && settings.heartbeatType == .transport {
            roundNeedsRebuild = true
        } else {
            rebuild(into: &out)
        }
    }

    private mutating func heartbeatRoundCompleted(into out: inout [ForwarderDirective]) {
        guard settings.heartbeatType != .none else { return }
        let now = clock.now
        var needRebuild = roundNeedsRebuild
        for i in heartbeatPending.indices { heartbeatPending[i] = false }
        for i in members {
            if emitsPhiSamples && health[i].isAvailable {
                // The same O(1) reading tick makes below (same `now`), taken before a detach clears the window.
                out.append(.emitEvent(AgentEvent(time: now, node: nodes[i].label, event: .phiSample,
                                                 phi: health[i].phi(now: now), threshold: settings.phiThreshold)))
            }
            guard let t = health[i].tick(now: now) else { continue }
            let n = nodes[i]
            let head = "detached forwarding server '\(n.name ?? "")' host=\(RubyInspect.string(n.host)) port=\(n.port)"
            switch t.cause {
            case .phi(let value, let threshold):
                out.append(.log(.warn, head + " phi=\(RubyInspect.float(value)) phi_threshold=\(RubyInspect.number(threshold))"))
            default:
                out.append(.log(.warn, head + " hard_timeout=true"))
            }
            dns[i].invalidate()
            out.append(.emitEvent(AgentEvent(t, nodeLabel: n.label)))
            needRebuild = true
        }
        roundActive = false
        roundNeedsRebuild = false
        if needRebuild { rebuild(into: &out) }
    }

    private mutating func dnsFailedDuringHeartbeat(node: Int, error: String, into out: inout [ForwarderDirective]) {
        let n = nodes[node]
        if !dns[node].resolvedOnce && settings.ignoreNetworkErrorsAtStartup {
            out.append(.log(.warn, "failed to resolve node name in heartbeating server=\(RubyInspect.string(n.name ?? n.host)) error=\(RubyInspect.string(error))"))
        } else {
            out.append(.log(.debug, "unexpected error happen during heartbeat host=\(RubyInspect.string(n.host)) port=\(n.port) heartbeat_type=:\(settings.heartbeatType.rawValue) error=\(RubyInspect.string(error))"))
        }
    }

    /// Announces and enacts at once (a read result, or an expiry outside the reader's loop).
    private mutating func apply(_ r: AckResolution, into out: inout [ForwarderDirective]) {
        announce(r, into: &out)
        enact(r, into: &out)
        announcedDisables.remove(r.node)
    }

    /// What Fluentd logs when it finds the outcome: the warning, and the stream's ack and disable events (the disable
    /// once per node while it is still available).
    private mutating func announce(_ r: AckResolution, into out: inout [ForwarderDirective]) {
        if let log = r.log { out.append(.log(log.level, log.message)) }
        let label = nodes.indices.contains(r.node) ? nodes[r.node].label : ""
        switch r.outcome {
        case .success: break
        case .failedTimeout, .failedEOF:
            out.append(.emitEvent(AgentEvent(time: clock.now, node: label, event: .ackFailed,
                                             cause: r.outcome == .failedTimeout ? "ack_timeout" : "peer_closed_before_ack",
                                             detail: r.chunkID.hex)))
        case .chunkIDUnmatched:
            out.append(.emitEvent(AgentEvent(time: clock.now, node: label, event: .ackUnmatched, detail: r.chunkID.hex)))
        case .error(let why):
            out.append(.emitEvent(AgentEvent(time: clock.now, node: label, event: .ackError, detail: why)))
        }
        if r.disablesNode, isAvailable(r.node), !announcedDisables.contains(r.node) {
            announcedDisables.insert(r.node)
            out.append(.emitEvent(AgentEvent(time: clock.now, node: label, event: .disabled,
                                             cause: Self.disableCause(r).name)))
        }
    }

    /// What Fluentd does with the outcome (`ack_check`'s block): close the socket, disable the node, commit or roll back.
    private mutating func enact(_ r: AckResolution, into out: inout [ForwarderDirective]) {
        out.append(.closeConnection(r.connection))
        if r.disablesNode {
            let announced = announcedDisables.contains(r.node)
            disable(node: r.node, cause: Self.disableCause(r), emitting: !announced, into: &out)
        }
        switch r.chunkAction {
        case .commit: out.append(.commitChunk(r.chunkID))
        case .rollback: out.append(settings.dropChunksOnAckFailure ? .commitChunk(r.chunkID) : .rollbackChunk(r.chunkID))
        case .none: break
        }
    }

    private static func disableCause(_ r: AckResolution) -> TransitionCause {
        r.outcome == .failedTimeout ? .ackTimeout : .peerClosedBeforeAck
    }

    private mutating func disable(node: Int, cause: TransitionCause, emitting: Bool = true, into out: inout [ForwarderDirective]) {
        guard health.indices.contains(node) else { return }
        guard let t = health[node].disable(cause: cause, now: clock.now) else { return }
        if emitting { out.append(.emitEvent(AgentEvent(t, nodeLabel: nodes[node].label))) }
        // Quirk 29: Fluentd does not rebuild here.
        if settings.rebuildOnEveryChange { rebuild(into: &out) }
    }

    private mutating func rebuild(into out: inout [ForwarderDirective]) {
        let h = health
        let result = balancer.rebuild(nodes: members.map { balancerNodes[$0] }, ids: members) { h.indices.contains($0) && h[$0].isAvailable }
        let now = clock.now
        for log in result.logs { out.append(.log(log.level, log.message)) }
        for i in result.promoted {
            out.append(.emitEvent(AgentEvent(time: now, node: nodes[i].label, event: .standbyPromoted)))
        }
        if balancer.weightArray.isEmpty {
            // The rebuild's "No nodes are available" warning; flush failures emit their own (cause flush_failed).
            out.append(.emitEvent(AgentEvent(time: now, node: "", event: .noNodesAvailable, cause: "rebuild")))
        }
        out.append(.rebalanced(weightArray: balancer.weightArray))
    }
}
