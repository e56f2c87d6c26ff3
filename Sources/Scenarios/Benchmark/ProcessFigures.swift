import Foundation

/// This process's CPU time and memory, for the benchmarks' figures.
enum ProcessFigures {
    /// User plus system CPU seconds so far.
    static func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
    }

    /// The given fields of /proc/self/status, in KiB (0 when absent).
    static func status(_ names: [String]) -> [Int] {
        let s = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let lines = s.split(separator: "\n")
        return names.map { name in
            guard let line = lines.first(where: { $0.hasPrefix(name) }) else { return 0 }
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0
        }
    }
}
