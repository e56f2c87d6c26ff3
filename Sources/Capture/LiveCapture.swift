import CPcap
import Foundation

/// What and where to capture.
public struct LiveCaptureOptions: Sendable {
    /// Interface name (`lo` by default, or an interface inside a network namespace we are in).
    public var interface: String
    /// Ports whose TCP and UDP traffic is kept (empty: everything).
    public var ports: [UInt16]
    /// Extra BPF expression ANDed with the port filter.
    public var extraFilter: String?
    /// pcap file written with pcap_dump.
    public var outputPath: String
    public var snapshotLength: Int32
    /// Kernel buffer; large enough that a burst does not drop packets.
    public var bufferBytes: Int32
    /// The capture thread stops by itself after this long (nil: only `stop()` ends it).
    public var maxDuration: Duration?
    /// How long each poll waits before re-checking the stop flag and deadline.
    public var pollIntervalMilliseconds: Int32

    public init(interface: String = "lo", ports: [UInt16], extraFilter: String? = nil, outputPath: String,
                snapshotLength: Int32 = 262_144, bufferBytes: Int32 = 32 << 20, maxDuration: Duration? = nil,
                pollIntervalMilliseconds: Int32 = 20) {
        self.interface = interface
        self.ports = ports
        self.extraFilter = extraFilter
        self.outputPath = outputPath
        self.snapshotLength = snapshotLength
        self.bufferBytes = bufferBytes
        self.maxDuration = maxDuration
        self.pollIntervalMilliseconds = pollIntervalMilliseconds
    }
}

/// Counters reported when a capture stops.
public struct LiveCaptureStatistics: Sendable, Equatable, Codable {
    /// Packets written to the file.
    public var packetsWritten: Int
    /// Packets the kernel received for this capture (pcap_stats ps_recv).
    public var packetsReceived: UInt32
    /// Packets dropped for lack of buffer space (ps_drop + ps_ifdrop).
    public var packetsDropped: UInt32
    public var outputPath: String
    /// Clock readings at start and stop, to put the file's wall-clock stamps on the monotonic clock (nil if never started).
    public var clock: CaptureClockMapping?
}

/// The libpcap handles, moved from the opening thread to the capture thread.
///
/// `@unchecked Sendable` is safe because ownership is handed over exactly once: `LiveCapture.init`
/// creates the handles, `start()` passes them to the capture thread and nothing else touches them
/// until that thread has closed them (libpcap handles are used by one thread at a time).
private struct PcapHandles: @unchecked Sendable {
    let pcap: OpaquePointer
    let dumper: OpaquePointer
}

/// Captures packets on an interface into a pcap file, on its own thread.
///
/// libpcap's read timeout does not work on Linux, so the thread uses non-blocking mode and polls the
/// selectable descriptor with a short timeout, checking its stop flag and deadline between polls.
/// `stop()` drains what the kernel still holds, flushes and closes the file, and returns counters.
public final class LiveCapture: Sendable {
    public let options: LiveCaptureOptions
    /// The BPF filter in use.
    public let filter: String

    private let state = LockedState()
    private let handles: PcapHandles

    /// True when this process can probably capture (root); callers skip capture otherwise.
    public static var isPermitted: Bool { getuid() == 0 }

    /// A BPF filter keeping TCP and UDP traffic on `ports` (all TCP/UDP when empty).
    public static func bpfFilter(ports: [UInt16], extra: String? = nil) -> String {
        var base: String
        let unique = Array(Set(ports)).sorted()
        if unique.isEmpty {
            base = "tcp or udp"
        } else {
            base = "(tcp or udp) and (" + unique.map { "port \($0)" }.joined(separator: " or ") + ")"
        }
        if let extra, !extra.isEmpty { base = "(\(base)) and (\(extra))" }
        return base
    }

    /// Opens the interface, installs the filter and creates the output file; capture begins with `start()`.
    public init(options: LiveCaptureOptions) throws(CaptureError) {
        self.options = options
        self.filter = Self.bpfFilter(ports: options.ports, extra: options.extraFilter)
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let p = pcap_create(options.interface, &errbuf) else {
            throw .pcap(cText(errbuf))
        }
        func fail(_ error: CaptureError) -> CaptureError {
            pcap_close(p)
            return error
        }
        pcap_set_snaplen(p, options.snapshotLength)
        pcap_set_promisc(p, 0)
        pcap_set_buffer_size(p, options.bufferBytes)
        // Immediate mode: packets reach us as they arrive, so stop() never waits for a buffer to fill.
        pcap_set_immediate_mode(p, 1)
        pcap_set_timeout(p, 100)
        let status = pcap_activate(p)
        if status < 0 {
            let text = String(cString: pcap_geterr(p))
            switch status {
            case PCAP_ERROR_PERM_DENIED, PCAP_ERROR_PROMISC_PERM_DENIED:
                throw fail(.permissionDenied(text.isEmpty ? "pcap_activate: permission denied" : text))
            case PCAP_ERROR_NO_SUCH_DEVICE:
                throw fail(.noSuchInterface(options.interface))
            default:
                throw fail(.pcap("pcap_activate(\(options.interface)): \(text)"))
            }
        }
        var program = bpf_program()
        if pcap_compile(p, &program, filter, 1, PCAP_NETMASK_UNKNOWN) != 0 {
            throw fail(.invalidFilter(filter: filter, message: String(cString: pcap_geterr(p))))
        }
        let set = pcap_setfilter(p, &program)
        pcap_freecode(&program)
        if set != 0 { throw fail(.invalidFilter(filter: filter, message: String(cString: pcap_geterr(p)))) }
        if pcap_setnonblock(p, 1, &errbuf) != 0 { throw fail(.pcap(cText(errbuf))) }
        guard pcap_get_selectable_fd(p) >= 0 else { throw fail(.pcap("interface has no selectable descriptor")) }
        guard let dumper = pcap_dump_open(p, options.outputPath) else {
            throw fail(.cannotWrite(path: options.outputPath, message: String(cString: pcap_geterr(p))))
        }
        handles = PcapHandles(pcap: p, dumper: dumper)
    }

