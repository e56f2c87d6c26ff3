import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// One reading of the agent process: resident memory, its peak and open file descriptors (Linux /proc).
public struct SoakSample: Sendable, Codable, Equatable {
    /// Seconds on the scenario run's clock (0 = the first agent ready; the sampler stores Unix seconds until the run
    /// is over and its origin known).
    public var t: Double
    public var pid: Int32
    /// Seconds since this pid was first seen: the incarnation's age.
    public var age: Double
    public var rssKiB: Int
    public var hwmKiB: Int
    public var fds: Int

    public init(t: Double, pid: Int32, age: Double, rssKiB: Int, hwmKiB: Int, fds: Int) {
        self.t = t
        self.pid = pid
        self.age = age
        self.rssKiB = rssKiB
        self.hwmKiB = hwmKiB
        self.fds = fds
    }
}

/// Samples the agent child of a soak every `interval` seconds from outside the runner: the agent is the child of
/// this process whose command line names the soak scenario's configuration, so each kill -9 and restart shows up as
/// a new pid (an incarnation) without the runner knowing about sampling.
final class SoakSampler: Sendable {
    let marker: String
    let interval: Double
    private struct State {
        var samples: [SoakSample] = []
        var firstSeen: [Int32: Date] = [:]
    }
    private let state = NIOLockedValueBox(State())

    /// `marker`: a text only the soak agent's command line contains (its scenario's report directory name).
    init(marker: String, interval: Double) {
        self.marker = marker
        self.interval = interval
    }

    var samples: [SoakSample] { state.withLockedValue { $0.samples } }

    /// The samples with `t` on the run clock whose origin is `originWallNanos`.
    func samples(originWallNanos: Int64) -> [SoakSample] {
        samples.map { s in
            var s = s
            s.t = ((s.t - Double(originWallNanos) / 1e9) * 1000).rounded() / 1000
            return s
        }
    }

    /// Samples until cancelled; bounded by `maxSamples` as well.
    func run(maxSamples: Int) async {
        var n = 0
        while !Task.isCancelled, n < maxSamples {
            n += 1
            sampleOnce()
            try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
        }
    }

    func sampleOnce() {
        let now = Date()
        for pid in ChildAgentProcess.descendants(of: getpid()) where Self.commandLine(pid).contains(marker) {
            // ProcessFigures reads /proc/PID/status; a process gone in between reads as zero and is skipped.
            let figures = ProcessFigures.status(["VmRSS", "VmHWM"], pid: pid)
            guard figures[0] > 0, let fds = Self.openFileDescriptors(pid) else { continue }
            state.withLockedValue { s in
                let first = s.firstSeen[pid] ?? now
                s.firstSeen[pid] = first
                s.samples.append(SoakSample(t: now.timeIntervalSince1970, pid: pid, age: now.timeIntervalSince(first),
                                            rssKiB: figures[0], hwmKiB: figures[1], fds: fds))
            }
        }
    }

    /// `/proc/PID/cmdline` with its NUL separators as spaces ("" when unreadable).
    static func commandLine(_ pid: Int32) -> String {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return "" }
        return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
    }

    /// Entries of `/proc/PID/fd` (what `ls /proc/PID/fd | wc -l` counts), nil once the process is gone.
    static func openFileDescriptors(_ pid: Int32) -> Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.count
    }
}
