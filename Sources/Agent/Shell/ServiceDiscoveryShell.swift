import Foundation
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Runs an output's dynamic `<service_discovery>` sources around `ServiceDiscoveryCore` (docs/agent-parameters.md,
/// "<service_discovery>"): it stats and reads the files, asks DNS for SRV records, feeds what it found to the core
/// and, at each tick of the manager's timer, hands the queued messages to `onBatch` (the forwarder core applies them).
///
/// `@unchecked Sendable` is safe: every mutable property is touched only on `loop` (the callbacks hop back there).
final class ServiceDiscoveryShell: @unchecked Sendable {
    let loop: EventLoop
    let threadPool: NIOThreadPool
    private let sources: [ServiceDiscoveryConfig]
    private let resolver: any AddressResolver
    private(set) var core: ServiceDiscoveryCore
    private var detectors: [Int: FileChangeDetector] = [:]
    /// Sources with a stat, read or query under way (one at a time per source).
    private var busy: Set<Int> = []
    private var tasks: [RepeatedTask] = []
    private var stopped = false
    private let timeScale: Double
    private let log: (CoreLogLevel, String) -> Void
    private let onBatch: ([ServiceDiscoveryMessage]) -> Void

    /// How often a watched file is stat'ed, in real time whatever the time scale: libev hears of a change from inotify
    /// at once (measured on 1.16.9: the `sd_file:` error of a broken write is logged within a millisecond); a
    /// 100 ms poll stands in for that, and the stat comparison is libev's (`FileChangeDetector`).
    static let filePollInterval: TimeAmount = .milliseconds(100)

    /// `srvInitial`: each SRV source's list as fetched at start (by its index among `sources`), the first diff's base.
    init(loop: EventLoop, threadPool: NIOThreadPool, sources: [ServiceDiscoveryConfig], resolver: any AddressResolver,
         timeScale: Double, srvInitial: [Int: [DiscoveredService]] = [:],
         log: @escaping (CoreLogLevel, String) -> Void, onBatch: @escaping ([ServiceDiscoveryMessage]) -> Void) {
        self.loop = loop
        self.threadPool = threadPool
        self.sources = sources
        self.resolver = resolver
        self.timeScale = timeScale
        self.log = log
        self.onBatch = onBatch
        var kinds: [ServiceDiscoveryKind] = []
        var initial: [[DiscoveredService]] = []
        for (i, s) in sources.enumerated() {
            guard let k = s.dynamicKind else { continue }
            kinds.append(k)
            if case .file(let f) = s { initial.append(f.initial) } else { initial.append(srvInitial[i] ?? []) }
        }
        self.core = ServiceDiscoveryCore(kinds: kinds, initial: initial)
    }

    private var dynamicSources: [ServiceDiscoveryConfig] { sources.filter { $0.dynamicKind != nil } }

    /// Starts the watchers and the manager's timer (its first tick `managerInterval` after the output's start).
    func start() {
        loop.assertInEventLoop()
        guard core.hasDynamicSources else { return }
        let tick = TimeAmount.nanoseconds(Int64(ServiceDiscoveryCore.managerInterval * timeScale * 1e9))
        tasks.append(loop.scheduleRepeatedTask(initialDelay: tick, delay: tick) { [weak self] _ in self?.managerTick() })
        for (i, source) in dynamicSources.enumerated() {
            switch source {
            case .file(let f):
                // The watcher starts from the file as it is now (what configure read is the core's initial list).
                detectors[i] = FileChangeDetector(initial: Self.lstatSignature(f.path))
                tasks.append(loop.scheduleRepeatedTask(initialDelay: Self.filePollInterval, delay: Self.filePollInterval) { [weak self] _ in
                    self?.pollFile(i, f)
                })
            case .srv(let s):
                let every = TimeAmount.nanoseconds(Int64(Double(s.interval) * timeScale * 1e9))
                tasks.append(loop.scheduleRepeatedTask(initialDelay: every, delay: every) { [weak self] _ in self?.querySRV(i, s) })
            case .static:
                break
            }
        }
    }

    func stop() {
        loop.assertInEventLoop()
        stopped = true
        for t in tasks { t.cancel() }
        tasks.removeAll()
    }

    private func managerTick() {
        guard !stopped else { return }
        let batch = core.timerFired()
        if !batch.isEmpty { onBatch(batch) }
    }

    // MARK: - file

    private func pollFile(_ i: Int, _ f: FileServiceDiscoveryConfig) {
        guard !stopped, !busy.contains(i) else { return }
        busy.insert(i)
        let path = f.path
        let encoding = f.encoding
        let detector = detectors[i] ?? FileChangeDetector(initial: nil)
        threadPool.runIfActive(eventLoop: loop) { () -> (FileChangeDetector, Result<[DiscoveredService], ServiceListError>?) in
            var d = detector
            guard d.observe(Self.lstatSignature(path)) else { return (d, nil) }
            do {
                return (d, .success(try ServiceListFile.read(path: path, encoding: encoding)))
            } catch {
                return (d, .failure(error as? ServiceListError ?? ServiceListError(kind: .open, message: "\(error)")))
            }
        }.whenComplete { [self] result in
            busy.remove(i)
            guard !stopped, case .success(let (d, read)) = result else { return }
            detectors[i] = d
            switch read {
            case nil: break
            case .success(let list)?: report(core.refreshed(source: i, list: list))
            case .failure(let e)?: report(core.failed(source: i, message: e.message))
            }
        }
    }

    private func report(_ outcome: ServiceDiscoveryCore.Outcome) {
        if case .failed(let line) = outcome { log(.error, line) }
    }

    /// libev's `ev_stat` uses lstat: a symlink is watched as the link itself.
    static func lstatSignature(_ path: String) -> FileStatSignature? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return FileStatSignature(device: UInt64(st.st_dev), inode: UInt64(st.st_ino), mode: UInt32(st.st_mode),
                                 links: UInt64(st.st_nlink), uid: UInt32(st.st_uid), gid: UInt32(st.st_gid),
                                 rdev: UInt64(st.st_rdev), size: Int64(st.st_size), atime: Int64(st.st_atim.tv_sec),
                                 mtime: Int64(st.st_mtim.tv_sec), ctime: Int64(st.st_ctim.tv_sec))
    }

    // MARK: - srv

    private func querySRV(_ i: Int, _ s: SRVServiceDiscoveryConfig) {
        guard !stopped, !busy.contains(i) else { return }
        busy.insert(i)
        SRVLookup.fetch(s, resolver: resolver, threadPool: threadPool, on: loop).whenComplete { [self] result in
            busy.remove(i)
            guard !stopped else { return }
            switch result {
            case .success(let list): report(core.refreshed(source: i, list: list))
            case .failure(let e): report(core.failed(source: i, message: (e as? SRVLookupError)?.message ?? "\(e)"))
            }
        }
    }
}