    deinit {
        // A running thread holds only the state and handles, not self: tell it to finish.
        state.requestStop()
        // If start() never ran, the handles are still ours to close.
        if state.claimForCleanup() {
            pcap_dump_close(handles.dumper)
            pcap_close(handles.pcap)
        }
    }

    /// Starts the capture thread.
    public func start() throws(CaptureError) {
        guard state.markStarted() else { throw .invalidState("start() called twice or after stop()") }
        state.setStartReading(ClockReading.now())
        let handles = self.handles
        let state = self.state
        let options = self.options
        let thread = Thread {
            Self.run(handles, state: state, options: options)
        }
        thread.name = "fwdlab-capture-\(options.interface)"
        thread.start()
    }

    /// Packets written so far.
    public var packetsWritten: Int { state.packets }

    /// Waits (bounded by `timeout`) until at least `count` packets were written; true if they were.
    public func waitForPackets(_ count: Int, timeout: Duration) -> Bool {
        state.wait(until: { $0 >= count }, timeout: timeout)
    }

    /// Stops the thread, drains pending packets, flushes and closes the file; returns counters.
    @discardableResult
    public func stop(timeout: Duration = .seconds(5)) -> LiveCaptureStatistics {
        state.requestStop()
        _ = state.waitFinished(timeout: timeout)
        let (recv, drop) = state.kernelStats
        // Read after the thread finished: every packet in the file was stamped between the two readings.
        let clock = state.startReading.map { CaptureClockMapping(start: $0, end: ClockReading.now()) }
        return LiveCaptureStatistics(packetsWritten: state.packets, packetsReceived: recv, packetsDropped: drop,
                                     outputPath: options.outputPath, clock: clock)
    }

    private static func run(_ h: PcapHandles, state: LockedState, options: LiveCaptureOptions) {
        let fd = pcap_get_selectable_fd(h.pcap)
        let user = UnsafeMutableRawPointer(h.dumper).assumingMemoryBound(to: UInt8.self)
        let deadline = options.maxDuration.map { ContinuousClock.now + $0 }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        var failed = false
        while !state.stopRequested {
            if let deadline, ContinuousClock.now >= deadline { break }
            pfd.revents = 0
            let ready = poll(&pfd, 1, options.pollIntervalMilliseconds)
            if ready < 0 && errno != EINTR { failed = true; break }
            if ready > 0 {
                let n = pcap_dispatch(h.pcap, -1, pcap_dump, user)
                if n < 0 { failed = true; break }
                if n > 0 { state.add(Int(n)) }
            }
        }
        // Drain what the kernel already holds; bounded so a flood cannot keep us here.
        if !failed {
            for _ in 0..<1000 {
                let n = pcap_dispatch(h.pcap, -1, pcap_dump, user)
                if n <= 0 { break }
                state.add(Int(n))
            }
        }
        var stats = pcap_stat()
        if pcap_stats(h.pcap, &stats) == 0 {
            state.setKernelStats(received: stats.ps_recv, dropped: stats.ps_drop &+ stats.ps_ifdrop)
        }
        pcap_dump_flush(h.dumper)
        pcap_dump_close(h.dumper)
        pcap_close(h.pcap)
        state.markFinished()
    }
}

/// Shared state between the caller and the capture thread, guarded by one condition lock.
private final class LockedState: @unchecked Sendable {
    // @unchecked: every stored property is read and written only while holding `condition`.
    private let condition = NSCondition()
    private var started = false
    private var stopping = false
    private var finished = false
    private var cleanedUp = false
    private var count = 0
    private var received: UInt32 = 0
    private var dropped: UInt32 = 0
    private var startClock: ClockReading?

    private func locked<T>(_ body: () -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }

    func markStarted() -> Bool {
        locked {
            if started || stopping { return false }
            started = true
            return true
        }
    }

    /// True when the handles were never given to a thread (deinit must close them).
    func claimForCleanup() -> Bool {
        locked {
            if started || cleanedUp { return false }
            cleanedUp = true
            return true
        }
    }

    var stopRequested: Bool { locked { stopping } }
    var packets: Int { locked { count } }
    var kernelStats: (UInt32, UInt32) { locked { (received, dropped) } }

    func requestStop() { locked { stopping = true } }

    func setStartReading(_ r: ClockReading) { locked { startClock = r } }
    var startReading: ClockReading? { locked { startClock } }

    func add(_ n: Int) {
        condition.lock()
        count += n
        condition.broadcast()
        condition.unlock()
    }

    func setKernelStats(received: UInt32, dropped: UInt32) {
        locked {
            self.received = received
            self.dropped = dropped
        }
    }

    func markFinished() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    func waitFinished(timeout: Duration) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if !started { return true }
        let limit = Date(timeIntervalSinceNow: timeout.seconds)
        while !finished {
            if !condition.wait(until: limit) { return finished }
        }
        return true
    }

    func wait(until predicate: (Int) -> Bool, timeout: Duration) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let limit = Date(timeIntervalSinceNow: timeout.seconds)
        while !predicate(count) {
            if finished { return predicate(count) }
            if !condition.wait(until: limit) { return predicate(count) }
        }
        return true
    }
}

extension Duration {
    /// The duration in (fractional) seconds.
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}

/// Text of a NUL-terminated C buffer.
private func cText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
