import Atomics
import CCares
import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Resolves names by querying one chosen nameserver through c-ares (`dns_resolver HOST:PORT`), with TTLs.
///
/// Thread safety: c-ares 1.18 channels must not be used from two threads at once. Every lookup therefore
/// creates its own channel on its own thread, runs it to completion there and destroys it there; nothing
/// of c-ares is shared between lookups except the one-time `ares_library_init`.
public final class CAresResolver: Sendable {
    /// "host:port" of the nameserver, bracketed for IPv6.
    public let nameserver: String
    public let options: CAresResolverOptions

    /// `host` must be an IP literal (c-ares takes nameservers by address); `port` defaults to 53.
    public init(nameserverHost host: String, port: Int = 53, options: CAresResolverOptions = CAresResolverOptions()) throws {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        guard (try? SocketAddress(ipAddress: bare, port: 0)) != nil else {
            throw DNSResolutionError(kind: .other, host: "", nameserver: host, detail: "dns_resolver must be an IP address, got '\(host)'")
        }
        guard (1...65535).contains(port) else {
            throw DNSResolutionError(kind: .other, host: "", nameserver: host, detail: "dns_resolver port \(port) out of range")
        }
        nameserver = bare.contains(":") ? "[\(bare)]:\(port)" : "\(bare):\(port)"
        self.options = options
        _ = Self.libraryReady
    }

