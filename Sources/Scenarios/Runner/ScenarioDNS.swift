import Simulator

/// The run's DNS server: the scenario's names with answer sets that point at receivers' loopback addresses.
final class ScenarioDNS: Sendable {
    let server: DNSServer
    let binds: [String: String]
    /// Receiver name → port, for SRV records that name a receiver.
    let ports: [String: Int]

    private init(server: DNSServer, binds: [String: String], ports: [String: Int], host: String) {
        self.server = server
        self.binds = binds
        self.ports = ports
        self.host = host
    }

    var port: Int { server.port }
    /// The loopback address it answers on.
    let host: String

    /// Starts on `host`:`port` (port 0: an ephemeral port).
    static func start(_ records: [ScenarioDNSRecord], binds: [String: String], ports: [String: Int] = [:], host: String = "127.0.0.1",
                      port: Int = 0) async throws -> ScenarioDNS {
        var names: [DNSName: DNSRecordSet] = [:]
        for r in records {
            let name = try DNSName(parsing: r.name)
            let ips = r.addresses.map { binds[$0] ?? $0 }
            guard var set = DNSRecordSet(addresses: ips, ttl: r.ttl) else {
                throw ScenarioRunError.environment("dns \(r.name): bad address in \(ips)")
            }
            set.behaviour = DNSNameBehaviour(rawValue: r.behaviour) ?? .answer
            set.srv = try srvData(r.srv, ports: ports)
            names[name] = set
        }
        let authority = DNSAuthority(names: names)
        var config = DNSServerConfiguration(hosts: [host], port: port)
        config.logger.logLevel = .critical
        let server = try await DNSServer.start(authority: authority, configuration: config)
        return ScenarioDNS(server: server, binds: binds, ports: ports, host: host)
    }

    /// The wire form of the scenario's SRV records (a receiver's name as port → its port).
    static func srvData(_ records: [ScenarioSRVRecord], ports: [String: Int]) throws -> [DNSSRV] {
        try records.map { r in
            guard let port = ports[r.port] ?? Int(r.port), (0...65535).contains(port) else {
                throw ScenarioRunError.environment("dns srv: no port for '\(r.port)'")
            }
            return DNSSRV(priority: UInt16(clamping: r.priority), weight: UInt16(clamping: r.weight), port: UInt16(port),
                          target: try DNSName(parsing: r.target))
        }
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
        if let srv = change.srv { server.authority.replaceSRV(try Self.srvData(srv, ports: ports), for: name) }
        if let b = change.behaviour, let behaviour = DNSNameBehaviour(rawValue: b) { server.authority.setBehaviour(behaviour, for: name) }
    }

    func stop() async { await server.stop() }
}
