import Agent
import FluentdConfig
import Logging
import Testing

@Suite("HTTP RPC endpoint (docs/forward-protocol.md, 'RPC endpoint')")
struct RPCServerTests {
    /// Starts a server on an ephemeral port with `control`, runs `body`, and closes the server.
    func withServer(
        control: FakeAgentControl, options: RPCServer.Options = .init(),
        loader: @escaping @Sendable () throws -> AgentConfiguration = { try AgentConfiguration.parse(text: "") },
        _ body: (Int) async throws -> Void
    ) async throws {
        let plane = ControlPlane(control: control, logger: CapturedLogs().logger, loader: loader)
        let server = try await RPCServer.start(
            endpoint: HostPort(host: "127.0.0.1", port: 0), plane: plane, options: options, logger: CapturedLogs().logger)
        let port = try #require(server.port)
        do {
            try await body(port)
        } catch {
            try? await server.close()
            throw error
        }
        try await server.close()
    }

    @Test func flushBuffersSucceedsWithJSON() async throws {
        let control = FakeAgentControl()
        try await withServer(control: control) { port in
            let r = try await rawHTTP(port: port, method: "POST", path: "/api/plugins.flushBuffers")
            #expect(r.status == 200)
            #expect(r.header("Content-Type") == "application/json")
            #expect(r.body == #"{"ok":true}"#)
            #expect(await control.calls(atLeast: 1) == [.flush])
        }
    }

    /// Fluentd's supervisor answers by signalling itself (supervisor.rb run_rpc_server); the flush runs afterwards.
    @Test func flushBuffersAnswersWithoutWaitingForTheFlush() async throws {
        let control = FakeAgentControl(holdFlush: true)
        defer { control.release() }
        try await withServer(control: control) { port in
            let started = ContinuousClock.now
            let r = try await rawHTTP(port: port, method: "POST", path: "/api/plugins.flushBuffers")
            let elapsed = ContinuousClock.now - started
            #expect(r.status == 200)
            #expect(r.body == #"{"ok":true}"#)
            // Fluentd 1.16.9 answered in 2-9 ms; 0.5 s leaves room for a loaded machine and still fails a held flush.
            #expect(elapsed < .milliseconds(500), "answered after \(elapsed)")
            #expect(await control.calls(atLeast: 1) == [.flush])
        }
    }

    @Test(arguments: ["GET", "POST", "PUT", "HEAD"])
    func methodsThatRunTheAction(_ method: String) async throws {
        let control = FakeAgentControl()
        try await withServer(control: control) { port in
            let r = try await rawHTTP(port: port, method: method, path: "/api/plugins.flushBuffers")
            #expect(r.status == 200)
            #expect(r.body == (method == "HEAD" ? "" : #"{"ok":true}"#))
            #expect(r.header("Content-Length") == "11")
            #expect(await control.calls(atLeast: 1) == [.flush])
        }
    }

    @Test func optionsListsMethodsWithoutRunning() async throws {
        let control = FakeAgentControl()
        try await withServer(control: control) { port in
            let r = try await rawHTTP(port: port, method: "OPTIONS", path: "/api/plugins.flushBuffers")
            #expect(r.status == 200)
            #expect(r.header("Allow") == "GET,HEAD,OPTIONS,POST,PUT")
            #expect(control.calls.isEmpty)
        }
    }

    @Test(arguments: ["DELETE", "PATCH", "TRACE"])
    func otherMethodsAre405(_ method: String) async throws {
        let control = FakeAgentControl()
        try await withServer(control: control) { port in
            let r = try await rawHTTP(port: port, method: method, path: "/api/plugins.flushBuffers")
            #expect(r.status == 405)
            #expect(control.calls.isEmpty)
        }
    }

