/// The RPC paths of Fluentd's supervisor (docs/forward-protocol.md, "RPC endpoint"; non-Windows, v1.16.9) and how a request path finds one.
public struct RPCRoute: Sendable, Hashable {
    public let path: String
    public let action: ControlAction

    public init(path: String, action: ControlAction) {
        self.path = path
        self.action = action
    }

    /// The routes served; `/api/config.getDump` only when `enableGetDump`.
    public static func routes(enableGetDump: Bool) -> [RPCRoute] {
        var r = [
            RPCRoute(path: "/api/processes.interruptWorkers", action: .stop),
            RPCRoute(path: "/api/processes.killWorkers", action: .stop),
            RPCRoute(path: "/api/processes.flushBuffersAndKillWorkers", action: .flushAndStop),
            RPCRoute(path: "/api/plugins.flushBuffers", action: .flushBuffers),
            RPCRoute(path: "/api/config.reload", action: .reload),
            RPCRoute(path: "/api/config.dump", action: .dumpConfig),
            RPCRoute(path: "/api/config.gracefulReload", action: .gracefulReload),
        ]
        if enableGetDump { r.append(RPCRoute(path: "/api/config.getDump", action: .getDump)) }
        return r
    }

    /// The route for `uri` (query string ignored). Fluentd (WEBrick mounts) matches a mount point when the
    /// path equals it or continues with `/` (quirk 32 in docs/quirks.md); `exact` accepts only the path itself.
    public static func match(uri: String, in routes: [RPCRoute], exact: Bool) -> RPCRoute? {
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? uri
        // The longest mount point wins, as with WEBrick's mount table.
        return routes.sorted { $0.path.count > $1.path.count }.first { route in
            path == route.path || (!exact && path.hasPrefix(route.path + "/"))
        }
    }
}
