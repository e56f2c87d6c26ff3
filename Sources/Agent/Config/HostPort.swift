import FluentdConfig

/// A `HOST:PORT` pair as written in `<system> rpc_endpoint` (docs/forward-protocol.md, "RPC endpoint") and `dns_resolver`; IPv6 as `[addr]:port`.
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    /// The host without brackets (`127.0.0.1`, `::1`, `localhost`).
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`, bracketing IPv6 literals.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Parses Fluentd's rpc_endpoint syntax: host of letters, digits, `:`, `-`, `.` (optionally bracketed), then
    /// `:` and a decimal port. Returns nil when the text does not have that shape or the port exceeds 65535.
    /// With `defaultPort`, a bare host (no `:port`) is accepted too.
    public static func parse(_ text: String, defaultPort: Int? = nil) -> HostPort? {
        var hostPart: Substring
        var portPart: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if rest.isEmpty {
                portPart = nil
            } else if rest.hasPrefix(":") {
                portPart = rest.dropFirst()
            } else {
                return nil
            }
        } else if defaultPort != nil, looksLikeBareIPv6(text) {
            // `::1` with a default port: the whole text is the address (Fluentd's form needs brackets or a port).
            hostPart = Substring(text)
            portPart = nil
        } else if let colon = text.lastIndex(of: ":") {
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        } else {
            hostPart = Substring(text)
            portPart = nil
        }
        let allowed = hostPart.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == ":" || $0 == "-" || $0 == ".") }
        guard !hostPart.isEmpty, allowed else { return nil }
        let port: Int
        if let portPart {
            guard !portPart.isEmpty, portPart.count <= 5, portPart.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let p = Int(portPart), p <= 65535 else { return nil }
            port = p
        } else {
            guard let d = defaultPort else { return nil }
            port = d
        }
        return HostPort(host: String(hostPart), port: port)
    }

    private static func looksLikeBareIPv6(_ text: String) -> Bool {
        text.filter { $0 == ":" }.count >= 2 && text.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
            && !text.hasSuffix(":")
    }
}
