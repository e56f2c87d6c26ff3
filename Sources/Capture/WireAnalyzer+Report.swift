import Foundation

extension WireAnalyzer.Collector {
    /// Builds the report once every packet has been seen.
    func buildReport(file: String, packets: PacketFigures, connections: [TCPConnectionSummary],
                     udp: [WireAnalyzer.UDPRecord], serverPorts: Set<UInt16>) -> WireReport {
        var timeline = self.timeline
        var counts = self.counts
        var problems = self.problems
        let isNode = { (e: IPEndpoint) in serverPorts.contains(e.port) }

        for id in clientDecoders.indices {
            for case let d? in [clientDecoders[id], serverDecoders[id]] {
                if let reason = d.desyncReason {
                    problems.append("connection #\(id) \(d.direction.rawValue): stopped decoding (\(reason)); \(d.undecodedBytes) bytes not decoded")
                } else if d.pendingBytes > 0 {
                    problems.append("connection #\(id) \(d.direction.rawValue): \(d.pendingBytes) bytes of an incomplete message at the end of the capture")
                }
            }
        }

        // Nodes: servers of TCP connections and destinations of UDP heartbeats.
        var nodeSet = Set(connections.map(\.server).filter(isNode))
        for u in udp where isNode(u.destination) && !isNode(u.source) { nodeSet.insert(u.destination) }
        let nodeList = nodeSet.sorted()

        // Requests per node.
        var requestsByNode: [IPEndpoint: [Int]] = [:]
        for (i, r) in requests.enumerated() {
            let server = connections[r.connection].server
            if isNode(server) { requestsByNode[server, default: []].append(i) }
        }
        var connectionsByNode: [IPEndpoint: [TCPConnectionSummary]] = [:]
        for c in connections where isNode(c.server) { connectionsByNode[c.server, default: []].append(c) }

        // UDP heartbeats, paired per (node, client endpoint): a reply answers the latest request before it.
        struct HBState { var lastRequest: Int64?; var answered = true; var periods: [Int64] = [] }
        var hb: [IPEndpoint: [IPEndpoint: HBState]] = [:]
        var hbFigures: [IPEndpoint: (requests: Int, replies: Int, unanswered: Int, latency: [Int64], periods: [Int64], unansweredTimes: [Int64])] = [:]
        for u in udp {
            if isNode(u.destination) && !isNode(u.source) {
                counts.udpHeartbeatRequests += 1
                var s = hb[u.destination]?[u.source] ?? HBState()
                var f = hbFigures[u.destination] ?? (0, 0, 0, [], [], [])
                if let last = s.lastRequest {
                    f.periods.append(u.time - last)
                    if !s.answered { f.unanswered += 1; f.unansweredTimes.append(last) }
                }
                f.requests += 1
                s.lastRequest = u.time
                s.answered = false
                hb[u.destination, default: [:]][u.source] = s
                hbFigures[u.destination] = f
                if timeline.limit > 0 {
                    timeline.append(WireTimelineEntry(timeNanos: u.time, kind: .udpHeartbeat, client: u.source, node: u.destination,
                                                      detail: "\(u.length) byte(s)"))
                }
            } else if isNode(u.source), u.length == 1, u.firstByte == 0 {
                counts.udpHeartbeatReplies += 1
                var f = hbFigures[u.source] ?? (0, 0, 0, [], [], [])
                f.replies += 1
                var detail = ""
                if var s = hb[u.source]?[u.destination], let last = s.lastRequest, !s.answered {
                    f.latency.append(u.time - last)
                    s.answered = true
                    hb[u.source]?[u.destination] = s
                    detail = String(format: "latency=%.6fs", Double(u.time - last) / 1e9)
                } else {
                    detail = "unsolicited"
                }
                hbFigures[u.source] = f
                if timeline.limit > 0 {
                    timeline.append(WireTimelineEntry(timeNanos: u.time, kind: .udpHeartbeatReply, client: u.destination, node: u.source, detail: detail))
                }
            }
        }
        // A request still unanswered at the end counts as unanswered.
        for (node, clients) in hb {
            for (_, s) in clients where !s.answered {
                hbFigures[node]?.unanswered += 1
                if let t = s.lastRequest { hbFigures[node]?.unansweredTimes.append(t) }
            }
        }

        var nodes: [NodeFigures] = []
        var connectionFigures: [ConnectionFigures] = []
        for c in connections where isNode(c.server) {
            let zero = c.clientBytes == 0 && c.serverBytes == 0
            connectionFigures.append(ConnectionFigures(tcp: c, requests: requestsPerConnection[c.id] ?? 0,
                                                       acks: acksPerConnection[c.id] ?? 0, isTransportHeartbeat: zero && c.synTime != nil))
            if zero && c.synTime != nil {
                counts.transportHeartbeats += 1
                if timeline.limit > 0 {
                    timeline.append(WireTimelineEntry(timeNanos: c.synTime!, kind: .transportHeartbeat, connection: c.id, client: c.client, node: c.server,
                                                      detail: c.synAckTime == nil ? "connect failed (no SYN-ACK)" : "connect-only"))
                }
            }
        }

        for node in nodeList {
            let idx = requestsByNode[node] ?? []
            let conns = connectionsByNode[node] ?? []
            var buckets: [Int64: SecondBucket] = [:]
            var events = 0, bytes = 0
            var ackLatency: [Int64] = []
            var requested = 0, acked = 0
            for i in idx {
                let r = requests[i]
                events += r.entries
                bytes += r.bytes
                let second = r.time / 1_000_000_000
                var b = buckets[second] ?? SecondBucket(second: second, requests: 0, events: 0, bytes: 0)
                b.requests += 1; b.events += r.entries; b.bytes += r.bytes
                buckets[second] = b
                if r.chunk != nil {
                    requested += 1
                    if let a = r.ackTime { acked += 1; ackLatency.append(a - r.time) }
                }
            }
            let unmatched = conns.reduce(0) { $0 + (unmatchedAcks[$1.id] ?? 0) }
            let syns = conns.reduce(0) { $0 + $1.synCount }
            let carrying = conns.compactMap { requestsPerConnection[$0.id] }
            let lifetimes = conns.compactMap { c in c.closeTime.map { $0 - (c.synTime ?? c.firstTime) } }
            let resets = conns.filter { $0.resetTime != nil }
            let lifecycle = ConnectionLifecycleFigures(
                connections: conns.count, syns: syns,
                synsPerRequest: idx.isEmpty ? nil : DurationStats.round(Double(syns) / Double(idx.count)),
                reused: carrying.filter { $0 > 1 }.count,
                requestsPerConnectionMean: carrying.isEmpty ? nil : DurationStats.round(Double(carrying.reduce(0, +)) / Double(carrying.count)),
                requestsPerConnectionMax: carrying.max() ?? 0,
                lifetime: DurationStats(nanos: lifetimes),
                resets: resets.count,
                refused: resets.filter { $0.resetBy == .serverToClient && $0.synAckTime == nil }.count)
            // Transport heartbeats: connections that carried nothing.
            let empty = conns.filter { $0.clientBytes == 0 && $0.serverBytes == 0 && $0.synTime != nil }
            var transport: HeartbeatFigures?
            if !empty.isEmpty {
                var periods: [Int64] = []
                var byClient: [IPAddress: Int64] = [:]
                for c in empty.sorted(by: { $0.synTime! < $1.synTime! }) {
                    if let last = byClient[c.client.address] { periods.append(c.synTime! - last) }
                    byClient[c.client.address] = c.synTime!
                }
                let answered = empty.filter { $0.synAckTime != nil }
                transport = HeartbeatFigures(requests: empty.count, replies: answered.count, unanswered: empty.count - answered.count,
                                             period: DurationStats(nanos: periods),
                                             replyLatency: DurationStats(nanos: answered.map { $0.synAckTime! - $0.synTime! }))
            }
            let udpHB = hbFigures[node].map {
                HeartbeatFigures(requests: $0.requests, replies: $0.replies, unanswered: $0.unanswered,
                                 period: DurationStats(nanos: $0.periods), replyLatency: DurationStats(nanos: $0.latency))
            }
            var clients = Set(conns.map(\.client.address))
            for (c, _) in hb[node] ?? [:] { clients.insert(c.address) }
            nodes.append(NodeFigures(
                node: node, clients: clients.sorted(), requests: idx.count, events: events, bytes: bytes,
                firstRequestNanos: idx.first.map { requests[$0].time }, lastRequestNanos: idx.last.map { requests[$0].time },
                perSecond: buckets.values.sorted { $0.second < $1.second },
                udpHeartbeat: udpHB, transportHeartbeat: transport,
                acks: AckFigures(requested: requested, acked: acked, unacked: requested - acked, unmatched: unmatched,
                                 latency: DurationStats(nanos: ackLatency)),
                lifecycle: lifecycle))
        }

        // Chunks.
        var chunkOrder: [String] = []
        var chunkRequests: [String: [Int]] = [:]
        for (i, r) in requests.enumerated() {
            guard let c = r.chunk, isNode(connections[r.connection].server) else { continue }
            if chunkRequests[c] == nil { chunkOrder.append(c) }
            chunkRequests[c, default: []].append(i)
        }
        let chunks = chunkOrder.map { c -> ChunkFigures in
            let idx = chunkRequests[c]!
            let sends = idx.map { i in
                ChunkSend(timeNanos: requests[i].time, node: connections[requests[i].connection].server,
                          connection: requests[i].connection, ackNanos: requests[i].ackTime)
            }
            var seen = Set<IPEndpoint>()
            let nodesInOrder = sends.map(\.node).filter { seen.insert($0).inserted }
            return ChunkFigures(chunk: c, tag: tags[requests[idx[0]].tag], entries: requests[idx[0]].entries, sends: sends,
                                acks: ackCountByChunk[c] ?? 0, nodes: nodesInOrder, resendStorm: sends.count >= 3)
        }

        let failovers = computeFailovers(nodes: nodeList, requestsByNode: requestsByNode, connectionsByNode: connectionsByNode,
                                         unansweredHeartbeats: hbFigures.mapValues(\.unansweredTimes), connections: connections)
        timeline.sort()
        return WireReport(file: file, packets: packets, serverPorts: serverPorts.sorted(), messages: counts, nodes: nodes,
                          connections: connectionFigures, chunks: chunks, failovers: failovers, problems: problems, timeline: timeline)
    }

