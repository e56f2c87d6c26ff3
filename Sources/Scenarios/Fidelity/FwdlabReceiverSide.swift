import ForwardServer
import Foundation
import Logging
import Simulator

/// The fwdlab receiver under comparison, in this process with its default (in_forward default) settings on an
/// ephemeral loopback port; events are counted from its ledger.
final class FwdlabReceiverSide: DifferentialSide {
    let label = "fwdlab"
    private var receiver: ForwardReceiver?
    private var cursor = 0
    /// Incarnations started; more than one means it had stopped, which the differential reports as a death.
    private(set) var starts = 0

    func ensureRunning() async throws -> Int {
        if let receiver, receiver.isRunning { return receiver.port }
        var settings = ReceiverSettings(name: "fwdlab-fidelity", bind: "127.0.0.1", port: 0)
        // Bad frames are the point here; their warnings would drown the table.
        settings.logger.logLevel = .critical
        let r = try await ForwardReceiver.start(settings)
        receiver = r
        cursor = 0
        starts += 1
        return r.port
    }

    func isAlive() -> Bool { receiver?.isRunning ?? false }

    func events(untilSentinel sentinelTag: String, timeout: Double) async -> [String]? {
        guard let ledger = receiver?.ledger else { return nil }
        let deadline = Date().addingTimeInterval(timeout)
        var tags: [String] = []
        while true {
            while let e = ledger.event(at: cursor) {
                cursor += 1
                if e.tag == sentinelTag { return tags.filter { !FluentdForwardSide.isHarnessTag($0) } }
                tags.append(e.tag)
            }
            if Date() >= deadline { return nil }
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
    }

    func shutdown() async {
        await receiver?.stop()
        receiver = nil
    }
}
