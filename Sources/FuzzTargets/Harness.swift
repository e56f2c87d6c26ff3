import Foundation

/// One fuzz target: a name for `FWDLAB_FUZZ_TARGET` / the replayer's first argument, what it covers, the function
/// libFuzzer calls with each input, and seed inputs built with the project's own encoders (tools/fuzz.sh adds the
/// fixture files on top).
struct FuzzTarget: Sendable {
    let name: String
    let summary: String
    let run: @Sendable ([UInt8]) -> Void
    let seeds: @Sendable () -> [[UInt8]]
}

enum FuzzTargets {
    static let all: [FuzzTarget] = [
        MessagePackTargets.scanner,
        MessagePackTargets.reader,
        ForwardTargets.request,
        ForwardTargets.gzip,
        ForwardTargets.zstd,
        ServerIngestTarget.target,
        HandshakeTarget.target,
        ConfigTarget.target,
        ScenarioTarget.target,
        DNSTarget.target,
        CaptureTargets.pcap,
        CaptureTargets.tcp,
    ].compactMap { $0 }

    static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}

/// An invariant the code under test must keep; a violation aborts, which libFuzzer reports as a crash and saves
/// the input (the replayer exits non-zero the same way).
@inline(__always)
func fuzzCheck(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    if !condition {
        FileHandle.standardError.write(Data("fwdlab-fuzz: invariant broken at \(file):\(line): \(message())\n".utf8))
        abort()
    }
}

/// Where the fixtures live (config includes, scenario config files): `FWDLAB_FUZZ_ROOT`, else the current directory
/// (tools/fuzz.sh runs from the repository root).
let fuzzRepositoryRoot: String = {
    if let root = ProcessInfo.processInfo.environment["FWDLAB_FUZZ_ROOT"], !root.isEmpty { return root }
    return FileManager.default.currentDirectoryPath
}()

/// A little-endian cursor over the fuzz input, for targets that build structured input (TCP segments, gzip blobs).
struct FuzzBytes {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { position >= bytes.count }

    mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u16() -> UInt16 { UInt16(byte()) | UInt16(byte()) << 8 }

    mutating func u32() -> UInt32 { UInt32(u16()) | UInt32(u16()) << 16 }

    mutating func take(_ n: Int) -> [UInt8] {
        let end = min(bytes.count, position + max(0, n))
        defer { position = end }
        return Array(bytes[min(position, end) ..< end])
    }

    mutating func rest() -> [UInt8] { take(bytes.count - position) }
}
