/// in_tail's decisions for one watched path as a value driven by `stat` results (in_tail.rb `TailWatcher#on_rotate`,
/// the rotate handler and `update_watcher`, follow_inodes false): where to start reading, when the file was
/// truncated or rotated, how long the rotated file is still read (docs/pipeline.md, "in_tail"). The shell stats,
/// reads and writes the pos file; this value only decides.
public struct TailWatcherCore: Sendable, Equatable {
    /// What a stat of the path found (nil: the path does not exist).
    public struct Stat: Sendable, Equatable {
        public var inode: UInt64
        public var size: UInt64

        public init(inode: UInt64, size: UInt64) {
            self.inode = inode
            self.size = size
        }
    }

    /// What the shell must do.
    public enum Directive: Sendable, Equatable {
        /// Read the file with this inode (opened at the path; kept open) from `position` to its end.
        case read(inode: UInt64, from: UInt64)
        /// Keep reading the rotated file (still open) until `until` seconds, then close it.
        case keepRotated(inode: UInt64, until: Double)
        /// Close the file with this inode (drop a partial last line).
        case close(inode: UInt64)
        case log(String)
    }

    public let path: String
    public let readFromHead: Bool
    public let rotateWait: Double
    /// The file being read and the byte after the last complete line handed out.
    public private(set) var inode: UInt64
    public private(set) var position: UInt64
    /// Whether a file is open (Fluentd's io_handler), nil before the first stat found the file.
    public private(set) var opened = false
    /// A rotated file still read until a deadline: its inode and position.
    public private(set) var rotated: (inode: UInt64, position: UInt64, until: Double)?

    public static func == (a: TailWatcherCore, b: TailWatcherCore) -> Bool {
        a.path == b.path && a.inode == b.inode && a.position == b.position && a.opened == b.opened
            && a.rotated?.inode == b.rotated?.inode && a.rotated?.position == b.rotated?.position
    }

    /// `entry` is the pos_file's line for the path (nil: none). `startup`: the path was found when the input started
    /// (then an unknown file is read from its end unless `read_from_head`); paths found later are read from the head.
    public init(path: String, entry: TailPositionFile.Entry?, readFromHead: Bool, startup: Bool, rotateWait: Double) {
        self.path = path
        self.readFromHead = readFromHead || !startup
        self.rotateWait = rotateWait
        inode = entry?.inode ?? 0
        position = entry?.position ?? 0
    }

    /// A stat result at `now` (seconds): the directives for it, in order.
    public mutating func onStat(_ stat: Stat?, now: Double) -> [Directive] {
        var out: [Directive] = []
        if let r = rotated, now >= r.until {
            out.append(.close(inode: r.inode))
            rotated = nil
        }
        guard opened else {
            guard let stat else { return out }
            if stat.inode == inode {
                // Same file as the pos_file says (renamed back, or a link): resume, unless it shrank (truncated).
                if stat.size < position { position = 0 }
            } else if inode != 0 {
                // A pos_file entry for another inode: the file was rotated while the agent was down; the new one
                // is read from its head, so nothing is duplicated.
                position = 0
            } else {
                position = readFromHead ? 0 : stat.size
            }
            inode = stat.inode
            opened = true
            out.append(.log("following tail of \(path)"))
            out.append(.read(inode: inode, from: position))
            return out
        }
        guard let stat else {
            // Moved away and nothing new at the path yet: the old file is read for rotate_wait more seconds.
            out += rotate(now: now)
            opened = false
            inode = 0
            position = 0
            return out
        }
        if stat.inode == inode {
            if stat.size < position {
                // Truncated: Fluentd logs it as a rotation (without a wait) and follows the file again from 0.
                position = 0
                out.append(.log("detected rotation of \(path)"))
                out.append(.close(inode: inode))
                out.append(.log("following tail of \(path)"))
                out.append(.read(inode: inode, from: 0))
            } else {
                out.append(.read(inode: inode, from: position))
            }
            return out
        }
        out += rotate(now: now)
        inode = stat.inode
        position = 0
        out.append(.log("following tail of \(path)"))
        out.append(.read(inode: inode, from: 0))
        return out
    }

    private mutating func rotate(now: Double) -> [Directive] {
        var out: [Directive] = [.log("detected rotation of \(path); waiting \(Self.seconds(rotateWait)) seconds")]
        if let r = rotated { out.append(.close(inode: r.inode)) }
        rotated = (inode, position, now + rotateWait)
        out.append(.keepRotated(inode: inode, until: now + rotateWait))
        return out
    }

    /// The shell read complete lines up to `position` of the file with `inode`.
    public mutating func advanced(inode: UInt64, to position: UInt64) {
        if inode == self.inode, opened { self.position = position } else if rotated?.inode == inode { rotated?.position = position }
    }

    /// The pos_file entry for the path (nil while no file was found).
    public var entry: TailPositionFile.Entry? {
        opened ? .init(path: path, position: position, inode: inode) : nil
    }

    /// Ruby's Float#to_s for a time value (`5.0`), as Fluentd's message prints rotate_wait.
    static func seconds(_ s: Double) -> String { RubyValueText.float(s) }
}
