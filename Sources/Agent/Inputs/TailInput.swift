import FluentdConfig
import ForwardProtocol
import Foundation
import Logging
import NIOCore

/// `<source> @type tail`: the shell around `TailWatcherCore`. Every `pollInterval` it stats each watched path, lets
/// the core decide, reads new complete lines (a partial last line waits for its newline), emits them and rewrites the
/// pos_file; every `refresh_interval` it expands the `path` globs again (docs/pipeline.md, "in_tail").
///
/// `@unchecked Sendable` is safe: every mutable property is touched only on `loop` (start, ticks and stop all run
/// there).
public final class TailInput: @unchecked Sendable {
    public let config: TailSourceConfig
    private let sink: any EventBatchSink
    private let loop: EventLoop
    private let logger: Logger
    private let pollInterval: TimeAmount
    private var task: RepeatedTask?
    private var watchers: [String: TailWatcherCore] = [:]
    /// Open files by inode: the current file of a path and rotated files still read during rotate_wait.
    private var files: [UInt64: (handle: FileHandle, path: String)] = [:]
    private var rotatedPositions: [UInt64: UInt64] = [:]
    private var positions = TailPositionFile()
    private var lastRefresh = 0.0
    private var dirty = false
    /// Paths whose open failed, warned about once until they open again.
    private var warnedUnreadable = Set<String>()
    /// Events emitted and lines that did not parse, for tests and status.
    public private(set) var emitted = 0
    public private(set) var unparsed = 0
    /// Bytes read per file per tick, at most (Fluentd reads 8 KiB at a time up to read_lines_limit lines).
    static let readLimit = 8 << 20

    public init(config: TailSourceConfig, sink: any EventBatchSink, loop: EventLoop, logger: Logger,
                pollInterval: TimeAmount = .seconds(1)) {
        self.config = config
        self.sink = sink
        self.loop = loop
        self.logger = logger
        self.pollInterval = pollInterval
    }

    /// Loads the pos_file, finds the files and starts polling (the first poll at once).
    public func start() -> EventLoopFuture<Void> {
        loop.submit { [self] in
            if let p = config.posFile, let text = try? String(contentsOfFile: p, encoding: .utf8) {
                positions = TailPositionFile(text: text)
                for line in positions.unparsable { logger.warning("Unparsable line in pos_file: \(line)") }
            }
            refresh(now: Date().timeIntervalSince1970, startup: true)
            tick()
            task = loop.scheduleRepeatedTask(initialDelay: pollInterval, delay: pollInterval) { [weak self] _ in self?.tick() }
        }
    }

    /// Stops polling, writes the pos_file and closes the files.
    public func stop() -> EventLoopFuture<Void> {
        loop.submit { [self] in
            task?.cancel()
            task = nil
            writePositions(force: true)
            for f in files.values { try? f.handle.close() }
            files.removeAll()
        }
    }

    /// The paths the `path` patterns name now: globs expanded (regular files only), plain paths as written,
    /// `exclude_path` globs removed.
    func expandPaths() -> [String] {
        var out: [String] = []
        for p in config.paths {
            if p.contains(where: { "*?[{".contains($0) }) {
                out += Self.glob(p).filter { var d: ObjCBool = false; return FileManager.default.fileExists(atPath: $0, isDirectory: &d) && !d.boolValue }
            } else {
                out.append(p)
            }
        }
        let excluded = Set(config.excludePaths.flatMap(Self.glob))
        var seen = Set<String>()
        return out.filter { !excluded.contains($0) && seen.insert($0).inserted }
    }

    static func glob(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard Glibc.glob(pattern, 0, nil, &g) == 0 else { return [] }
        return (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }.sorted()
    }

    private func refresh(now: Double, startup: Bool) {
        lastRefresh = now
        for path in expandPaths() where watchers[path] == nil {
            watchers[path] = TailWatcherCore(path: path, entry: positions.entry(path), readFromHead: config.readFromHead,
                                             startup: startup, rotateWait: config.rotateWait)
        }
    }

