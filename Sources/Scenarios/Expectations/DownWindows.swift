/// When each receiver was unreachable on purpose (crash→restart, partition→heal, pause→resume, crash/refuse/pause
/// faults until removed), from the executed steps; cadence checks ignore these windows.
enum DownWindows {
    static func compute(_ record: RunRecord) -> [String: [(Double, Double)]] {
        var open: [String: Double] = [:]
        var out: [String: [(Double, Double)]] = [:]
        for s in record.steps where s.error == nil {
            guard let r = s.receiver else { continue }
            let opens: Bool
            switch s.kind {
            case "crash", "partition", "pause": opens = true
            case "apply": opens = ["crash", "refuse", "pause"].contains { s.summary.contains("(\($0))") }
            case "restart", "heal", "resume", "remove": opens = false
            default: continue
            }
            if opens {
                if open[r] == nil { open[r] = s.time }
            } else if let start = open.removeValue(forKey: r) {
                out[r, default: []].append((start, s.time))
            }
        }
        for (r, start) in open { out[r, default: []].append((start, record.duration)) }
        return out
    }
}
