import ForwardLabTestSupport
import Foundation
import Simulator
import Testing

@testable import Scenarios

#if canImport(Glibc)
import Glibc
#endif

/// Every `fwdlab` subcommand through the real binary (`.build/debug/fwdlab`, built by `swift build --build-tests`):
/// exit status, what it prints, and the error a mistake gets. Each run is bounded in time.
@Suite(.serialized) struct CommandLineTests {
    struct Outcome {
        var status: Int32
        var out: String
        var err: String
    }

    static var fwdlab: String { ScenarioTestSupport.root + "/.build/debug/fwdlab" }

    /// Runs `fwdlab args` to completion (killed after `seconds`), from the repository root.
    static func run(_ args: [String], seconds: Double = 60) throws -> Outcome {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: fwdlab)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: ScenarioTestSupport.root)
        let outFile = NSTemporaryDirectory() + "fwdlab-cli-\(UInt32.random(in: 0 ... .max))"
        _ = FileManager.default.createFile(atPath: outFile + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: outFile + ".err", contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: outFile + ".out")
            try? FileManager.default.removeItem(atPath: outFile + ".err")
        }
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outFile + ".out"))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: outFile + ".err"))
        try p.run()
        if !pollUntilBlocking(seconds: seconds, everyMicroseconds: 10_000, { !p.isRunning }) {
            p.terminate()
            _ = pollUntilBlocking(seconds: 5, everyMicroseconds: 10_000) { !p.isRunning }
            Issue.record("fwdlab \(args.joined(separator: " ")) still running after \(seconds) s")
        }
        let out = (try? String(contentsOfFile: outFile + ".out", encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: outFile + ".err", encoding: .utf8)) ?? ""
        return Outcome(status: p.isRunning ? -1 : p.terminationStatus, out: out, err: err)
    }

    /// Starts a long-running subcommand; stop it with SIGTERM/SIGINT.
    static func start(_ args: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: fwdlab)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: ScenarioTestSupport.root)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    static func stop(_ p: Process) -> Bool {
        p.interrupt()
        return pollUntilBlocking(seconds: 10, everyMicroseconds: 10_000) { !p.isRunning }
    }

    static func tempDir() -> String { ScenarioRunnerTests.tempDir() }

    @Test func helpListsEverySubcommand() throws {
        let r = try Self.run(["--help"])
        #expect(r.status == 0)
        for c in ["run", "fault-check", "fidelity", "fidelity-receiver", "fidelity-matrix", "replay", "agent", "receiver",
                  "simulate", "dns", "netns", "pcap", "tune", "bench"] {
            #expect(r.out.contains("  \(c) ") || r.out.contains("  \(c)\n"), "\(c) in --help")
        }
    }

    /// `run` passes a scenario (exit 0, the closing line), fails a broken one with file:line (exit 1), and `replay`
    /// re-runs the recorded run.
    @Test func runAndReplay() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ScenarioTestSupport.failover(name: "t-cli").write(toFile: dir + "/ok.yaml", atomically: true, encoding: .utf8)
        let ok = try Self.run(["run", dir + "/ok.yaml", "--out", dir + "/reports", "--strict"])
        #expect(ok.status == 0, "\(ok.out)\(ok.err)")
        #expect(ok.out.hasSuffix("1 passed, 0 failed\n"), "\(ok.out)")
        let runDir = try #require(try FileManager.default.contentsOfDirectory(atPath: dir + "/reports").first)
        let again = try Self.run(["replay", dir + "/reports/" + runDir, "--out", dir + "/replays"])
        #expect(again.status == 0, "\(again.out)\(again.err)")
        #expect(again.out.contains("PASS t-cli"), "\(again.out)")

        let broken = ScenarioTestSupport.failover(name: "t-cli-bad").replacingOccurrences(of: "at: 1.55s", with: "at: 1.55")
        try broken.write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        let bad = try Self.run(["run", dir + "/bad.yaml", "--out", dir + "/reports"])
        #expect(bad.status == 1)
        #expect(bad.out.contains("bad.yaml:29:") && bad.out.contains("a duration needs a unit"), "\(bad.out)")

        let noMutant = try Self.run(["run", dir + "/ok.yaml", "--mutants", "--mutant", "gremlins"])
        #expect(noMutant.status != 0 && noMutant.err.contains("no mutant 'gremlins'"), "\(noMutant.err)")
        let fluentdMutants = try Self.run(["run", dir + "/ok.yaml", "--mutants", "--agent", "process"])
        #expect(fluentdMutants.status != 0 && fluentdMutants.err.contains("use --agent in-process"), "\(fluentdMutants.err)")
    }

    @Test func faultCheckAgreesOnACrashOfAnIdleReceiver() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Self.run(["fault-check", "fixtures/fault-check/crash-idle.yaml", "--out", dir], seconds: 120)
        #expect(r.status == 0, "\(r.out)\(r.err)")
        #expect(r.out.contains("AGREE fault-check-crash-idle") && r.out.contains("1 of 1 scenarios agree"), "\(r.out)")
        #expect(FileManager.default.fileExists(atPath: dir + "/fault-check.json"))
        let missing = try Self.run(["fault-check", "no/such/dir"])
        #expect(missing.status != 0 && missing.err.contains("no scenario file at no/such/dir"), "\(missing.err)")
    }

    @Test func agentDryRunSummarisesAndRejectsABadConfig() throws {
        let ok = try Self.run(["agent", "-c", "fixtures/configs/relay-two-receivers.conf", "--dry-run"])
        #expect(ok.status == 0, "\(ok.err)")
        #expect(!ok.out.isEmpty)
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "<match **>\n  @type forward\n  phi_threshhold 3\n</match>\n".write(toFile: dir + "/bad.conf", atomically: true, encoding: .utf8)
        let bad = try Self.run(["agent", "-c", dir + "/bad.conf", "--dry-run"])
        #expect(bad.status != 0)
        #expect((bad.out + bad.err).contains("bad.conf"), "\(bad.out)\(bad.err)")
    }

    /// `receiver` acks a chunk on its port and writes the ledger line; SIGINT stops it.
    @Test func receiverAcksAndWritesItsLedger() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let port = try PortAllocator.freeTCPPort()
        let p = try Self.start(["receiver", "--port", String(port), "--ledger", dir + "/ledger.jsonl", "--ledger-sync"])
        #expect(pollUntilBlocking(seconds: 10) { PortAllocator.accepts(port: port) }, "listening on \(port)")
        let client = try RawClient(port: port)
        client.send(Wire.packed(seqs: [1, 2]))
        #expect(client.readMessage(timeout: 5) == Wire.ack(Wire.chunkID))
        let ledger = (try? String(contentsOfFile: dir + "/ledger.jsonl", encoding: .utf8)) ?? ""
        #expect(ledger.split(separator: "\n").count == 2, "\(ledger)")
        #expect(Self.stop(p))
    }

    /// `simulate` serves the control API for a topology; `GET /receivers` lists both receivers.
    @Test func simulateServesTheControlAPI() throws {
        let port = try PortAllocator.freeTCPPort()
        let p = try Self.start(["simulate", "--config", "fixtures/topologies/two-receivers.yaml", "--control", "127.0.0.1:\(port)"])
        defer { _ = Self.stop(p) }
        #expect(pollUntilBlocking(seconds: 10) { PortAllocator.accepts(port: port) })
        let client = try RawClient(port: port)
        client.send(Array("GET /receivers HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
        let body = String(decoding: client.read(count: 1 << 20, timeout: 5), as: UTF8.self)
        #expect(body.hasPrefix("HTTP/1.1 200"), "\(body.prefix(200))")
        #expect(body.contains("\"name\"") && body.contains("running"), "\(body)")
        #expect(Self.stop(p))
    }

    @Test func dnsServesAZoneAndRejectsAMissingOne() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "names:\n  logs.fwdlab.test: [127.0.0.5]\n".write(toFile: dir + "/zone.yaml", atomically: true, encoding: .utf8)
        let port = try PortAllocator.freeTCPPort()
        let p = try Self.start(["dns", "--zone", dir + "/zone.yaml", "--port", String(port), "--quiet"])
        #expect(pollUntilBlocking(seconds: 10) { PortAllocator.accepts(port: port) }, "DNS over TCP on \(port)")
        #expect(Self.stop(p))
        let missing = try Self.run(["dns", "--zone", dir + "/none.yaml", "--port", "0"])
        #expect(missing.status != 0 && missing.err.contains("none.yaml"), "\(missing.err)")
    }

    @Test func pcapInspectAndHeartbeats() throws {
        let inspect = try Self.run(["pcap", "inspect", "fixtures/pcaps/failover.pcap"])
        #expect(inspect.status == 0, "\(inspect.err)")
        let expected = try String(contentsOfFile: ScenarioTestSupport.root + "/fixtures/pcaps/failover.pcap.expected.txt", encoding: .utf8)
        #expect(inspect.out == expected + "\n", "the report the golden-capture tests pin, and a closing newline")
        let hb = try Self.run(["pcap", "heartbeats", "fixtures/pcaps/failover.pcap"])
        #expect(hb.status == 0, "\(hb.err)")
        let lines = hb.out.split(separator: "\n")
        #expect(lines.first?.hasPrefix("# heartbeat arrivals") == true && lines.dropFirst().first == "1293974055.500200", "\(hb.out.prefix(300))")
    }

    @Test func tuneRecommendsOnASmallGrid() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Self.run(["tune", "--intervals", "1", "--thresholds", "8,16", "--seeds", "2", "--hours", "0.1", "--out", dir], seconds: 120)
        #expect(r.status == 0, "\(r.out)\(r.err)")
        let written = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(!written.isEmpty, "tune wrote its report to --out")
        let bad = try Self.run(["tune", "--detect-within", "30"])
        #expect(bad.status != 0 && bad.err.contains("a duration needs a unit"), "\(bad.err)")
    }

    @Test func benchTunePrintsFigures() throws {
        let r = try Self.run(["bench", "tune", "--seeds", "2", "--hours", "0.05", "--json"], seconds: 120)
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("{") && r.out.contains("}"), "\(r.out)")
    }

    /// The Fluentd-facing commands refuse a release that is not bundled, naming it.
    @Test func fidelityCommandsNameAMissingRelease() throws {
        for args in [["fidelity", "fixtures/scenarios/primary-killed-idle.yaml", "--against", "fluentd:0.0.1"],
                     ["fidelity-receiver", "--against", "fluentd:0.0.1"],
                     ["fidelity-matrix", "fixtures/scenarios/primary-killed-idle.yaml", "--agents", "in-process,fluentd:0.0.1"]] {
            let r = try Self.run(args)
            #expect(r.status != 0, "\(args)")
            #expect((r.out + r.err).contains("0.0.1"), "\(args): \(r.out)\(r.err)")
        }
    }

    @Test func netnsListRunsOrSaysItNeedsRoot() throws {
        let r = try Self.run(["netns", "list"])
        if getuid() == 0 {
            #expect(r.status == 0, "\(r.err)")
        } else {
            #expect(r.status != 0 && r.err.contains("root"), "\(r.err)")
        }
    }

    /// `netns exec` sent SIGTERM passes it on to its command and exits once the command has (128 + 15), so the command
    /// does not outlive it in the lab's namespace.
    @Test(.enabled(if: NetworkNamespaceLab.unavailableReason() == nil, "needs root, ip and nft"))
    func netnsExecPassesSIGTERMToItsCommand() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let upOut = dir + "/up.out"
        _ = FileManager.default.createFile(atPath: upOut, contents: nil)
        let up = Process()
        up.executableURL = URL(fileURLWithPath: Self.fwdlab)
        up.arguments = ["netns", "up", "--hosts", "cliexec"]
        up.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: upOut))
        up.standardError = FileHandle.nullDevice
        try up.run()
        defer { _ = Self.stop(up) }
        let ready = pollUntilBlocking(seconds: 20, everyMicroseconds: 20_000) {
            ((try? String(contentsOfFile: upOut, encoding: .utf8)) ?? "").contains("Ctrl-C removes everything")
        }
        try #require(ready, "netns up printed its hosts")

        // The lab is the first (0) of the `up` process; --lab goes before the host.
        let exec = try Self.start(["netns", "exec", "--lab", "\(up.processIdentifier)/0", "cliexec", "--", "sleep", "30"])
        var child: Int32?
        _ = pollUntilBlocking(seconds: 10, everyMicroseconds: 20_000) {
            child = Self.children(of: exec.processIdentifier).first { $0.command == "sleep" }?.pid
            return child != nil
        }
        let sleeper = try #require(child, "sleep runs as exec's child")
        defer { if kill(sleeper, 0) == 0 { kill(sleeper, SIGKILL) } }

        kill(exec.processIdentifier, SIGTERM)
        #expect(pollUntilBlocking(seconds: 10, everyMicroseconds: 10_000) { !exec.isRunning }, "exec exits")
        if !exec.isRunning {
            #expect(exec.terminationReason == .exit && exec.terminationStatus == 128 + SIGTERM,
                    "exit status \(exec.terminationStatus) (\(exec.terminationReason == .exit ? "exit" : "signal"))")
        }
        #expect(pollUntilBlocking(seconds: 5, everyMicroseconds: 10_000) { kill(sleeper, 0) != 0 && errno == ESRCH },
                "the command (pid \(sleeper)) is gone once exec has exited")
        #expect(Self.stop(up), "netns up stops on SIGINT")
    }

    /// The processes whose parent is `pid`: (pid, command name), from /proc.
    static func children(of pid: Int32) -> [(pid: Int32, command: String)] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> (pid: Int32, command: String)? in
            guard let p = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
            else { return nil }
            // "pid (comm) state ppid ...": the command name may hold spaces or parentheses, so split after the last ")".
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, Int32(fields[1]) == pid else { return nil }
            return (p, String(stat[stat.index(after: open) ..< close]))
        }
    }

    /// README's command table ("The command line") against the binary: every subcommand `fwdlab --help` lists has a
    /// row, every row names a subcommand (and, for `pcap`/`bench`, subcommands of it), and every option a row names is
    /// in that subcommand's `--help`.
    @Test func readmeCommandTableAgreesWithHelp() throws {
        let readme = try String(contentsOfFile: ScenarioTestSupport.root + "/README.md", encoding: .utf8)
        let section = readme.components(separatedBy: "\n## The command line\n").dropFirst().first?
            .components(separatedBy: "\n#").first ?? ""
        // Each row's first cell is one code span, with `\|` for a literal bar.
        let rows: [[String]] = section.split(separator: "\n").filter { $0.hasPrefix("| `fwdlab ") }.map { line in
            line.dropFirst(3).prefix { $0 != "`" }.replacingOccurrences(of: "\\|", with: "|").split(separator: " ").map(String.init)
        }
        #expect(rows.count >= 14, "rows of README's command table: \(rows.count)")

        let top = try Self.run(["--help"])
        let subcommands = Self.subcommands(inHelp: top.out)
        #expect(subcommands.count >= 14, "\(top.out)")
        let named = Set(rows.compactMap { $0.count > 1 ? $0[1] : nil })
        for c in subcommands {
            #expect(named.contains(c), "`fwdlab \(c)` (in fwdlab --help) has no row in README's command table")
        }
        for words in rows where words.count > 1 {
            let command = words[1]
            guard subcommands.contains(command) else {
                Issue.record("README's command table names `fwdlab \(command)`, which fwdlab --help does not list")
                continue
            }
            let help = try Self.run([command, "--help"])
            #expect(help.status == 0, "fwdlab \(command) --help: \(help.err)")
            var paths = [[command]]
            var rest = Array(words.dropFirst(2))
            let nested = Self.subcommands(inHelp: help.out)
            if !nested.isEmpty, let next = rest.first, next != "..." {
                let alternatives = next.split(separator: "|").map(String.init)
                for a in alternatives where !nested.contains(a) {
                    Issue.record("README's command table names `fwdlab \(command) \(a)`; fwdlab \(command) --help lists \(nested)")
                }
                paths = alternatives.filter(nested.contains).map { [command, $0] }
                rest.removeFirst()
            }
            let options = rest.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "[]")) }.filter(Self.isOption)
            for path in paths where path.count > 1 || !options.isEmpty {
                let text = path.count > 1 ? try Self.run(path + ["--help"]).out : help.out
                for option in options {
                    #expect(Self.mentions(text, option), "README's command table gives `fwdlab \(path.joined(separator: " ")) \(option)`, which its --help does not list")
                }
            }
        }
    }

    /// The names under SUBCOMMANDS: in an ArgumentParser help text.
    static func subcommands(inHelp text: String) -> [String] {
        guard let start = text.range(of: "SUBCOMMANDS:\n") else { return [] }
        var names: [String] = []
        for line in text[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { break }
            // A name is indented by two spaces; wrapped abstracts are indented further.
            guard line.hasPrefix("  "), let first = line.dropFirst(2).first, first.isLowercase else { continue }
            names.append(String(line.dropFirst(2).prefix { $0 != " " }))
        }
        return names
    }

    /// `-c` or `--name-with-dashes`.
    static func isOption(_ word: String) -> Bool {
        let body = word.hasPrefix("--") ? word.dropFirst(2) : word.hasPrefix("-") ? word.dropFirst() : ""
        guard let first = body.first, first.isLowercase else { return false }
        return body.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" } && (word.hasPrefix("--") || body.count == 1)
    }

    /// Whether `text` names `option` as a whole word (not as the start of a longer option).
    static func mentions(_ text: String, _ option: String) -> Bool {
        var searchFrom = text.startIndex
        while let r = text.range(of: option, range: searchFrom ..< text.endIndex) {
            let before = r.lowerBound == text.startIndex ? " " : text[text.index(before: r.lowerBound)]
            let after = r.upperBound == text.endIndex ? " " : text[r.upperBound]
            if (before == " " || before == "[" || before == "\n") && !(after.isLetter || after.isNumber || after == "-") { return true }
            searchFrom = r.upperBound
        }
        return false
    }
}
