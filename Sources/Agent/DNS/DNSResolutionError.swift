/// A failed DNS lookup, with the message Fluentd (Ruby's getaddrinfo) would log and the resolver-level detail.
public struct DNSResolutionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, in resolver terms.
    public enum Kind: String, Sendable, Equatable {
        /// NXDOMAIN: the name does not exist.
        case notFound
        /// The name exists but has no address of the asked family.
        case noData
        /// SERVFAIL from the nameserver.
        case serverFailure
        /// REFUSED from the nameserver.
        case refused
        /// No answer within the timeout and tries.
        case timeout
        /// The nameserver could not be reached (ICMP port unreachable, TCP RST).
        case connectionRefused
        /// A malformed or unexpected answer.
        case badResponse
        /// The lookup was cancelled (task cancellation or resolver shutdown).
        case cancelled
        /// Anything else c-ares reports.
        case other
    }

    public var kind: Kind
    public var host: String
    /// The nameserver asked ("127.0.0.1:5353"), or "system" for the system resolver.
    public var nameserver: String
    /// The underlying library's message (ares_strerror / gai_strerror).
    public var detail: String
    /// The library's status code (c-ares ARES_E*).
    public var code: Int32

    public init(kind: Kind, host: String, nameserver: String, detail: String, code: Int32 = 0) {
        self.kind = kind
        self.host = host
        self.nameserver = nameserver
        self.detail = detail
        self.code = code
    }

    /// The glibc getaddrinfo text Fluentd shows for this failure (Ruby `SocketError`).
    public var fluentdMessage: String {
        switch kind {
        case .notFound: return "getaddrinfo: Name or service not known"
        case .noData: return "getaddrinfo: No address associated with hostname"
        case .serverFailure, .refused, .timeout, .connectionRefused, .badResponse:
            return "getaddrinfo: Temporary failure in name resolution"
        case .cancelled: return "getaddrinfo: Operation canceled"
        case .other: return "getaddrinfo: \(detail)"
        }
    }

    /// Whether retrying later may succeed (SERVFAIL, timeouts), as EAI_AGAIN means.
    public var isTemporary: Bool {
        switch kind {
        case .serverFailure, .refused, .timeout, .connectionRefused, .badResponse: return true
        case .notFound, .noData, .cancelled, .other: return false
        }
    }

    public var description: String {
        "\(fluentdMessage) (host=\(host) nameserver=\(nameserver): \(detail))"
    }
}
