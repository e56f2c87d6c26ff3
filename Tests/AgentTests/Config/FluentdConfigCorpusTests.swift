import Agent
import FluentdConfig
import Foundation
import Testing

/// Fluentd's own example configurations that use forward (fixtures/fluentd-configs/SOURCES.md), loaded as
/// `fwdlab agent -c FILE --dry-run` loads them: each either runs or is refused with one named reason, as
/// fixtures/fluentd-configs/expectations.txt says. Fluentd 1.16.9's --dry-run accepts all of them.
@Suite("Fluentd example configurations")
struct FluentdConfigCorpusTests {
    static let dir = "\(repositoryRoot)/fixtures/fluentd-configs"

    /// `file: runs` or `file: refused: FRAGMENT` lines.
    static func expectations() throws -> [(file: String, expected: String)] {
        let text = try String(contentsOfFile: "\(dir)/expectations.txt", encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
    }

    /// What the agent says about `file`: "runs" or "refused: <the error>".
    static func verdict(_ file: String) -> String {
        do {
            // The examples' "#{Dir.pwd}/example/..." paths are relative to Fluentd's checkout: the fixture directory
            // has the same layout (example/sd.yaml). Fixed interfaces keep Socket.getifaddrs deterministic.
            let options = ConfigParseOptions(
                environment: [:], hostname: "host1", currentDirectory: dir,
                interfaceAddresses: [.init(interface: "lo", address: "127.0.0.1", isIPv4: true),
                                     .init(interface: "eth0", address: "192.0.2.10", isIPv4: true)])
            let c = try AgentConfiguration.load(path: "\(dir)/\(file)", options: options)
            if let reason = c.unrunnableReason() { return "refused: \(reason)" }
            return "runs"
        } catch {
            return "refused: \(error)"
        }
    }

    @Test func everyConfigurationIsListed() throws {
        let listed = Set(try Self.expectations().map(\.file))
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.dir).filter { $0.hasSuffix(".conf") }
        #expect(Set(files) == listed)
    }

    @Test func eachRunsOrIsRefusedByName() throws {
        for (file, expected) in try Self.expectations() {
            let got = Self.verdict(file)
            if expected == "runs" {
                #expect(got == "runs", "\(file): \(got)")
            } else {
                let fragment = expected.dropFirst("refused:".count).trimmingCharacters(in: .whitespaces)
                #expect(got.hasPrefix("refused: ") && got.contains(fragment), "\(file): expected \(expected), got \(got)")
                // One error, with the file and line of what is refused.
                #expect(got.contains("\(file):"), "\(file): \(got)")
            }
        }
    }
}
