import Foundation

/// A one-line progress display on stderr (used only when stderr is a terminal).
struct ProgressReporter: Sendable {
    let name: String
    let total: Double
    let clock: RunClock

    func run(delivered: @Sendable () -> Int) async {
        // Bounded by the run length (plus slack); cancelled at the end of the run anyway.
        for _ in 0 ..< Int(total * 2 + 120) {
            if Task.isCancelled { return }
            let line = String(format: "\r\u{1B}[2K%@  %5.1f / %.0f s  delivered %d", name, clock.now, total, delivered())
            FileHandle.standardError.write(Data(line.utf8))
            try? await Task.sleep(nanoseconds: 500_000_000)
        }
    }

    func finish() {
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