    /// Looks `host` up; IP literals come back without a query. Cancelling the task cancels the query.
    public func lookup(host: String) async throws -> DNSResolution {
        if let literal = Self.literal(host) { return literal }
        let cancelled = ManagedAtomic(false)
        let nameserver = nameserver
        let options = options
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<DNSResolution, Error>) in
                let thread = Thread {
                    continuation.resume(with: Result {
                        try Self.blockingLookup(host: host, nameserver: nameserver, options: options) {
                            cancelled.load(ordering: .relaxed)
                        }
                    })
                }
                thread.name = "fwdlab-c-ares"
                thread.start()
            }
        } onCancel: {
            cancelled.store(true, ordering: .relaxed)
        }
    }

    /// Addresses of `host` with `port`, in answer order.
    public func resolve(host: String, port: Int) async throws -> [SocketAddress] {
        try await lookup(host: host).ips.compactMap { try? SocketAddress(ipAddress: $0, port: port) }
    }

    /// Runs one lookup to completion on the calling thread. `isCancelled` is polled at least every 100 ms.
    public static func blockingLookup(
        host: String, nameserver: String, options: CAresResolverOptions, isCancelled: () -> Bool = { false }
    ) throws -> DNSResolution {
        if let literal = literal(host) { return literal }
        if let failure = libraryReady {
            throw DNSResolutionError(kind: .other, host: host, nameserver: nameserver, detail: failure)
        }
        func failure(_ status: Int32) -> DNSResolutionError {
            DNSResolutionError(
                kind: kind(of: status), host: host, nameserver: nameserver, detail: String(cString: ares_strerror(status)), code: status)
        }

        let channel = try openChannel(nameserver: nameserver, options: options, failure: failure)
        defer { ares_destroy(channel) }

        let outcome = LookupOutcome()
        var hints = ares_addrinfo_hints()
        hints.ai_flags = ARES_AI_NOSORT  // keep the nameserver's order: rotation and round robin depend on it
        switch options.family {
        case .any: hints.ai_family = AF_UNSPEC
        case .ipv4: hints.ai_family = AF_INET
        case .ipv6: hints.ai_family = AF_INET6
        }
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        let context = Unmanaged.passRetained(outcome)
        ares_getaddrinfo(channel, host, nil, &hints, { arg, status, _, result in
            guard let arg else { return }
            let outcome = Unmanaged<LookupOutcome>.fromOpaque(arg).takeRetainedValue()
            outcome.status = status
            outcome.done = true
            if let result {
                outcome.addresses = CAresResolver.addresses(of: result)
                ares_freeaddrinfo(result)
            }
        }, context.toOpaque())

        while !outcome.done {
            if isCancelled() {
                ares_cancel(channel)  // runs the callback with ARES_ECANCELLED
                continue
            }
            drive(channel)
        }
        guard outcome.status == ARES_SUCCESS else { throw failure(outcome.status) }
        guard !outcome.addresses.isEmpty else { throw failure(ARES_ENODATA) }
        return DNSResolution(host: host, addresses: outcome.addresses)
    }

    /// A channel asking `nameserver` only (nil: the system's resolv.conf servers); the caller destroys it.
    static func openChannel(nameserver: String?, options: CAresResolverOptions,
                            failure: (Int32) -> DNSResolutionError) throws -> ares_channel {
        var channel: ares_channel?
        var opts = ares_options()
        // NOCHECKRESP: with one nameserver there is no other to fall back to, and without it c-ares turns
        // SERVFAIL / REFUSED into "Could not contact DNS servers", hiding what the server said.
        opts.flags = (options.useTCP ? ARES_FLAG_USEVC : 0) | (options.useSearchDomains ? 0 : ARES_FLAG_NOSEARCH) | ARES_FLAG_NOCHECKRESP
        opts.timeout = Int32(clamping: max(1, durationMilliseconds(options.timeout)))
        opts.tries = Int32(clamping: max(1, options.tries))
        // "b": DNS only. /etc/hosts would answer some names without ever asking the nameserver under test.
        let status = "b".withCString { lookups -> Int32 in
            opts.lookups = UnsafeMutablePointer(mutating: lookups)
            return ares_init_options(&channel, &opts, ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS)
        }
        guard status == ARES_SUCCESS, let channel else { throw failure(status) }
        if let nameserver {
            let serverStatus = ares_set_servers_ports_csv(channel, nameserver)
            guard serverStatus == ARES_SUCCESS else {
                ares_destroy(channel)
                throw failure(serverStatus)
            }
        }
        return channel
    }

    /// One round of poll + ares_process_fd, waiting at most 100 ms.
    static func drive(_ channel: ares_channel) {
        var sockets = [ares_socket_t](repeating: -1, count: Int(ARES_GETSOCK_MAXNUM))
        let bits = ares_getsock(channel, &sockets, ARES_GETSOCK_MAXNUM)
        var fds: [pollfd] = []
        for index in 0..<Int(ARES_GETSOCK_MAXNUM) {
            var events: Int16 = 0
            if bits & (1 << index) != 0 { events |= Int16(POLLIN) }
            if bits & (1 << (index + Int(ARES_GETSOCK_MAXNUM))) != 0 { events |= Int16(POLLOUT) }
            if events != 0 { fds.append(pollfd(fd: sockets[index], events: events, revents: 0)) }
        }
        var cap = timeval(tv_sec: 0, tv_usec: 100_000)
        var next = timeval()
        let wait = ares_timeout(channel, &cap, &next).map { Int32($0.pointee.tv_sec * 1000 + $0.pointee.tv_usec / 1000) } ?? 100
        let ready = poll(&fds, nfds_t(fds.count), max(0, wait))
        if ready > 0 {
            for fd in fds where fd.revents != 0 {
                let readable = fd.revents & Int16(POLLIN | POLLERR | POLLHUP) != 0
                let writable = fd.revents & Int16(POLLOUT) != 0
                ares_process_fd(channel, readable ? fd.fd : -1, writable ? fd.fd : -1)
            }
        } else {
            // Nothing readable: let c-ares handle its timeouts (retries, next try, giving up).
            ares_process_fd(channel, -1, -1)
        }
    }

    fileprivate static func addresses(of result: UnsafeMutablePointer<ares_addrinfo>) -> [ResolvedAddress] {
        var out: [ResolvedAddress] = []
        var node = result.pointee.nodes
        while let current = node {
            if let sa = current.pointee.ai_addr, let ip = Self.ipText(sa, family: current.pointee.ai_family) {
                let address = ResolvedAddress(ip: ip, isIPv6: current.pointee.ai_family == AF_INET6, ttl: Int(current.pointee.ai_ttl))
                if !out.contains(where: { $0.ip == ip }) { out.append(address) }
            }
            node = current.pointee.ai_next
        }
        return out
    }

    /// The numeric address of a sockaddr, through NIO's `SocketAddress` (nil for other families).
    private static func ipText(_ sa: UnsafeMutablePointer<sockaddr>, family: Int32) -> String? {
        switch family {
        case AF_INET:
            let sin = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
            return SocketAddress(sin, host: "").ipAddress
        case AF_INET6:
            let sin6 = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }
            return SocketAddress(sin6, host: "").ipAddress
        default:
            return nil
        }
    }

    /// Maps c-ares status codes to the error kinds Fluentd users recognise.
    static func kind(of status: Int32) -> DNSResolutionError.Kind {
        switch status {
        case ARES_ENOTFOUND: return .notFound
        case ARES_ENODATA: return .noData
        case ARES_ESERVFAIL: return .serverFailure
        case ARES_EREFUSED: return .refused
        case ARES_ETIMEOUT: return .timeout
        case ARES_ECONNREFUSED: return .connectionRefused
        case ARES_EBADRESP, ARES_EFORMERR: return .badResponse
        case ARES_ECANCELLED, ARES_EDESTRUCTION: return .cancelled
        default: return .other
        }
    }

    private static func literal(_ host: String) -> DNSResolution? {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        guard let address = try? SocketAddress(ipAddress: bare, port: 0), let ip = address.ipAddress else { return nil }
        return DNSResolution(host: host, addresses: [ResolvedAddress(ip: ip, isIPv6: ip.contains(":"), ttl: nil)])
    }

    private static func durationMilliseconds(_ d: Duration) -> Int64 {
        let (seconds, attoseconds) = d.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// ares_library_init once per process (it is not thread-safe; a global `let` runs exactly once).
    /// nil on success, else the error text.
    static let libraryReady: String? = {
        let status = ares_library_init(ARES_LIB_INIT_ALL)
        return status == ARES_SUCCESS ? nil : String(cString: ares_strerror(status))
    }()
}

/// The state one lookup's callback fills in; confined to the lookup's thread.
private final class LookupOutcome {
    var done = false
    var status: Int32 = ARES_SUCCESS
    var addresses: [ResolvedAddress] = []
}
