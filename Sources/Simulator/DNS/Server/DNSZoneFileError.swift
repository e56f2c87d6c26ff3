/// A problem in a zone file, with the path of the offending key.
public struct DNSZoneFileError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
