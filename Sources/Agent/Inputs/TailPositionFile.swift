/// in_tail's `pos_file` as a value (in_tail/position_file.rb): one `PATH\tPOS\tINODE\n` line per watched path, both
/// numbers as 16 lower-case hex digits, so a file written by the agent is read by Fluentd and the other way round
/// (docs/pipeline.md, "in_tail").
public struct TailPositionFile: Sendable, Equatable {
    /// Fluentd's mark for a path no longer watched (`UNWATCHED_POSITION`); such lines are dropped when loading.
    public static let unwatched: UInt64 = 0xffff_ffff_ffff_ffff

    /// Where reading of one path stands.
    public struct Entry: Sendable, Equatable {
        public var path: String
        public var position: UInt64
        public var inode: UInt64

        public init(path: String, position: UInt64, inode: UInt64) {
            self.path = path
            self.position = position
            self.inode = inode
        }

        /// `PATH\t%016x\t%016x\n`.
        public var line: String { "\(path)\t\(Self.hex(position))\t\(Self.hex(inode))\n" }

        static func hex(_ v: UInt64) -> String {
            let h = String(v, radix: 16)
            return String(repeating: "0", count: max(0, 16 - h.count)) + h
        }
    }

    /// Entries in file order.
    public private(set) var entries: [Entry] = []
    /// Lines that were not entries (Fluentd warns "Unparsable line in pos_file").
    public private(set) var unparsable: [String] = []

    public init(entries: [Entry] = []) { self.entries = entries }

    /// Loads the text as Fluentd's `load` does after compacting: unparsable and unwatched lines dropped, a path written
    /// twice keeps its last line.
    public init(text: String) {
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = raw.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 3, !fields[0].isEmpty,
                  let pos = UInt64(Self.hexPrefix(fields[1]), radix: 16), let ino = UInt64(Self.hexPrefix(fields[2]), radix: 16) else {
                unparsable.append(String(raw))
                continue
            }
            if pos == Self.unwatched { continue }
            let e = Entry(path: String(fields[0]), position: pos, inode: ino)
            if let i = entries.firstIndex(where: { $0.path == e.path }) { entries.remove(at: i) }
            entries.append(e)
        }
    }

    /// The hex digits at the start (the regexp `[0-9a-fA-F]+` is not anchored at the end).
    private static func hexPrefix(_ s: Substring) -> Substring {
        s.prefix { $0.isHexDigit }
    }

    /// The entry of `path`.
    public func entry(_ path: String) -> Entry? { entries.first { $0.path == path } }

    /// Sets the entry of `path` (appended when new, as Fluentd appends a new line).
    public mutating func update(_ path: String, position: UInt64, inode: UInt64) {
        if let i = entries.firstIndex(where: { $0.path == path }) {
            entries[i].position = position
            entries[i].inode = inode
        } else {
            entries.append(Entry(path: path, position: position, inode: inode))
        }
    }

    /// Forgets `path` (Fluentd writes the unwatched mark; compaction then drops the line).
    public mutating func unwatch(_ path: String) { entries.removeAll { $0.path == path } }

    /// The file's text.
    public var text: String { entries.map(\.line).joined() }
}
