/// Growth of the agent's resident memory and open descriptors after warm-up, measured within one incarnation: a
/// kill -9 starts a fresh process, so comparing samples of two incarnations would measure the restart, not a leak
/// (docs/soak.md, "Growth").
public struct SoakGrowth: Sendable, Codable, Equatable {
    /// The incarnation judged: the one with the longest span of samples after its warm-up.
    public var pid: Int32
    /// Its age at the first baseline sample and at the last sample, seconds.
    public var fromAge: Double
    public var toAge: Double
    public var rssFromKiB: Int
    public var rssToKiB: Int
    public var fdsFrom: Int
    public var fdsTo: Int
    /// Medians of the first `window` samples past the warm-up (baseline) and of the last `window` samples.
    public var rssPercent: Double
    public var fdsPercent: Double
    /// The same-age figures across incarnations (informational): each incarnation's first sample at or past the
    /// warm-up age, oldest incarnation first. A leak that survives restarts (files, buffer chunks) grows here.
    public var atWarmUp: [SameAge]

    /// One incarnation at the warm-up age.
    public struct SameAge: Sendable, Codable, Equatable {
        public var pid: Int32
        public var age: Double
        public var rssKiB: Int
        public var fds: Int
    }

    /// Samples per median: the descriptor count moves by a few while connections are replaced (a receiver fault,
    /// a heartbeat socket), so one sample does not decide; a leak moves the median as it moves every sample.
    public static let window = 5

    /// The bound the verdict uses, percent.
    public static let limitPercent = 5.0

    public var passes: Bool { rssPercent <= Self.limitPercent && fdsPercent <= Self.limitPercent }

    /// The warm-up for a run of `duration` seconds: the first minute, or 20 % of a run shorter than five minutes.
    public static func warmUp(duration: Double) -> Double { duration >= 300 ? 60 : duration * 0.2 }

    /// Growth from `samples` with warm-up `warmUp` (seconds of an incarnation's age); nil when no incarnation has
    /// `2 × window` samples past its warm-up.
    public static func measure(_ samples: [SoakSample], warmUp: Double) -> SoakGrowth? {
        var order: [Int32] = []
        var byPID: [Int32: [SoakSample]] = [:]
        for s in samples {
            if byPID[s.pid] == nil { order.append(s.pid) }
            byPID[s.pid, default: []].append(s)
        }
        var best: (pid: Int32, from: SoakSample, to: SoakSample)?
        var sameAge: [SameAge] = []
        for pid in order {
            let warm = byPID[pid, default: []].sorted { $0.age < $1.age }.filter { $0.age >= warmUp }
            guard let first = warm.first, let last = warm.last else { continue }
            sameAge.append(SameAge(pid: pid, age: first.age, rssKiB: first.rssKiB, fds: first.fds))
            guard warm.count >= 2 * window else { continue }
            if let b = best, last.age - first.age <= b.to.age - b.from.age { continue }
            best = (pid, first, last)
        }
        guard let best else { return nil }
        let warm = byPID[best.pid, default: []].sorted { $0.age < $1.age }.filter { $0.age >= warmUp }
        let head = warm.prefix(window), tail = warm.suffix(window)
        func median(_ xs: some Collection<Int>) -> Int { xs.sorted()[xs.count / 2] }
        func percent(_ a: Int, _ b: Int) -> Double { a > 0 ? Double(b - a) / Double(a) * 100 : 0 }
        let rss = (median(head.map(\.rssKiB)), median(tail.map(\.rssKiB)))
        let fds = (median(head.map(\.fds)), median(tail.map(\.fds)))
        return SoakGrowth(pid: best.pid, fromAge: best.from.age, toAge: best.to.age, rssFromKiB: rss.0, rssToKiB: rss.1,
                          fdsFrom: fds.0, fdsTo: fds.1, rssPercent: percent(rss.0, rss.1), fdsPercent: percent(fds.0, fds.1),
                          atWarmUp: sameAge)
    }
}
