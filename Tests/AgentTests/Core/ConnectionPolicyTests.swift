import Testing

@testable import Agent

/// The connection rules (docs/fluentd-model.md, "Connections"), each with its quirk and the opt-in that changes it.
@Suite struct ConnectionPolicyTests {
    static func policy(keepalive: Bool = true, requireAck: Bool = true, _ tweak: (inout ConnectionPolicy) -> Void = { _ in }) -> ConnectionPolicy {
        var p = ConnectionPolicy(keepalive: keepalive, requireAck: requireAck, connectTimeout: nil, heartbeatInterval: 1)
        tweak(&p)
        return p
    }

    @Test func aSendGoesBackToTheCacheOnlyWhenKeptAliveCachedAndOpen() {
        #expect(Self.policy().afterSend(cached: true, open: true) == .checkIn)
        #expect(Self.policy().afterSend(cached: true, open: false) == .close)
        #expect(Self.policy().afterSend(cached: false, open: true) == .close)
        #expect(Self.policy(keepalive: false).afterSend(cached: true, open: true) == .close)
    }

    @Test func aFailedWriteRegistersTheAckWaitWithoutKeepalive() {
        // Quirk 16: the EOF then disables the node through the ack reader.
        #expect(Self.policy(keepalive: false).afterFailedWrite(cached: false) == .awaitAckThenClose)
        #expect(Self.policy(keepalive: false, requireAck: false).afterFailedWrite(cached: false) == .close)
        let noQuirk = Self.policy(keepalive: false) { $0.registerAckOnFailedSend = false }
        #expect(noQuirk.afterFailedWrite(cached: false) == .close)
        // A cached socket is revoked instead, acks or not.
        #expect(Self.policy().afterFailedWrite(cached: true) == .revoke)
        #expect(Self.policy().afterFailedWrite(cached: false) == .awaitAckThenClose)
    }

    @Test func aFailedAckStillChecksTheSocketBackIn() {
        // Quirk 20 (v1.16.9): failed, mismatched, even dead.
        let p = Self.policy()
        #expect(p.afterAck(success: true, cached: true, open: true, serverDeniesKeepalive: false) == .checkIn)
        #expect(p.afterAck(success: false, cached: true, open: true, serverDeniesKeepalive: false) == .checkIn)
        #expect(p.afterAck(success: false, cached: true, open: false, serverDeniesKeepalive: false) == .checkIn)
        #expect(p.afterAck(success: true, cached: false, open: true, serverDeniesKeepalive: false) == .close)
        #expect(Self.policy(keepalive: false).afterAck(success: true, cached: true, open: true, serverDeniesKeepalive: false) == .close)
        // Opted out: only a matching ack on an open socket keeps it.
        let fixed = Self.policy { $0.reuseSocketAfterFailedAck = false }
        #expect(fixed.afterAck(success: false, cached: true, open: true, serverDeniesKeepalive: false) == .close)
        #expect(fixed.afterAck(success: true, cached: true, open: false, serverDeniesKeepalive: false) == .close)
        #expect(fixed.afterAck(success: true, cached: true, open: true, serverDeniesKeepalive: false) == .checkIn)
    }

    @Test func heloKeepaliveFalseIsIgnoredUnlessHonoured() {
        // Quirk 13.
        #expect(Self.policy().cachesNewConnection(serverDeniesKeepalive: true))
        #expect(!Self.policy(keepalive: false).cachesNewConnection(serverDeniesKeepalive: false))
        let honour = Self.policy {
            $0.honourHeloKeepalive = true
            $0.reuseSocketAfterFailedAck = false
        }
        #expect(!honour.cachesNewConnection(serverDeniesKeepalive: true))
        #expect(honour.cachesNewConnection(serverDeniesKeepalive: false))
        #expect(honour.afterAck(success: true, cached: true, open: true, serverDeniesKeepalive: true) == .close)
    }

    @Test func probesUseTheCacheOnlyWithKeepalive() {
        // Quirk 7.
        #expect(Self.policy().probeUsesCache)
        #expect(!Self.policy(keepalive: false).probeUsesCache)
        let noFake = Self.policy { $0.keepaliveFakesHeartbeat = false }
        #expect(!noFake.probeUsesCache)
    }

    @Test func probeBounds() {
        // Concurrent (default): connect and the whole probe within min(connect_timeout, heartbeat_interval).
        func bounds(_ tweak: (inout ConnectionPolicy) -> Void) -> [AgentSeconds?] {
            let b = Self.policy(tweak).probeBounds
            return [b.connect, b.overall]
        }
        let plain = bounds { _ in }
        let short = bounds { $0.connectTimeout = 0.3 }
        let bound = bounds { $0.connectTimeout = 5; $0.heartbeatProbeBound = 2 }
        #expect(plain == [1, 1] && short == [0.3, 0.3] && bound == [2, 2])
        // Quirk 8's serial mode: connect_timeout alone, nothing when it is not set (the OS's).
        let serial = bounds { $0.serialProbes = true; $0.connectTimeout = 5 }
        let serialOS = bounds { $0.serialProbes = true }
        #expect(serial == [5, nil] && serialOS == [nil, nil])
    }
}

/// One heartbeat round at a time (docs/fluentd-model.md, "The heartbeat timer").
@Suite struct HeartbeatRoundTests {
    @Test func aTickDuringARoundIsDeferredOnceNotDroppedOrDoubled() {
        var r = HeartbeatRound()
        let first = r.timerFired()
        r.began(waitingFor: [0, 1])
        let second = r.timerFired(), third = r.timerFired()  // two ticks during one round: still one deferred run
        #expect(first && !second && !third)
        let afterOne = r.nodeDone(0), afterBoth = r.nodeDone(1)
        #expect(afterOne == .running && afterBoth == .completed(runDeferred: true))
        #expect(!r.active && !r.deferred)
        let next = r.timerFired()
        r.began(waitingFor: [0])
        let done = r.nodeDone(0)
        #expect(next && done == .completed(runDeferred: false))
    }

    @Test func aRoundWithNothingToWaitForEndsAtOnce() {
        var r = HeartbeatRound()
        let started = r.timerFired()
        r.began(waitingFor: [])
        let once = r.settle(), twice = r.settle()  // reported once
        let late = r.nodeDone(3)  // a late completion of no round changes nothing
        #expect(started && once == .completed(runDeferred: false) && twice == .running && late == .running)
    }
}
