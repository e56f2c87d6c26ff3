import ForwardServer
import Prometheus

/// The receivers' counters as Prometheus series: per receiver its server counters, ledger counts and state, and how
/// often each fault acted. `fwdlab simulate` serves them at `GET /metrics` on the control API (docs/faults.md,
/// "Control API"), `fwdlab receiver --metrics` for its one receiver, through the same function.
public enum ReceiverMetrics {
    /// The series of one standalone receiver (`fwdlab receiver`): running, no faults.
    public static func exposition(receiver: ForwardReceiver, settings: ReceiverSettings) -> String {
        let status = ReceiverStatus(name: settings.name, state: .running, bind: settings.bind, port: receiver.port,
                                    tls: settings.tls != nil, tlsProfile: nil, security: settings.security != nil,
                                    udpHeartbeat: settings.udpHeartbeat, stats: .init(receiver.stats.snapshot()),
                                    ledger: .init(receiver.ledger.snapshot()), faults: [])
        return exposition(statuses: [status], faultCounts: [:])
    }

    /// The series of `statuses` and the fault counters (keys `receiver/fault`).
    public static func exposition(statuses: [ReceiverStatus], faultCounts: [String: Int]) -> String {
        let registry = PrometheusCollectorRegistry()
        func gauge(_ name: String, _ help: String, _ labels: [(String, String)], _ value: Int) {
            registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
                .set(to: Double(value))
        }
        for s in statuses {
            let r = [("receiver", s.name)]
            let st = s.stats
            gauge("fwdlab_receiver_up", "1 while the receiver is running (listening and serving).", r, s.state == .running ? 1 : 0)
            gauge("fwdlab_receiver_connections_accepted", "Connections accepted.", r, st.connectionsAccepted)
            gauge("fwdlab_receiver_connections_open", "Connections open now.", r, st.connectionsOpen)
            gauge("fwdlab_receiver_requests", "Forward requests accepted.", r, st.requests)
            gauge("fwdlab_receiver_events", "Events accepted.", r, st.events)
            gauge("fwdlab_receiver_acks", "Acks sent.", r, st.acks)
            gauge("fwdlab_receiver_rejects", "Requests or connections rejected.", r, st.rejects)
            gauge("fwdlab_receiver_bytes_read", "Bytes read from clients.", r, st.bytesRead)
            gauge("fwdlab_receiver_heartbeats", "Heartbeats answered.", r, st.heartbeats)
            gauge("fwdlab_receiver_handshakes_succeeded", "<security> handshakes that succeeded.", r, st.handshakesSucceeded)
            gauge("fwdlab_receiver_handshakes_failed", "<security> handshakes that failed.", r, st.handshakesFailed)
            gauge("fwdlab_receiver_ledger_events", "Events in the ledger.", r, s.ledger.events)
            gauge("fwdlab_receiver_duplicate_chunks", "Chunks accepted again (same chunk id).", r, s.ledger.duplicateChunkAccepts)
        }
        for (key, count) in faultCounts.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
            gauge("fwdlab_fault_actions", "Times a fault acted (the fault log's entries).",
                  [("receiver", parts[0]), ("fault", parts.count > 1 ? parts[1] : "")], count)
        }
        return registry.emitToString()
    }
}
