/// Query behaviour of a `CAresResolver`.
public struct CAresResolverOptions: Sendable, Hashable {
    /// Which record types to ask for.
    public enum Family: Sendable, Hashable {
        /// A and AAAA (AF_UNSPEC), as Fluentd's resolver does.
        case any
        /// A only.
        case ipv4
        /// AAAA only.
        case ipv6
    }

    /// Time for the first try; c-ares doubles it on later rounds.
    public var timeout: Duration
    /// Tries per nameserver before giving up with a timeout.
    public var tries: Int
    /// Query over TCP only (c-ares ARES_FLAG_USEVC); otherwise UDP, with TCP after a truncated answer.
    public var useTCP: Bool
    /// Apply resolv.conf search domains to names with few dots; off by default so the name asked is the name queried.
    public var useSearchDomains: Bool
    public var family: Family

    public init(timeout: Duration = .seconds(2), tries: Int = 2, useTCP: Bool = false, useSearchDomains: Bool = false, family: Family = .any) {
        self.timeout = timeout
        self.tries = tries
        self.useTCP = useTCP
        self.useSearchDomains = useSearchDomains
        self.family = family
    }
}
