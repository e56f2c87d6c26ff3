import ForwardLabTestSupport
import Foundation
import Testing

@testable import Scenarios

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
}
