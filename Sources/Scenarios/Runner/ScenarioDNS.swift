import Simulator

/// The run's DNS server: the scenario's names with answer sets that point at receivers' loopback addresses.
final class ScenarioDNS: Sendable {
    let server: DNSServer
    let binds: [String: String]

    private init(server: DNSServer, binds: [String: String]) {
        self.server = server
        self.binds = binds
    }

    var port: Int { server.port }

    static func start(_ records: [ScenarioDNSRecord], binds: [String: String]) async throws -> ScenarioDNS {
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
        var config = DNSServerConfiguration()
        config.logger.logLevel = .critical
        let server = try await DNSServer.start(authority: authority, configuration: config)
        return ScenarioDNS(server: server, binds: binds)
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
