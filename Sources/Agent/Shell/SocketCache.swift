/// Keepalive socket cache key (docs/forward-protocol.md, "Keepalive and the socket cache"): resolved ip, port and TLS name.
struct SocketCacheKey: Hashable, Sendable {
    var ip: String
    var port: Int
    var tlsName: String?
}

/// out_forward's keepalive socket cache (sc.rb; docs/forward-protocol.md, "Keepalive and the socket cache"), confined to the agent's event loop.
///
/// Checkout returns the first idle, non-expired connection for the key; expiry = last checkout/checkin +
/// keepalive_timeout (nil = never). `sweep` (every 5 s) closes expired idle and revoked connections.
struct SocketCache {
    let keepaliveTimeout: AgentSeconds?
    /// HEAD behaviour (opt-in): skip cached connections that are closed.
    var skipDeadConnections = false
    private(set) var entries: [SocketCacheKey: [NodeConnection]] = [:]

    init(keepaliveTimeout: AgentSeconds?) {
        self.keepaliveTimeout = keepaliveTimeout
    }

    /// An idle cached connection for `key`, now checked out; nil → open a new one (and `add` it).
    mutating func checkout(_ key: SocketCacheKey, now: AgentSeconds) -> NodeConnection? {
        guard let list = entries[key] else { return nil }
        for c in list where !c.inUse && !c.revoked {
            if let e = c.expiresAt, e <= now { continue }
            if skipDeadConnections && !c.isActive { continue }
            c.inUse = true
            c.expiresAt = keepaliveTimeout.map { now + $0 }
            return c
        }
        return nil
    }

    /// Registers a freshly opened connection as checked out.
    mutating func add(_ c: NodeConnection, now: AgentSeconds) {
        c.inUse = true
        c.expiresAt = keepaliveTimeout.map { now + $0 }
        entries[c.key, default: []].append(c)
    }

    /// Returns a connection for reuse.
    mutating func checkin(_ c: NodeConnection, now: AgentSeconds) {
        c.inUse = false
        c.expiresAt = keepaliveTimeout.map { now + $0 }
    }

    /// A failed connection: closed by the next sweep.
    mutating func revoke(_ c: NodeConnection) {
        c.revoked = true
        c.inUse = false
    }

    /// Whether `c` is managed by the cache.
    func contains(_ c: NodeConnection) -> Bool {
        entries[c.key]?.contains { $0 === c } ?? false
    }

    /// Removes and returns the connections to close: expired idle and revoked ones (plus closed idle ones with
    /// `skipDeadConnections`; v1.16.9 keeps them, so quirk 7 (docs/quirks.md) heartbeats keep "succeeding" on a dead socket).
    mutating func sweep(now: AgentSeconds) -> [NodeConnection] {
        var closing: [NodeConnection] = []
        for (key, list) in entries {
            var keep: [NodeConnection] = []
            for c in list {
                let expired = !c.inUse && (c.expiresAt.map { $0 <= now } ?? false)
                if c.revoked || expired || (skipDeadConnections && !c.inUse && !c.isActive) {
                    closing.append(c)
                } else {
                    keep.append(c)
                }
            }
            entries[key] = keep.isEmpty ? nil : keep
        }
        return closing
    }

    /// Removes everything (stop/reload).
    mutating func removeAll() -> [NodeConnection] {
        defer { entries.removeAll() }
        return entries.values.flatMap { $0 }
    }

    /// Forgets one connection (closed elsewhere).
    mutating func remove(_ c: NodeConnection) {
        guard var list = entries[c.key] else { return }
        list.removeAll { $0 === c }
        entries[c.key] = list.isEmpty ? nil : list
    }
}
