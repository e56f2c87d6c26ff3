import Foundation

/// Differences from Fluentd accepted as out of scope, one reason each (fixtures/fidelity/receiver-known-differences.json).
public struct ReceiverKnownDifferences: Sendable, Codable, Equatable {
    /// One accepted difference: the frame by name and why it is not a receiver bug.
    public struct Entry: Sendable, Codable, Equatable {
        public var frame: String
        public var reason: String

        public init(frame: String, reason: String) {
            self.frame = frame
            self.reason = reason
        }
    }

    public var differences: [Entry]

    public init(differences: [Entry] = []) { self.differences = differences }

    /// The reason recorded for `frame`, if any.
    public func reason(for frame: String) -> String? { differences.first { $0.frame == frame }?.reason }

    /// Reads the fixture; a missing file is an empty list, a malformed one an error.
    public static func load(path: String) throws -> ReceiverKnownDifferences {
        guard FileManager.default.fileExists(atPath: path) else { return ReceiverKnownDifferences() }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let list = try JSONDecoder().decode(ReceiverKnownDifferences.self, from: data)
        for e in list.differences where e.reason.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ReceiverFrameCorpus.LoadError(description: "\(path): the entry for '\(e.frame)' has no reason")
        }
        return list
    }
}
