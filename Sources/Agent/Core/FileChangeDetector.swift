/// What libev's stat watcher compares to decide that a watched file changed (sd_file's `Coolio::StatWatcher`;
/// docs/agent-parameters.md, "<service_discovery>"): the `lstat` fields, times in whole seconds.
public struct FileStatSignature: Sendable, Equatable {
    public var device: UInt64
    public var inode: UInt64
    public var mode: UInt32
    /// 0 when `lstat` failed (libev's marker for a missing file; the other fields keep their last values).
    public var links: UInt64
    public var uid: UInt32
    public var gid: UInt32
    public var rdev: UInt64
    public var size: Int64
    public var atime: Int64
    public var mtime: Int64
    public var ctime: Int64

    public init(device: UInt64 = 0, inode: UInt64 = 0, mode: UInt32 = 0, links: UInt64 = 0, uid: UInt32 = 0, gid: UInt32 = 0,
                rdev: UInt64 = 0, size: Int64 = 0, atime: Int64 = 0, mtime: Int64 = 0, ctime: Int64 = 0) {
        self.device = device
        self.inode = inode
        self.mode = mode
        self.links = links
        self.uid = uid
        self.gid = gid
        self.rdev = rdev
        self.size = size
        self.atime = atime
        self.mtime = mtime
        self.ctime = ctime
    }
}

/// The stat watcher's decision without I/O: fed each `lstat` result (nil: it failed), it says whether the
/// callback runs. Rewrites that keep the size within the same second go unnoticed (quirk 40, docs/quirks.md).
public struct FileChangeDetector: Sendable, Equatable {
    public private(set) var last: FileStatSignature

    /// `initial`: the file's state when the watcher started (nil: missing).
    public init(initial: FileStatSignature?) {
        last = initial ?? FileStatSignature()
    }

    /// A new observation; true when it differs from the previous one (then it becomes the reference).
    public mutating func observe(_ stat: FileStatSignature?) -> Bool {
        var current: FileStatSignature
        if let stat {
            current = stat
            if current.links == 0 { current.links = 1 }
        } else {
            current = last
            current.links = 0
        }
        guard current != last else { return false }
        last = current
        return true
    }
}
