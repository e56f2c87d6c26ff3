import Foundation
import NIOConcurrencyHelpers

/// What a finished command printed and returned.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs `ip`, `nft`, `tc` and friends as child processes with a bounded wait and clear errors.
public enum CommandRunner {
    /// Full path of `tool` on PATH (plus /usr/sbin and /sbin, where iproute2 lives), or nil.
    public static func which(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let dirs = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        for dir in dirs {
            let candidate = dir + "/" + tool
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs `argv`; throws `commandFailed` on a non-zero status unless `check` is false, and
    /// `commandTimedOut` (after killing it) when it takes longer than `timeout`.
    @discardableResult
    public static func run(_ argv: [String], input: String? = nil, timeout: Duration = .seconds(15), check: Bool = true) throws -> CommandResult {
        guard let tool = argv.first else { throw NetworkLabError.toolMissing("") }
        guard let executable = tool.hasPrefix("/") ? tool : which(tool) else { throw NetworkLabError.toolMissing(tool) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(argv.dropFirst())
        let out = Pipe()
        let err = Pipe()
        let inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        let collected = NIOLockedValueBox<(Data, Data)>((Data(), Data()))
        let readers = DispatchGroup()
        // Read both pipes concurrently so a chatty child never blocks on a full pipe.
        for (index, pipe) in [out, err].enumerated() {
            readers.enter()
            DispatchQueue.global().async {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                collected.withLockedValue { if index == 0 { $0.0 = data } else { $0.1 = data } }
                readers.leave()
            }
        }
        let commandText = argv.joined(separator: " ")
        do {
            try process.run()
        } catch {
            try? out.fileHandleForWriting.close()
            try? err.fileHandleForWriting.close()
            readers.wait()
            throw NetworkLabError.commandFailed(command: commandText, status: -1, stderr: "\(error)")
        }
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try? inPipe.fileHandleForWriting.close()
        let (seconds, attos) = timeout.components
        let limit = Double(seconds) + Double(attos) / 1e18
        if finished.wait(timeout: .now() + limit) == .timedOut {
            process.terminate()
            if finished.wait(timeout: .now() + 1) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                _ = finished.wait(timeout: .now() + 1)
            }
            _ = readers.wait(timeout: .now() + 1)
            throw NetworkLabError.commandTimedOut(command: commandText, seconds: limit)
        }
        _ = readers.wait(timeout: .now() + 5)
        let (stdout, stderr) = collected.withLockedValue { $0 }
        let result = CommandResult(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
        if check && result.status != 0 {
            throw NetworkLabError.commandFailed(command: commandText, status: result.status, stderr: result.stderr)
        }
        return result
    }
}
