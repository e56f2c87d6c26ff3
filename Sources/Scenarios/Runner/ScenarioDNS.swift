import Simulator

/// The run's DNS server: the scenario's names with answer sets that point at receivers' loopback addresses.
final class ScenarioDNS: Sendable {
    let server: DNSServer
    let binds: [String: String]

    private init(server: DNSServer, binds: [String: String], host: String) {
        self.server = server
        self.binds = binds
        self.host = host
    }

    var port: Int { server.port }
    /// The loopback address it answers on.
    let host: String

    /// Starts on `host`:`port` (port 0: an ephemeral port).
    static func start(_ records: [ScenarioDNSRecord], binds: [String: String], host: String = "127.0.0.1",
                      port: Int = 0) async throws -> ScenarioDNS {
        var names: [DNSName: DNSRecordSet] = [:]
        for r in records {
            let name = try DNSName(parsing: r.name)
            let ips = r.addresses.map { binds[$0] ?? $0 }
            guard var set = DNSRecordSet(addresses: ips, ttl: r.ttl) else {
                throw ScenarioRunError.environment("dns \(r.name): bad address in \(ips)")
            }
            set.behaviour = DNSNameBehaviour(rawValue: r.behaviour) ?? .answer
            names[name] = set
        }
        let authority = DNSAuthority(names: names)
        var config = DNSServerConfiguration(hosts: [host], port: port)
        config.logger.logLevel = .critical
        let server = try await DNSServer.start(authority: authority, configuration: config)
        return ScenarioDNS(server: server, binds: binds, host: host)
    }

    func apply(_ change: ScenarioDNSChange) throws {
        let name = try DNSName(parsing: change.name)
        if let addresses = change.addresses {
            var parsed: [DNSAddress] = []
            for a in addresses.map({ binds[$0] ?? $0 }) {
                guard let d = DNSAddress(a) else { throw ScenarioRunError.environment("dns: bad address \(a)") }
                parsed.append(d)
            }
            server.authority.replaceAddresses(parsed, for: name)
        }
        if let ttl = change.ttl { server.authority.setTTL(ttl, for: name) }
        if let b = change.behaviour, let behaviour = DNSNameBehaviour(rawValue: b) { server.authority.setBehaviour(behaviour, for: name) }
    }

    func stop() async { await server.stop() }
}
