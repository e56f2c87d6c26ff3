import Foundation

/// The values `${…}` placeholders in the agent configuration expand to for one run.
public struct PlaceholderContext: Sendable {
    /// Per receiver: host (bind address) and port.
    public var receivers: [String: (host: String, port: Int)] = [:]
    /// `<server>` blocks for every receiver, in scenario order (`${servers}`).
    public var serverOrder: [ReceiverSpec] = []
    public var tlsCA: String = ""
    public var workdir: String = "/tmp"
    public var dnsPort: Int = 0
    /// A free 127.0.0.1 port for `<system> rpc_endpoint 127.0.0.1:${rpc.port}` (then `rpc:` steps use HTTP).
    public var rpcPort: Int = 0
    public var seed: UInt64 = 0

    public init() {}

    /// Values that parse but point nowhere, for validating a configuration at load time.
    public static func standIn(for scenario: Scenario) -> PlaceholderContext {
        var c = PlaceholderContext()
        for (i, r) in scenario.receivers.enumerated() { c.receivers[r.name] = (r.bind, 20000 + i) }
        c.serverOrder = scenario.receivers
        c.tlsCA = "/dev/null"
        c.workdir = NSTemporaryDirectory()
        c.seed = scenario.seed
        c.rpcPort = 24444
        return c
    }

    /// The value of one placeholder name (nil: unknown).
    func value(of name: String) -> String? {
        switch name {
        case "servers": return serversBlock()
        case "tls.ca": return tlsCA
        case "workdir": return workdir
        case "dns.port": return String(dnsPort)
        case "rpc.port": return String(rpcPort)
        case "seed": return String(seed)
        default: break
        }
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, let r = receivers[parts[0]] else { return nil }
        switch parts[1] {
        case "host": return r.host
        case "port": return String(r.port)
        case "address": return "\(r.host):\(r.port)"
        case "name": return parts[0]
        default: return nil
        }
    }

    private func serversBlock() -> String {
        serverOrder.compactMap { spec -> String? in
            guard let r = receivers[spec.name] else { return nil }
            var lines = ["<server>", "  name \(spec.name)", "  host \(r.host)", "  port \(r.port)", "  weight \(spec.weight)"]
            if spec.standby { lines.append("  standby true") }
            if let key = spec.sharedKey { lines.append("  shared_key \(key)") }
            lines.append("</server>")
            return lines.joined(separator: "\n")
        }.joined(separator: "\n")
    }
}
