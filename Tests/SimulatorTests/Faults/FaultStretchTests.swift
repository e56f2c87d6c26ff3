import Testing

@testable import Simulator

/// `time_scale`: faults that time themselves on the engine's real clock stretch with the run.
@Suite("Faults: stretched for a time scale")
struct FaultStretchTests {
    @Test func blackoutWindowsStretch() throws {
        let spec = FaultSpec(kind: "heartbeat_blackout", params: ["offset": "1s", "length": "2s", "period": "10s"])
        let half = try FaultCatalogue.stretch(spec, by: 0.5)
        let fault = try HeartbeatBlackoutFault(parameters: half.params)
        #expect(fault.offsetNanos == 500_000_000 && fault.lengthNanos == 1_000_000_000 && fault.periodNanos == 5_000_000_000)
        #expect(!fault.inBlackout(elapsedNanos: 499_000_000) && fault.inBlackout(elapsedNanos: 501_000_000))
        #expect(!fault.inBlackout(elapsedNanos: 1_501_000_000) && fault.inBlackout(elapsedNanos: 5_600_000_000))
    }

    @Test func idleTimerStretchesAndKeepsItsMode() throws {
        let spec = FaultSpec(kind: "idle_timeout", params: ["idle": "300ms", "mode": "fin"])
        let twice = try IdleTimeoutFault(parameters: try FaultCatalogue.stretch(spec, by: 2).params)
        #expect(twice.idleNanos == 600_000_000 && twice.mode == .fin)
    }

    @Test func faultsTimedByTheirDecisionsAreUnchanged() throws {
        // Latency leaves the engine as a delay decision, which the run stretches where it carries it out.
        let spec = FaultSpec(kind: "latency", params: ["stage": "ack", "delay": "200ms"])
        let stretched = try FaultCatalogue.stretch(spec, by: 0.25)
        #expect(stretched.params == (try LatencyFault(parameters: spec.params)).parameters)
        #expect(try FaultCatalogue.stretch(spec, by: 1) == spec)
    }
}
