import ForwardServer
import NIOConcurrencyHelpers

/// The DNS server's data: zones, names and their record sets, changeable on cue from any thread, and the query log.
public final class DNSAuthority: Sendable {
    private struct State {
        var zones: [DNSName]
        var names: [DNSName: DNSRecordSet]
        var log: [DNSQueryLogEntry] = []
        var logDropped = 0
    }

    /// Negative-caching TTL in the SOA of NXDOMAIN / NODATA answers.
    public let negativeTTL: UInt32
    /// RA flag in responses: stub resolvers expect a recursive server, so on by default.
    public let recursionAvailable: Bool
    /// EDNS UDP payload size advertised in responses to EDNS queries.
    public let ednsPayloadSize: UInt16
    /// Entries kept in the query log; the oldest go first.
    public let logCapacity: Int
    private let state: NIOLockedValueBox<State>

    /// `zones` are the apexes served; names outside them get REFUSED. With no zones, every configured name is its own zone.
    public init(
        zones: [DNSName] = [], names: [DNSName: DNSRecordSet] = [:], negativeTTL: UInt32 = 5, recursionAvailable: Bool = true,
        ednsPayloadSize: UInt16 = 1232, logCapacity: Int = 100_000
    ) {
        self.negativeTTL = negativeTTL
        self.recursionAvailable = recursionAvailable
        self.ednsPayloadSize = ednsPayloadSize
        self.logCapacity = max(1, logCapacity)
        state = NIOLockedValueBox(State(zones: zones, names: names))
    }

    // MARK: changes on cue

    /// Adds a zone apex.
    public func addZone(_ zone: DNSName) {
        state.withLockedValue { if !$0.zones.contains(zone) { $0.zones.append(zone) } }
    }

    /// The configured zones.
    public var zones: [DNSName] { state.withLockedValue { $0.zones } }

    /// Creates or replaces a name's record set.
    public func set(_ name: DNSName, _ recordSet: DNSRecordSet) {
        state.withLockedValue { $0.names[name] = recordSet }
    }

    /// Forgets a name (queries for it then get NXDOMAIN inside a zone, REFUSED outside).
    public func remove(_ name: DNSName) {
        _ = state.withLockedValue { $0.names.removeValue(forKey: name) }
    }

    /// The current record set of `name`.
    public func recordSet(_ name: DNSName) -> DNSRecordSet? {
        state.withLockedValue { $0.names[name] }
    }

    /// All configured names.
    public var names: [DNSName] { state.withLockedValue { Array($0.names.keys) } }

    /// Applies `change` to a name's record set, creating an empty one first if needed; returns the new set.
    @discardableResult
    public func update(_ name: DNSName, _ change: (inout DNSRecordSet) -> Void) -> DNSRecordSet {
        state.withLockedValue { s in
            var set = s.names[name] ?? DNSRecordSet()
            change(&set)
            s.names[name] = set
            return set
        }
    }

    /// Adds an address to a name's answer set.
    public func addAddress(_ address: DNSAddress, to name: DNSName) { update(name) { $0.add(address) } }
    /// Removes an address from a name's answer set.
    public func removeAddress(_ address: DNSAddress, from name: DNSName) { update(name) { $0.remove(address) } }
    /// Replaces a name's whole answer set.
    public func replaceAddresses(_ addresses: [DNSAddress], for name: DNSName) { update(name) { $0.replaceAddresses(addresses) } }
    /// Rotates a name's answer order by one (both families).
    public func rotate(_ name: DNSName) { update(name) { $0.rotate() } }
    /// Sets the TTL of a name's answers.
    public func setTTL(_ ttl: UInt32, for name: DNSName) { update(name) { $0.ttl = ttl } }
    /// Replaces a name's SRV records (the name is created if new).
    public func replaceSRV(_ records: [DNSSRV], for name: DNSName) { update(name) { $0.srv = records } }
    /// Sets what the server does for a name.
    public func setBehaviour(_ behaviour: DNSNameBehaviour, for name: DNSName) { update(name) { $0.behaviour = behaviour } }
    /// Holds a name's answers back by `delay`.
    public func setDelay(_ delay: Duration, for name: DNSName) { update(name) { $0.delay = delay } }
    /// Chooses rotation every answer or on cue only.
    public func setRotation(_ rotation: DNSRotation, for name: DNSName) { update(name) { $0.rotation = rotation } }

    // MARK: query log

    /// The query log, oldest first.
    public var queryLog: [DNSQueryLogEntry] { state.withLockedValue { $0.log } }

    /// Log entries for one name (case-insensitive).
    public func queryLog(for name: DNSName) -> [DNSQueryLogEntry] {
        let text = name.description.lowercased()
        return queryLog.filter { $0.name.lowercased() == text }
    }

    /// Empties the query log.
    public func clearQueryLog() {
        state.withLockedValue {
            $0.log.removeAll()
            $0.logDropped = 0
        }
    }

    /// Appends one entry (the server calls this once per query).
    public func appendLog(_ entry: DNSQueryLogEntry) {
        state.withLockedValue { s in
            if s.log.count >= logCapacity {
                s.log.removeFirst(s.log.count - logCapacity + 1)
                s.logDropped += 1
            }
            s.log.append(entry)
        }
    }

    // MARK: answering

