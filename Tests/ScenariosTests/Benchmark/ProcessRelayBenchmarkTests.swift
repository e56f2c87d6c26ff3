import Agent
import FluentdConfig
import Foundation
import Testing

@testable import Scenarios

/// `fwdlab bench relay --agent process`: the configuration both agents run, and one short round on each through
/// real processes (the figures themselves are printed by the command, never asserted as timings).
@Suite(.serialized) struct ProcessRelayBenchmarkTests {
    static func settings() throws -> ProcessRelayBenchmark.Settings {
        let dir = NSTemporaryDirectory() + "fwdlab-relay-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var s = ProcessRelayBenchmark.Settings(workdir: dir)
        s.seconds = 1
        s.warmup = 0.5
        s.burstInterval = 0
        s.agentParameters = [("fwdlab_read_acks_on_arrival", "true")]
        return s
    }

    @Test("the agent reads the shared configuration with the bench's buffer, and only its side gets the fwdlab_ parameters")
    func configurationIsTheSameForBoth() throws {
        let s = try Self.settings()
        let text = ProcessRelayBenchmark.configuration(s, side: .fwdlab(executable: "/x"), inputPort: 24224, receiverPort: 24225)
        let r = try #require(AgentRuntimeSettings(configuration: try AgentConfiguration.parse(text: text, file: "relay.conf")))
        #expect(r.buffer.chunkLimitSize == 4 * 1024 * 1024)
        #expect(r.buffer.totalLimitSize == 64 * 1024 * 1024)
        #expect(r.buffer.overflowAction == .block)
        #expect(r.buffer.flushThreadCount == 2)
        #expect(r.flushThreadBurstInterval == 0)
        #expect(r.forwarder.requireAckResponse)
        #expect(r.forwarder.readAcksOnArrival)
        #expect(r.nodes.map(\.port) == [24225])

        let fluentd = FluentdInstallation(version: "1.16.9", command: ["ruby"], environment: [:], origin: "test")
        let other = ProcessRelayBenchmark.configuration(s, side: .fluentd(fluentd), inputPort: 24224, receiverPort: 24225)
        #expect(!other.contains("fwdlab_"))
        #expect(other == text.replacingOccurrences(of: "\n  fwdlab_read_acks_on_arrival true", with: ""))
    }

    @Test("the median of an odd count is the middle value, of an even count the mean of the middle two")
    func median() {
        #expect(ProcessRelayBenchmark.median([3, 1, 2]) == 2)
        #expect(ProcessRelayBenchmark.median([4, 1, 3, 2]) == 2.5)
        #expect(ProcessRelayBenchmark.median([]) == 0)
    }

    /// What every round must show: load moved, nothing acked by the input lost, the child's figures read.
    static func checkRound(_ r: ProcessRelayBenchmark.Round) {
        #expect(r.eventsPerSecond > 0)
        #expect(r.eventsAckedByInput > 0)
        #expect(r.lost == 0, "acked by the input \(r.eventsAckedByInput), at the receiver \(r.eventsAtReceiver)")
        #expect(r.cpuPercent > 0 && r.cpuMicrosecondsPerEvent > 0)
        #expect(r.idleRSSKiB > 0 && r.peakRSSKiB >= r.idleRSSKiB)
    }

    @Test("one round through `fwdlab agent` as a child process")
    func fwdlabRound() async throws {
        guard FileManager.default.isExecutableFile(atPath: ProcessModeTests.fwdlab) else {
            Issue.record("\(ProcessModeTests.fwdlab) is missing: run `swift build --build-tests` first")
            return
        }
        let r = try await ProcessRelayBenchmark.runRound(.fwdlab(executable: ProcessModeTests.fwdlab), round: 1, settings: try Self.settings())
        Self.checkRound(r)
        #expect(r.side == "fwdlab agent")
    }

    @Test("one round through real Fluentd 1.16.9 with the same configuration", .enabled(if: FluentdTestSupport.available || FluentdInstallation.required))
    func fluentdRound() async throws {
        let f = try FluentdInstallation.resolve(version: "1.16.9")
        let r = try await ProcessRelayBenchmark.runRound(.fluentd(f), round: 1, settings: try Self.settings())
        Self.checkRound(r)
        #expect(r.side == "fluentd 1.16.9")
    }
}
