import ForwardServer
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Simulator
import Testing

@testable import Agent
import ForwardLabTestSupport

/// `AgentProcessControl.gracefulReload` with two forward outputs (docs/control-path.md, "Reload").
@Suite("ProcessReload", .serialized)
struct ProcessReloadTests {
    let group = ShellTestSupport.group

    /// 127.0.0.1 for every host but `gone.test`, which fails as an NXDOMAIN would.
    struct FakeResolver: AddressResolver {
        func resolve(host: String, port: Int, on loop: EventLoop) -> EventLoopFuture<[String]> {
            host == "gone.test" ? loop.makeFailedFuture(AgentStartError.configuration("no such host"))
                : loop.makeSucceededFuture(["127.0.0.1"])
        }
    }

    final class Kinds: @unchecked Sendable {
        // @unchecked: `names` is only touched under `lock`.
        private let lock = NSLock()
        private var names: [String] = []
        func append(_ r: AgentEventRecord) { lock.withLock { names.append(r.event.event.rawValue) } }
        func count(_ name: String) -> Int { lock.withLock { names.filter { $0 == name }.count } }
    }

    private func config(_ port1: Int, _ host2: String, _ port2: Int) throws -> AgentConfiguration {
        try AgentConfiguration.parse(text: """
            <match a.**>
              @type forward
              heartbeat_type transport
              <server>
                host 127.0.0.1
                port \(port1)
              </server>
            </match>
            <match b.**>
              @type forward
              heartbeat_type transport
              <server>
                host \(host2)
                port \(port2)
              </server>
            </match>
            """, file: "two.conf")
    }

    @Test("every output's new settings are checked before any stops: a second output that does not resolve leaves both running; a valid reload reloads both")
    func reloadChecksEveryOutputFirst() async throws {
        let r1 = try await ForwardReceiver.start(ReceiverSettings(name: "r1"), group: group)
        let r2 = try await ForwardReceiver.start(ReceiverSettings(name: "r2"), group: group)
        let good = try config(r1.port, "127.0.0.1", r2.port)
        let outputs = good.forwardOutputs
        try #require(outputs.count == 2)
        let kinds = [Kinds(), Kinds()]
        var agents: [ForwardingAgent] = []
        for (i, o) in outputs.enumerated() {
            agents.append(try await ForwardingAgent.start(configuration: AgentRuntimeSettings(forward: o), eventLoopGroup: group,
                                                          eventSink: { kinds[i].append($0) }, resolver: FakeResolver()))
        }
        let control = AgentProcessControl(agent: agents[0], inputs: [], forwardInputs: [], logger: .init(label: "test"),
                                          moreAgents: [agents[1]])
        await #expect(throws: AgentStartError.self) { try await control.gracefulReload(try config(r1.port, "gone.test", r2.port)) }
        #expect(kinds[0].count("reloaded") == 0 && kinds[1].count("reloaded") == 0, "neither output was stopped")
        for n in 0 ..< 5 { try agents[0].emit(tag: "a.x", time: ShellTestSupport.time, record: ShellTestSupport.record(n)) }
        #expect(await pollUntil(seconds: 10) {
            await agents[0].flush(timeout: 1)
            return r1.ledger.count == 5
        }, "the first output still flushes")
        try await control.gracefulReload(good)
        #expect(kinds[0].count("reloaded") == 1 && kinds[1].count("reloaded") == 1)
        for a in agents { await a.stop(flush: false) }
        await r1.stop(); await r2.stop()
    }
}
