import ForwardServer

/// Aims a fault at particular messages: shared by the ack, request and heartbeat faults.
///
/// Parameters (all optional): `tag` — exact tag, or a prefix ending in `*`; `chunk` — prefix of the
/// chunk id (Base64 text); `peer` — peer IP; `nth` — only the nth matching message (1-based);
/// `every` — every kth matching message; `limit` — at most this many applications in total.
public struct MessageSelector: Sendable, Hashable {
    public var tag: String?
    public var chunkPrefix: String?
    public var peerIP: String?
    public var nth: Int?
    public var every: Int?
    public var limit: Int?
    /// Matching messages seen so far.
    public private(set) var matched = 0
    /// Times the selector said yes.
    public private(set) var selected = 0

    public init(tag: String? = nil, chunkPrefix: String? = nil, peerIP: String? = nil, nth: Int? = nil, every: Int? = nil, limit: Int? = nil) {
        self.tag = tag
        self.chunkPrefix = chunkPrefix
        self.peerIP = peerIP
        self.nth = nth
        self.every = every
        self.limit = limit
    }

    public init(reading r: inout FaultParameterReader) throws {
        tag = try r.optionalString("tag")
        chunkPrefix = try r.optionalString("chunk")
        peerIP = try r.optionalString("peer")
        nth = try r.optionalInt("nth", range: 1 ... Int.max)
        every = try r.optionalInt("every", range: 1 ... Int.max)
        limit = try r.optionalInt("limit", range: 0 ... Int.max)
    }

    public var parameters: [String: FaultValue] {
        var p: [String: FaultValue] = [:]
        if let tag { p["tag"] = .string(tag) }
        if let chunkPrefix { p["chunk"] = .string(chunkPrefix) }
        if let peerIP { p["peer"] = .string(peerIP) }
        if let nth { p["nth"] = .number(Double(nth)) }
        if let every { p["every"] = .number(Double(every)) }
        if let limit { p["limit"] = .number(Double(limit)) }
        return p
    }

    /// Counts a message and says whether the fault acts on it (`gate` is the fault's probability draw).
    public mutating func select(tag messageTag: String? = nil, chunk: String? = nil, peerIP ip: String? = nil,
                                gate: () -> Bool = { true }) -> Bool {
        if let tag {
            guard let messageTag else { return false }
            if tag.hasSuffix("*") {
                guard messageTag.hasPrefix(tag.dropLast()) else { return false }
            } else if tag != messageTag {
                return false
            }
        }
        if let chunkPrefix {
            guard let chunk, chunk.hasPrefix(chunkPrefix) else { return false }
        }
        if let peerIP, peerIP != ip { return false }
        if let limit, selected >= limit { return false }
        matched += 1
        if let nth, matched != nth { return false }
        if let every, matched % every != 0 { return false }
        // The probability gate runs last, so `limit` counts applications, not candidates.
        guard gate() else { return false }
        selected += 1
        return true
    }

    /// Selects a request (tag, chunk id, peer).
    public mutating func select(_ request: ReceivedRequestInfo, gate: () -> Bool) -> Bool {
        select(tag: request.tag, chunk: request.chunkID, peerIP: request.connection.peerIP, gate: gate)
    }
}