    @Test func prefixMatchAtSlashBoundary() async throws {
        let control = FakeAgentControl()
        try await withServer(control: control) { port in
            let ok = try await rawHTTP(port: port, method: "GET", path: "/api/plugins.flushBuffers/anything?x=1")
            #expect(ok.status == 200)
            let query = try await rawHTTP(port: port, method: "GET", path: "/api/plugins.flushBuffers?x=1")
            #expect(query.status == 200)
            let near = try await rawHTTP(port: port, method: "GET", path: "/api/plugins.flushBuffersX")
            #expect(near.status == 404)
            #expect(near.header("Content-Type") == "text/html; charset=ISO-8859-1")
            let unknown = try await rawHTTP(port: port, method: "GET", path: "/api/nothing")
            #expect(unknown.status == 404)
            #expect(unknown.body.contains("Not Found"))
            #expect(await control.calls(atLeast: 2) == [.flush, .flush])
        }
    }

    @Test func everyRouteCallsItsAction() async throws {
        let control = FakeAgentControl()
        try await withServer(control: control) { port in
            let expectations: [(String, FakeAgentControl.Call)] = [
                ("/api/config.reload", .reload), ("/api/config.gracefulReload", .gracefulReload), ("/api/config.dump", .dump),
                ("/api/plugins.flushBuffers", .flush),
            ]
            for (i, (path, call)) in expectations.enumerated() {
                let r = try await rawHTTP(port: port, method: "POST", path: path)
                #expect(r.status == 200, "\(path)")
                #expect(r.body == #"{"ok":true}"#)
                // Started, not awaited: the call may land just after the answer.
                #expect(await control.calls(atLeast: i + 1).last == call, "\(path)")
            }
            // Stops are started in the background, like Fluentd signalling itself: await the call.
            for path in ["/api/processes.interruptWorkers", "/api/processes.killWorkers"] {
                let r = try await rawHTTP(port: port, method: "POST", path: path)
                #expect(r.status == 200)
                #expect(await control.nextCallSkipping(to: .stop) == .stop)
            }
            let r = try await rawHTTP(port: port, method: "POST", path: "/api/processes.flushBuffersAndKillWorkers")
            #expect(r.status == 200)
            #expect(await control.nextCallSkipping(to: .stop) == .stop)
            #expect(Array(control.calls.suffix(2)) == [.flush, .stop])
        }
    }

    @Test func aFailedFlushIsLoggedAndTheAnswerIsStillOk() async throws {
        // Fluentd's handler only signals; what the flush then does never reaches the HTTP answer.
        let control = FakeAgentControl(failFlush: true)
        try await withServer(control: control) { port in
            let r = try await rawHTTP(port: port, method: "POST", path: "/api/plugins.flushBuffers")
            #expect(r.status == 200)
            #expect(r.body == #"{"ok":true}"#)
            #expect(r.header("Content-Type") == "application/json")
            #expect(await control.calls(atLeast: 1) == [.flush])
        }
    }

    @Test func brokenReloadAnswersOkByDefault() async throws {
        // supervisor.rb: config.reload sends SIGHUP to itself and answers; a broken file is the worker's problem.
        let control = FakeAgentControl()
        let loader: @Sendable () throws -> AgentConfiguration = {
            try AgentConfiguration.parse(text: "<match **>\n  @type forward\n  heartbeat_intervall 1\n</match>", file: "new.conf")
        }
        try await withServer(control: control, loader: loader) { port in
            let r = try await rawHTTP(port: port, method: "POST", path: "/api/config.reload")
            #expect(r.status == 200)
            #expect(r.body == #"{"ok":true}"#)
            #expect(control.calls.isEmpty)
        }
    }

    @Test func detailedErrorsOptIn() async throws {
        // Quirk 31's (docs/quirks.md) better behaviour: a reload read up front reports its error (the status stays 500).
        let control = FakeAgentControl()
        let loader: @Sendable () throws -> AgentConfiguration = {
            try AgentConfiguration.parse(text: "<match **>\n  @type null\n  bogus 1\n</match>", file: "b.conf")
        }
        try await withServer(control: control, options: .init(detailedErrors: true), loader: loader) { port in
            let r = try await rawHTTP(port: port, method: "POST", path: "/api/config.gracefulReload")
            #expect(r.status == 500)
            #expect(r.body.hasPrefix(#"{"ok":false,"message":"#))
            #expect(r.body.contains("b.conf:3"))
        }
    }

