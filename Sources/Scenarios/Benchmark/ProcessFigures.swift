import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// CPU time and memory of this process or of a child, for the benchmarks' figures (Linux /proc).
public enum ProcessFigures {
    /// User plus system CPU seconds of this process so far.
    public static func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
    }

    /// User plus system CPU seconds of process `pid` so far (`utime` + `stime` of /proc/PID/stat), nil once it is gone.
    public static func cpuSeconds(pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // The command name may hold spaces and parentheses; the fields after its closing one are space-separated,
        // starting with field 3 (state), so utime and stime (fields 14 and 15) are at 11 and 12.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The given fields of /proc/self/status (or /proc/PID/status), in KiB (0 when absent).
    public static func status(_ names: [String], pid: Int32? = nil) -> [Int] {
        let s = (try? String(contentsOfFile: "/proc/\(pid.map(String.init) ?? "self")/status", encoding: .utf8)) ?? ""
        let lines = s.split(separator: "\n")
        return names.map { name in
            guard let line = lines.first(where: { $0.hasPrefix(name) }) else { return 0 }
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0
        }
    }
}
