import Logging

/// Turns the bytes of one query into the bytes of its response (or silence), logging both sides.
struct DNSResponder: Sendable {
    let authority: DNSAuthority
    let logger: Logger

    /// The encoded response and how long to hold it; nil to send nothing.
    func handle(_ bytes: [UInt8], client: String, transport: DNSTransport) -> (bytes: [UInt8], delay: Duration)? {
        let query: DNSMessage
        do {
            query = try DNSMessage(decoding: bytes)
        } catch {
            // Garbage must never take the server down: log it, count it, answer nothing.
            logger.warning("dropping malformed DNS query", metadata: ["client": "\(client)", "transport": "\(transport.rawValue)", "error": "\(error)", "bytes": "\(bytes.count)"])
            authority.appendLog(DNSAuthority.malformedEntry(client: client, transport: transport, bytes: bytes, error: error))
            return nil
        }
        var decision = authority.respond(to: query, client: client, transport: transport)
        guard var response = decision.response else {
            logger.debug("\(decision.logEntry)")
            authority.appendLog(decision.logEntry)
            return nil
        }
        let encoded: [UInt8]
        do {
            if transport == .udp && decision.forceTruncation {
                response.header.truncated = true
                response.answers = []
                response.authorities = []
                response.additionals = response.additionals.filter { $0.type == .opt }
            }
            encoded = try response.encode(maxSize: transport == .udp ? decision.maxUDPSize : 65535)
        } catch {
            logger.error("cannot encode DNS response", metadata: ["client": "\(client)", "error": "\(error)"])
            decision.logEntry.outcome = "encode-error"
            authority.appendLog(decision.logEntry)
            return nil
        }
        decision.logEntry.truncated = encoded.count > 2 && encoded[2] & 0x02 != 0
        logger.debug("\(decision.logEntry)")
        authority.appendLog(decision.logEntry)
        return (encoded, decision.delay)
    }
}