    /// For every node that accepted data and then showed trouble: when did data and acks resume elsewhere?
    private func computeFailovers(nodes: [IPEndpoint], requestsByNode: [IPEndpoint: [Int]],
                                  connectionsByNode: [IPEndpoint: [TCPConnectionSummary]],
                                  unansweredHeartbeats: [IPEndpoint: [Int64]], connections: [TCPConnectionSummary]) -> [FailoverGap] {
        var out: [FailoverGap] = []
        for node in nodes {
            guard let idx = requestsByNode[node], !idx.isEmpty else { continue }
            let acked = idx.filter { requests[$0].ackTime != nil }
            let lastAccepted: Int64
            var lastChunk: String?
            if let last = acked.max(by: { requests[$0].ackTime! < requests[$1].ackTime! }) {
                lastAccepted = requests[last].ackTime!
                lastChunk = requests[last].chunk.map(Self.shortChunk)
            } else {
                lastAccepted = requests[idx.last!].time
            }
            // Evidence of failure after the last accepted data.
            var evidence: [(Int64, String)] = []
            for i in idx where requests[i].time > lastAccepted || (requests[i].chunk != nil && requests[i].ackTime == nil && requests[i].time >= lastAccepted) {
                if requests[i].chunk != nil && requests[i].ackTime == nil {
                    evidence.append((requests[i].time, "request on #\(requests[i].connection) never acked"))
                }
            }
            // A reset is trouble when it refuses a connect, cuts a connection still waiting for an ack, or comes from
            // the server before the client closed. Closing resets are not: the client's (Fluentd's linger_timeout 0
            // closes with RST) and the server's answer to the client's FIN.
            let waiting = Set(idx.filter { requests[$0].chunk != nil && requests[$0].ackTime == nil }.map { requests[$0].connection })
            func troubling(_ c: TCPConnectionSummary, _ r: Int64) -> Bool {
                if c.synAckTime == nil || waiting.contains(c.id) { return true }
                return c.resetBy == .serverToClient && (c.clientFinTime.map { r < $0 } ?? true)
            }
            for c in connectionsByNode[node] ?? [] {
                if let r = c.resetTime, r >= lastAccepted, troubling(c, r) {
                    evidence.append((r, c.synAckTime == nil ? "connection #\(c.id) refused" : "connection #\(c.id) reset"))
                } else if let s = c.synTime, s >= lastAccepted, c.synAckTime == nil {
                    evidence.append((s, "SYN on #\(c.id) unanswered"))
                }
            }
            for t in unansweredHeartbeats[node] ?? [] where t >= lastAccepted {
                evidence.append((t, "UDP heartbeat unanswered"))
            }
            guard let first = evidence.min(by: { $0.0 < $1.0 }) else { continue }
            // The next node: first request elsewhere after the last accepted data.
            var next: Int?
            for (i, r) in requests.enumerated() where r.time > lastAccepted {
                let server = connections[r.connection].server
                if server != node && requestsByNode[server] != nil { next = i; break }
            }
            var gap = FailoverGap(failedNode: node, lastAcceptedNanos: lastAccepted, lastAcceptedChunk: lastChunk,
                                  firstFailureNanos: first.0, firstFailure: first.1)
            if let n = next {
                let nextNode = connections[requests[n].connection].server
                gap.nextNode = nextNode
                gap.firstDataNanos = requests[n].time
                gap.gapToData = DurationStats.round(Double(requests[n].time - lastAccepted) / 1e9)
                let firstAck = requestsByNode[nextNode]!.compactMap { i -> Int64? in
                    requests[i].time >= requests[n].time ? requests[i].ackTime : nil
                }.min()
                gap.firstAckNanos = firstAck
                gap.gapToAck = firstAck.map { DurationStats.round(Double($0 - lastAccepted) / 1e9) }
            }
            out.append(gap)
        }
        return out
    }
}
