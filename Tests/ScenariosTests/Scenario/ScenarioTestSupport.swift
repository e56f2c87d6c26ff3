import Foundation

/// Paths and small scenario texts shared by the Scenarios tests.
enum ScenarioTestSupport {
    /// The package root, found from this file's location.
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0 ..< 4 { url.deleteLastPathComponent() }
        return url.path
    }()

    static var fixtures: String { root + "/fixtures/scenarios" }

    /// A short three-receiver scenario: r3 is a standby, r1 crashes at `crashAt`.
    ///
    /// The default crash time, 1.55 s, lies halfway between two flush ticks (every 0.1 s from the start): the chunk of
    /// the 1.5 s tick was acked long before, so the crash finds no chunk awaiting its ack and the detach is the
    /// detector's. A crash on a tick can catch a chunk in flight, and then the agent disables r1 at its next ack-reader
    /// pass (cause `peer_closed_before_ack`), as Fluentd does: a different scenario.
    ///
    /// The load runs 3 s past the crash with a chunk every 0.1 s, so even a late detach (≈ 1.6 s after the crash on a
    /// loaded machine) leaves more than 6 sends before the `first_delivery` deadline: the shuffled weight array holds
    /// 6 slots per node, so at most 6 sends in a row can go to r2 and r3's first delivery does not hinge on the seed.
    static func failover(name: String = "t-failover", crashAt: String = "1.55s", duration: String = "4.5s") -> String {
        """
        name: \(name)
        seed: 3
        receivers:
          - {name: r1}
          - {name: r2}
          - {name: r3, standby: true}
        agent:
          config: |
            <match **>
              @type forward
              heartbeat_type transport
              heartbeat_interval 0.5
              phi_threshold 1
              hard_timeout 5
              recover_wait 1
              require_ack_response true
              ack_response_timeout 2
              connect_timeout 1
              ${servers}
              <buffer>
                flush_mode interval
                flush_interval 0.1
                flush_thread_interval 0.1
                retry_wait 0.2
              </buffer>
            </match>
        load: {rate: 100, duration: \(duration)}
        timeline:
          - {id: crash-r1, at: \(crashAt), crash: r1}
        drain: 3s
        capture: false
        expectations:
          - no_loss
          - detach: {node: r1, after: crash-r1, within: [0.2s, 3s], cause: phi}
          - first_delivery: {node: r3, after: crash-r1, within: 3s}
          - no_detach: {node: r2}
        """
    }
}
