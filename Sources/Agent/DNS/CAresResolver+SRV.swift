import CCares
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One SRV record (RFC 2782) as the answer gave it.
public struct SRVRecord: Sendable, Equatable {
    public var priority: UInt16
    public var weight: UInt16
    public var port: UInt16
    /// The target host name, without the trailing dot.
    public var target: String

    public init(priority: UInt16, weight: UInt16, port: UInt16, target: String) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }
}

extension CAresResolver {
    /// The SRV records of `name` from `nameserver` ("host:port"; nil: the system's resolv.conf servers), in answer
    /// order, on the calling thread (the shell runs it on its thread pool). Same channel rules as `blockingLookup`.
    public static func blockingSRVQuery(name: String, nameserver: String?, options: CAresResolverOptions = CAresResolverOptions())
        throws -> [SRVRecord] {
        let server = nameserver ?? "system resolver"
        if let failure = libraryReady {
            throw DNSResolutionError(kind: .other, host: name, nameserver: server, detail: failure)
        }
        func failure(_ status: Int32) -> DNSResolutionError {
            DNSResolutionError(kind: kind(of: status), host: name, nameserver: server, detail: String(cString: ares_strerror(status)), code: status)
        }
        let channel = try openChannel(nameserver: nameserver, options: options, failure: failure)
        defer { ares_destroy(channel) }
        let outcome = SRVOutcome()
        let context = Unmanaged.passRetained(outcome)
        // C_IN = 1, T_SRV = 33.
        ares_query(channel, name, 1, 33, { arg, status, _, abuf, alen in
            guard let arg else { return }
            let outcome = Unmanaged<SRVOutcome>.fromOpaque(arg).takeRetainedValue()
            outcome.status = status
            outcome.done = true
            guard status == ARES_SUCCESS, let abuf else { return }
            var reply: UnsafeMutablePointer<ares_srv_reply>?
            let parsed = ares_parse_srv_reply(abuf, alen, &reply)
            guard parsed == ARES_SUCCESS else {
                outcome.status = parsed
                return
            }
            var node = reply
            while let r = node {
                let target = r.pointee.host.map { String(cString: $0) } ?? ""
                outcome.records.append(SRVRecord(priority: r.pointee.priority, weight: r.pointee.weight, port: r.pointee.port,
                                                 target: target.hasSuffix(".") ? String(target.dropLast()) : target))
                node = r.pointee.next
            }
            if let reply { ares_free_data(reply) }
        }, context.toOpaque())
        var turns = 0
        // c-ares gives up after tries × timeout; the bound only guards against a channel that never calls back.
        while !outcome.done && turns < 100_000 {
            turns += 1
            drive(channel)
        }
        guard outcome.done else { throw failure(ARES_ETIMEOUT) }
        guard outcome.status == ARES_SUCCESS else { throw failure(outcome.status) }
        return outcome.records
    }
}

/// The state one SRV query's callback fills in; confined to the query's thread.
private final class SRVOutcome {
    var done = false
    var status: Int32 = ARES_SUCCESS
    var records: [SRVRecord] = []
}