    /// Decides the response to a decoded query. Pure apart from rotating `every_answer` names.
    public func respond(to query: DNSMessage, client: String, transport: DNSTransport) -> DNSDecision {
        var entry = DNSQueryLogEntry(
            wallNanos: MonotonicClock.wallNanos(), monotonicNanos: MonotonicClock.nowNanos(), client: client,
            transport: transport, id: query.header.id, name: query.questions.first?.name.description ?? "",
            type: query.questions.first?.type.description ?? "", outcome: "", answers: [], ttl: 0, delayMilliseconds: 0,
            truncated: false)
        // A response sent to us is never answered: two servers must not ping-pong.
        if query.header.isResponse {
            entry.outcome = "dropped"
            return DNSDecision(response: nil, logEntry: entry)
        }
        let header = DNSHeader(
            id: query.header.id, isResponse: true, opcode: query.header.opcode, recursionDesired: query.header.recursionDesired,
            recursionAvailable: recursionAvailable, checkingDisabled: query.header.checkingDisabled)
        var response = DNSMessage(header: header, questions: query.questions)
        let opt = query.ednsOPT
        if opt != nil { response.additionals.append(.opt(udpPayloadSize: ednsPayloadSize)) }
        // RFC 6891: a payload size below 512 means 512.
        let maxUDP = opt.map { max(512, min(Int($0.recordClass), Int(ednsPayloadSize))) } ?? 512

        func finish(_ code: DNSResponseCode, authoritative: Bool = false) -> DNSDecision {
            response.header.responseCode = code
            response.header.authoritative = authoritative
            entry.outcome = code.description
            return DNSDecision(response: response, maxUDPSize: maxUDP, logEntry: entry)
        }

        guard query.header.opcode == 0 else { return finish(.notImplemented) }
        guard query.questions.count == 1, let question = query.questions.first else { return finish(.formatError) }
        guard question.recordClass == DNSResourceRecord.classIN || question.recordClass == 255 else { return finish(.refused) }

        return state.withLockedValue { s -> DNSDecision in
            let zone = s.zones.filter { question.name.isSubdomain(of: $0) }.max { $0.labels.count < $1.labels.count }
                ?? (s.names[question.name] != nil ? question.name : nil)
            guard let zone else { return finish(.refused) }
            let soa = DNSResourceRecord(
                name: zone, type: .soa, ttl: negativeTTL,
                data: .soa(DNSSOA(primary: Self.child("ns", of: zone), mailbox: Self.child("hostmaster", of: zone), minimum: negativeTTL)))
            guard var set = s.names[question.name] else {
                // An empty non-terminal (a configured name lies below) exists: NODATA rather than NXDOMAIN.
                let exists = question.name == zone || s.names.keys.contains { $0.isSubdomain(of: question.name) }
                if question.type == .soa && question.name == zone {
                    response.answers = [soa]
                    return finish(.noError, authoritative: true)
                }
                response.authorities = [soa]
                return finish(exists ? .noError : .nameError, authoritative: true)
            }
            let delay = set.delay
            entry.delayMilliseconds = Self.wholeMilliseconds(delay)
            var decision: DNSDecision
            switch set.behaviour {
            case .drop:
                entry.outcome = "dropped"
                return DNSDecision(response: nil, delay: delay, logEntry: entry)
            case .servfail:
                decision = finish(.serverFailure)
            case .refused:
                decision = finish(.refused)
            case .nxdomain:
                response.authorities = [soa]
                decision = finish(.nameError, authoritative: true)
            case .answer:
                var addresses: [DNSAddress] = []
                switch question.type {
                case .a: addresses = set.ipv4
                case .aaaa: addresses = set.ipv6
                case .any: addresses = set.ipv4 + set.ipv6
                default: break
                }
                if question.type == .srv && !set.srv.isEmpty {
                    response.answers = set.srv.map { DNSResourceRecord(name: question.name, type: .srv, ttl: set.ttl, data: .srv($0)) }
                    entry.answers = set.srv.map { "\($0.priority) \($0.weight) \($0.port) \($0.target)" }
                    entry.ttl = set.ttl
                } else if question.type == .soa && question.name == zone {
                    response.answers = [soa]
                } else if addresses.isEmpty {
                    response.authorities = [soa]
                } else {
                    // The question's spelling is echoed in the owner names so compression points at it.
                    response.answers = addresses.map { .address(question.name, $0, ttl: set.ttl) }
                    entry.answers = addresses.map(\.description)
                    entry.ttl = set.ttl
                }
                if set.rotation == .everyAnswer && !addresses.isEmpty {
                    set.rotate(question.type == .any ? nil : question.type)
                    s.names[question.name] = set
                }
                decision = finish(.noError, authoritative: true)
            }
            decision.delay = delay
            decision.forceTruncation = set.truncateUDP
            return decision
        }
    }

    /// Builds the log entry for input that could not be decoded.
    public static func malformedEntry(client: String, transport: DNSTransport, bytes: [UInt8], error: Error) -> DNSQueryLogEntry {
        let id = bytes.count >= 2 ? UInt16(bytes[0]) << 8 | UInt16(bytes[1]) : 0
        return DNSQueryLogEntry(
            wallNanos: MonotonicClock.wallNanos(), monotonicNanos: MonotonicClock.nowNanos(), client: client,
            transport: transport, id: id, name: "", type: "", outcome: "malformed", answers: [], ttl: 0, delayMilliseconds: 0,
            truncated: false)
    }

    /// Whole milliseconds of a duration (rounded down), for the log.
    static func wholeMilliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    private static func child(_ label: String, of zone: DNSName) -> DNSName {
        (try? DNSName(labels: [Array(label.utf8)] + zone.labels)) ?? zone
    }
}
