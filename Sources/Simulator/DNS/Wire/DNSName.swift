/// A domain name as a list of labels; compares case-insensitively (RFC 1035 section 2.3.3) and keeps the case it was given.
public struct DNSName: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// Raw label bytes, most specific first; empty for the root.
    public let labels: [[UInt8]]

    /// The root name ".".
    public static let root = DNSName(validatedLabels: [])

    init(validatedLabels: [[UInt8]]) {
        labels = validatedLabels
    }

    /// Builds a name from labels, checking RFC 1035 limits (labels 1...63 bytes, name ≤ 255 bytes on the wire).
    public init(labels: [[UInt8]]) throws {
        var wire = 1
        for label in labels {
            guard (1...63).contains(label.count) else { throw DNSWireError.invalidText(String(decoding: label, as: UTF8.self)) }
            wire += 1 + label.count
        }
        guard wire <= 255 else { throw DNSWireError.nameTooLong }
        self.labels = labels
    }

    /// Parses dotted text ("svc.test" or "svc.test."); "." or "" is the root. No escapes: harness names are plain.
    public init(parsing text: String) throws {
        var trimmed = Substring(text)
        if trimmed.hasSuffix(".") { trimmed = trimmed.dropLast() }
        if trimmed.isEmpty {
            self = .root
            return
        }
        let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.allSatisfy({ !$0.isEmpty }) else { throw DNSWireError.invalidText(text) }
        try self.init(labels: parts.map { Array($0.utf8) })
    }

    /// Traps on invalid literals: meant for constants in code and tests only.
    public init(stringLiteral value: String) {
        do { try self.init(parsing: value) } catch { preconditionFailure("invalid DNS name literal \(value)") }
    }

    /// Dotted text without the trailing dot ("." for the root); non-printable bytes as \DDD.
    public var description: String {
        if labels.isEmpty { return "." }
        return labels.map { label in
            var s = ""
            for byte in label {
                if byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: ".") && byte != UInt8(ascii: "\\") {
                    s.unicodeScalars.append(Unicode.Scalar(byte))
                } else {
                    s += "\\" + String(byte).leftPadded(to: 3)
                }
            }
            return s
        }.joined(separator: ".")
    }

    /// Lower-cased labels: the identity used for comparison, hashing and compression.
    public var canonicalLabels: [[UInt8]] {
        labels.map { $0.map(Self.lower) }
    }

    /// Whether this name equals `zone` or lies below it.
    public func isSubdomain(of zone: DNSName) -> Bool {
        guard zone.labels.count <= labels.count else { return false }
        return Array(canonicalLabels.suffix(zone.labels.count)) == zone.canonicalLabels
    }

    /// Length on the wire without compression.
    public var wireLength: Int {
        labels.reduce(1) { $0 + 1 + $1.count }
    }

    public static func == (lhs: DNSName, rhs: DNSName) -> Bool {
        lhs.canonicalLabels == rhs.canonicalLabels
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(canonicalLabels)
    }

    static func lower(_ byte: UInt8) -> UInt8 {
        (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