    private func tick() {
        let now = Date().timeIntervalSince1970
        if now - lastRefresh >= config.refreshInterval { refresh(now: now, startup: false) }
        for path in watchers.keys.sorted() {
            guard var w = watchers[path] else { continue }
            var st = stat()
            let s: TailWatcherCore.Stat? = stat(path, &st) == 0 ? .init(inode: UInt64(st.st_ino), size: UInt64(st.st_size)) : nil
            for d in w.onStat(s, now: now) {
                switch d {
                case .log(let m): logger.info("\(m)")
                case .close(let inode):
                    if let f = files.removeValue(forKey: inode) { try? f.handle.close() }
                    rotatedPositions[inode] = nil
                case .keepRotated(let inode, _):
                    rotatedPositions[inode] = w.rotated?.position
                case .read(let inode, let from):
                    if let to = read(path: path, inode: inode, from: from) { w.advanced(inode: inode, to: to) }
                }
            }
            // A rotated file is read to its end until rotate_wait passes.
            if let r = w.rotated, let pos = rotatedPositions[r.inode], let to = read(path: path, inode: r.inode, from: pos, reopen: false) {
                rotatedPositions[r.inode] = to
                w.advanced(inode: r.inode, to: to)
            }
            if let e = w.entry, positions.entry(path) != e {
                positions.update(path, position: e.position, inode: e.inode)
                dirty = true
            }
            watchers[path] = w
        }
        writePositions(force: false)
    }

    /// Reads complete lines of the file with `inode` from `from`, emits them and returns the position after the last
    /// one, or nil when nothing could be read or emitted (the same bytes are read again next time).
    private func read(path: String, inode: UInt64, from: UInt64, reopen: Bool = true) -> UInt64? {
        if files[inode] == nil {
            guard reopen else { return nil }
            guard let h = FileHandle(forReadingAtPath: path) else {
                // Fluentd's refresh warns about an unreadable file and examines it again later; once per path here.
                if warnedUnreadable.insert(path).inserted { logger.warning("\(path) unreadable. It is excluded and would be examined next time.") }
                return nil
            }
            warnedUnreadable.remove(path)
            var st = stat()
            guard fstat(h.fileDescriptor, &st) == 0, UInt64(st.st_ino) == inode else { try? h.close(); return nil }
            files[inode] = (h, path)
        }
        guard let f = files[inode] else { return nil }
        do {
            try f.handle.seek(toOffset: from)
            guard let data = try f.handle.read(upToCount: Self.readLimit), !data.isEmpty,
                  let lastNewline = data.lastIndex(of: UInt8(ascii: "\n")) else { return nil }
            let complete = data[data.startIndex...lastNewline]
            let text = String(decoding: complete, as: UTF8.self)
            var records: [(EventTime, [MessagePackPair])] = []
            let now = EventTime(Date().timeIntervalSince1970)
            for var line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
                if line.hasSuffix("\r") { line = line.dropLast() }  // Ruby's chomp
                if let r = parse(String(line), now: now, path: path) { records.append(r) } else { unparsed += 1 }
            }
            if !records.isEmpty {
                var entries = ByteBuffer()
                for (t, r) in records { ForwardEntry.write(time: t, encodedRecord: MessagePackValue.map(r).encoded, into: &entries) }
                do {
                    try sink.emit(tag: config.tag(for: path), entries: entries, count: records.count)
                    emitted += records.count
                } catch {
                    logger.warning("emit transaction failed: error_class=Fluent::Plugin::Buffer::BufferOverflowError error=\"\(error)\" tag=\"\(config.tag(for: path))\"")
                    return nil
                }
            }
            return from + UInt64(complete.count)
        } catch {
            logger.warning("failed to read \(path): \(error)")
            return nil
        }
    }

    /// One line as parser_none or parser_json reads it; nil (with Fluentd's warning) when it does not parse.
    func parse(_ line: String, now: EventTime, path: String) -> (EventTime, [MessagePackPair])? {
        var time = now
        var record: [MessagePackPair]
        switch config.format {
        case .none:
            record = [MessagePackPair(.str(config.messageKey), .str(line))]
        case .json:
            guard case .object? = try? ConfigJSON.parse(line), let json = try? ConfigJSON.parse(line),
                  let map = SampleInput.Settings.value(from: json).mapValue else {
                logger.warning("pattern not matched: \(RubyInspect.string(line))")
                return nil
            }
            record = map
            // parser_json: the "time" field (time_type float) is the event time and leaves the record.
            if let i = record.firstIndex(where: { $0.key.stringValue == "time" }) {
                let v = record[i].value
                if let d = RecordTransformer.rubyToF(v) { time = EventTime(d) }
                record.remove(at: i)
            }
        }
        if let key = config.pathKey { record.append(MessagePackPair(.str(key), .str(path))) }
        return (time, record)
    }

    private func writePositions(force: Bool) {
        guard let p = config.posFile, dirty || force else { return }
        dirty = false
        do {
            try positions.text.write(toFile: p, atomically: false, encoding: .utf8)
        } catch {
            logger.error("cannot write pos_file \(p): \(error)")
        }
    }
}
