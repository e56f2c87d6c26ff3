import Testing

#if canImport(AgentCore)
@testable import AgentCore
#else
@testable import Agent
#endif

@Suite struct DNSCacheTests {
    @Test func persistentCacheUntilInvalidated() {
        var rng = SeededRandom(seed: 1)
        var c = DNSCache(expire: nil, roundRobin: false)
        #expect(c.lookup(now: 0) == .resolveNow)
        let first = c.resolved(["10.0.0.1", "10.0.0.2"], now: 0, rng: &rng)
        #expect(first == "10.0.0.1")
        #expect(c.lookup(now: 1e6) == .cached("10.0.0.1"))
        c.invalidate()  // tick detach
        #expect(c.lookup(now: 1e6) == .resolveNow)
        #expect(c.resolvedOnce)
    }

    @Test func zeroResolvesEveryUse() {
        var rng = SeededRandom(seed: 1)
        var c = DNSCache(expire: 0, roundRobin: false)
        c.resolved(["a"], now: 0, rng: &rng)
        #expect(c.lookup(now: 0) == .resolveNow)
    }

    @Test func expiryInWholeSeconds() {
        var rng = SeededRandom(seed: 1)
        var c = DNSCache(expire: 5, roundRobin: false)
        c.resolved(["a"], now: 100.9, rng: &rng)
        #expect(c.lookup(now: 104.99) == .cached("a"))
        #expect(c.lookup(now: 105.0) == .resolveNow)  // 105 - 100 ≥ 5
    }

    @Test func roundRobinPicksRandomly() {
        var rng = SeededRandom(seed: 7)
        var c = DNSCache(expire: 0, roundRobin: true)
        var seen = Set<String>()
        for _ in 0..<200 { seen.insert(c.resolved(["a", "b", "c"], now: 0, rng: &rng) ?? "") }
        #expect(seen == ["a", "b", "c"])
        let none = c.resolved([], now: 0, rng: &rng)
        #expect(none == nil)
    }
}