    @Test func getDumpOnlyWhenEnabled() async throws {
        let control = FakeAgentControl(dumpText: "<match \"a\">\n</match>\n")
        try await withServer(control: control) { port in
            let s1 = try await rawHTTP(port: port, method: "GET", path: "/api/config.getDump").status
            #expect(s1 == 404, "GET /api/config.getDump")
        }
        try await withServer(control: control, options: .init(enableGetDump: true)) { port in
            let r = try await rawHTTP(port: port, method: "GET", path: "/api/config.getDump")
            #expect(r.status == 200)
            #expect(r.body == #"{"conf":"<match \"a\">\n</match>\n","ok":true}"#)
        }
    }

    @Test func brokenReloadKeepsRunningConfiguration() async throws {
        let control = FakeAgentControl()
        let loader: @Sendable () throws -> AgentConfiguration = {
            try AgentConfiguration.parse(text: "<match **>\n  @type forward\n  heartbeat_intervall 1\n</match>", file: "new.conf")
        }
        try await withServer(control: control, options: .init(detailedErrors: true), loader: loader) { port in
            let r = try await rawHTTP(port: port, method: "POST", path: "/api/config.reload")
            #expect(r.status == 500)
            #expect(r.body.contains("new.conf:3"))
            #expect(control.calls.isEmpty)
        }
    }

    @Test func strictRoutesOptIn() async throws {
        let control = FakeAgentControl()
        try await withServer(control: control, options: .init(enableGetDump: true, strictRoutes: true)) { port in
            let s2 = try await rawHTTP(port: port, method: "GET", path: "/api/plugins.flushBuffers").status
            #expect(s2 == 405, "GET /api/plugins.flushBuffers")
            let s3 = try await rawHTTP(port: port, method: "HEAD", path: "/api/config.reload").status
            #expect(s3 == 405, "HEAD /api/config.reload")
            let s4 = try await rawHTTP(port: port, method: "POST", path: "/api/plugins.flushBuffers/x").status
            #expect(s4 == 404, "POST /api/plugins.flushBuffers/x")
            let s5 = try await rawHTTP(port: port, method: "POST", path: "/api/plugins.flushBuffers").status
            #expect(s5 == 200, "POST /api/plugins.flushBuffers")
            let s6 = try await rawHTTP(port: port, method: "GET", path: "/api/config.getDump").status
            #expect(s6 == 200, "GET /api/config.getDump")
            #expect(Set(await control.calls(atLeast: 2)) == [.flush, .dump])
        }
    }

    @Test func routeMatching() {
        let routes = RPCRoute.routes(enableGetDump: false)
        #expect(RPCRoute.match(uri: "/api/config.dump", in: routes, exact: false)?.action == .dumpConfig)
        #expect(RPCRoute.match(uri: "/api/config.dump/", in: routes, exact: false)?.action == .dumpConfig)
        #expect(RPCRoute.match(uri: "/api/config.dumpX", in: routes, exact: false) == nil)
        #expect(RPCRoute.match(uri: "/api/config.getDump", in: routes, exact: false) == nil)
        #expect(RPCRoute.match(uri: "/api/config.dump/x", in: routes, exact: true) == nil)
        #expect(RPCRoute.match(uri: "/", in: routes, exact: false) == nil)
    }
}

extension FakeAgentControl {
    /// Consumes calls until `wanted` arrives (bounded by the timeout), returning it or nil.
    func nextCallSkipping(to wanted: Call, timeout: Double = 5) async -> Call? {
        for _ in 0..<20 {
            guard let c = await nextCall(timeout: timeout) else { return nil }
            if c == wanted { return c }
        }
        return nil
    }
}
