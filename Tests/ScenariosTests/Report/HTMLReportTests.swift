import Foundation
import Testing

@testable import Scenarios

/// report.html: self-contained, with the charts; rendered in headless Chromium when it is installed.
@Suite struct HTMLReportTests {
    static func sampleResult() throws -> (ScenarioResult, Scenario) {
        let s = try ScenarioLoader.parse(ScenarioTestSupport.failover())
        var r = RunRecord(scenario: s.name, seed: 3)
        r.receivers = ["r1", "r2", "r3"]
        r.duration = 8
        r.heartbeatInterval = 0.5
        r.phiThreshold = 1
        for i in 0 ..< 600 {
            let t = Double(i) / 100
            let node = t < 2 ? (i % 2 == 0 ? "r1" : "r2") : (i % 2 == 0 ? "r3" : "r2")
            r.deliveries.append(Delivery(time: t, receiver: node, seq: Int64(i), chunk: "c\(i / 20)", request: i / 20))
        }
        for n in ["r1", "r2", "r3"] {
            r.observations[n] = stride(from: 0.5, to: n == "r1" ? 1.6 : 8, by: 0.5).map { ReceiverObservation(kind: "accept", time: $0, answeredAt: $0) }
        }
        r.steps = [TimelineEntry(time: 1.5, planned: 1.5, id: "crash-r1", kind: "crash", receiver: "r1", summary: "crash r1", error: nil)]
        r.agentEvents = [AgentEventEntry(time: 3.4, node: "r1", event: .detached, cause: "phi", phi: 1.1, threshold: 1),
                         AgentEventEntry(time: 3.4, node: "r3", event: .standbyPromoted)]
        var result = ScenarioResult(scenario: s.name, path: "x.yaml", seed: 3, verdict: .passed)
        result.record = r
        result.expectations = ExpectationEvaluator.evaluate(s.expectations, record: r)
        return (result, s)
    }

    @Test func htmlIsSelfContainedWithCharts() throws {
        let (result, s) = try Self.sampleResult()
        let html = HTMLReport.render(result, scenario: s)
        for id in ["chart-rate", "chart-phi", "chart-deliveries", "expectations", "timeline"] {
            #expect(html.contains("id=\"\(id)\""), "\(id)")
        }
        #expect(html.contains("class=\"fault-band\"") && html.contains("class=\"detach-marker\"") && html.contains("class=\"threshold\""))
        #expect(html.contains("class=\"phi-series\"") && html.contains("class=\"rate-series\""))
        #expect(!html.contains("<script") && !html.contains("src=\"http") && !html.contains("href=\"http"), "no external resources")
        #expect(html.contains("r1 detached (phi)"))
    }

    @Test func evaluatorMeasuresTheSampleRun() throws {
        let (result, _) = try Self.sampleResult()
        let byKey = Dictionary(grouping: result.expectations, by: \.key)
        #expect(byKey["no_loss"]?.first?.measured == "0 of 0 lost")
        #expect(byKey["detach"]?.first?.measured == "1.9 s (cause phi)")
        #expect(byKey["no_detach"]?.first?.status == .pass)
    }

    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: chromium != nil, "chromium is not installed (apt-get install chromium); skipping the browser render"))
    func chromiumRendersTheCharts() throws {
        let (result, s) = try Self.sampleResult()
        let dir = NSTemporaryDirectory() + "fwdlab-html-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let page = dir + "/report.html"
        try HTMLReport.render(result, scenario: s).write(toFile: page, atomically: true, encoding: .utf8)
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=\(dir)/profile"]
        let dom = try Self.run(Self.chromium!, common + ["--dump-dom", "file://\(page)"])
        for id in ["chart-rate", "chart-phi", "chart-deliveries"] {
            #expect(dom.contains("<svg id=\"\(id)\""), "DOM has \(id)")
        }
        #expect(dom.contains("polyline"))
        _ = try Self.run(Self.chromium!, common + ["--screenshot=\(dir)/shot.png", "--window-size=1000,1400", "file://\(page)"])
        let png = try Data(contentsOf: URL(fileURLWithPath: dir + "/shot.png"))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG")
        #expect(png.count > 20_000, "non-trivial screenshot (\(png.count) bytes)")
    }

    /// Runs a process with a bounded wait; returns stdout.
    static func run(_ path: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let deadline = Date().addingTimeInterval(60)
        while p.isRunning, Date() < deadline { usleep(50_000) }
        if p.isRunning { p.terminate() }
        return String(decoding: data, as: UTF8.self)
    }
}
