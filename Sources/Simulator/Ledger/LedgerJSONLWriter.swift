import FluentdConfig
import Foundation
import ForwardServer
import ForwardProtocol
import NIOConcurrencyHelpers

/// Streams ledger events as JSON lines on its own thread, so formatting and file I/O never run on an
/// event loop. Batches arrive once per request; the thread formats them into one buffer and writes
/// it with a single `write(2)` per wake-up.
final class LedgerJSONLWriter: @unchecked Sendable {
    // @unchecked: `queue` and `closed` are only touched under `condition`; `fd` is written once in
    // init and read afterwards only by the writer thread and `close` (after the thread finished).

    /// One request's events plus the strings needed to print them.
    struct Item: Sendable {
        var arrivalMonotonicNanos: UInt64
        var arrivalWallNanos: Int64
        var peer: String
        var tag: String
        var chunk: String?
        var mode: ForwardMode
        var slots: [IngestSlot]
        var firstEvent: Int
    }

    private let condition = ConditionLock(value: 0)
    private var queue: [Item] = []
    private var closed = false
    private let fd: Int32
    private let receiverJSON: String
    private let done = ConditionLock(value: 0)

    init(path: String, receiverName: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ReceiverError.io("cannot open ledger file \(path): \(String(cString: strerror(errno)))")
        }
        self.fd = fd
        receiverJSON = ConfigJSON.quote(receiverName)
        let thread = Thread { [self] in run() }
        thread.name = "ledger-jsonl"
        thread.start()
    }

    func enqueue(_ item: Item) {
        condition.lock()
        queue.append(item)
        condition.unlock(withValue: 1)
    }

    /// Formats and writes one item on the caller's thread, behind anything queued before it.
    func writeNow(_ item: Item) {
        var out: [UInt8] = []
        format(item, into: &out)
        condition.lock()
        // Under the queue lock so a concurrent writer-thread flush cannot interleave with this write.
        let pending = queue
        queue.removeAll(keepingCapacity: true)
        var bytes: [UInt8] = []
        for p in pending { format(p, into: &bytes) }
        bytes.append(contentsOf: out)
        writeAll(bytes)
        // Keep waking the thread for a close() that came in meanwhile.
        condition.unlock(withValue: closed ? 1 : 0)
    }

    /// Flushes everything queued, stops the thread and closes the file.
    func close() {
        condition.lock()
        if closed { condition.unlock(); return }
        closed = true
        condition.unlock(withValue: 1)
        done.lock(whenValue: 1)
        done.unlock()
    }

    private func run() {
        var out: [UInt8] = []
        out.reserveCapacity(1 << 20)
        while true {
            condition.lock(whenValue: 1)
            let items = queue
            queue.removeAll(keepingCapacity: true)
            let finished = closed
            condition.unlock(withValue: 0)
            for item in items { format(item, into: &out) }
            if !out.isEmpty { writeAll(out); out.removeAll(keepingCapacity: true) }
            if finished { break }
        }
        Foundation.close(fd)
        done.lock()
        done.unlock(withValue: 1)
    }

    private func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = write(fd, raw.baseAddress! + off, raw.count - off)
                if n <= 0 {
                    if n < 0 && errno == EINTR { continue }
                    return
                }
                off += n
            }
        }
    }

    private func format(_ item: Item, into out: inout [UInt8]) {
        // The per-request part of each line is the same for all its events: build it once.
        var head: [UInt8] = []
        head.append(contentsOf: #"{"receiver":"#.utf8)
        head.append(contentsOf: receiverJSON.utf8)
        head.append(contentsOf: #","arrival_mono_ns":"#.utf8)
        Self.appendInt(Int64(bitPattern: item.arrivalMonotonicNanos), to: &head)
        head.append(contentsOf: #","arrival_wall_ns":"#.utf8)
        Self.appendInt(item.arrivalWallNanos, to: &head)
        head.append(contentsOf: #","peer":"#.utf8)
        head.append(contentsOf: ConfigJSON.quote(item.peer).utf8)
        head.append(contentsOf: #","tag":"#.utf8)
        head.append(contentsOf: ConfigJSON.quote(item.tag).utf8)
        head.append(contentsOf: #","chunk":"#.utf8)
        head.append(contentsOf: (item.chunk.map(ConfigJSON.quote) ?? "null").utf8)
        head.append(contentsOf: #","mode":""#.utf8)
        head.append(contentsOf: item.mode.rawValue.utf8)
        head.append(contentsOf: #"","#.utf8)
        for (i, slot) in item.slots.enumerated() {
            out.append(contentsOf: head)
            out.append(contentsOf: #""index":"#.utf8)
            Self.appendInt(Int64(item.firstEvent + i), to: &out)
            out.append(contentsOf: #","time":"#.utf8)
            if slot.flags & IngestSlot.otherTime != 0 {
                out.append(contentsOf: "null".utf8)
            } else if slot.flags & IngestSlot.integerTime != 0 {
                Self.appendInt(Int64(slot.timeSeconds), to: &out)
            } else {
                Self.appendInt(Int64(slot.timeSeconds), to: &out)
                out.append(UInt8(ascii: "."))
                var n = slot.timeNanos
                var digits = [UInt8](repeating: UInt8(ascii: "0"), count: 9)
                for d in stride(from: 8, through: 0, by: -1) { digits[d] = UInt8(ascii: "0") + UInt8(n % 10); n /= 10 }
                out.append(contentsOf: digits)
            }
            // Fluent Bit 5's [time, metadata]: the time above is the inner one.
            if slot.flags & IngestSlot.metadataTime != 0 { out.append(contentsOf: #","metadata":true"#.utf8) }
            out.append(contentsOf: #","seq":"#.utf8)
            if let s = slot.seqValue { Self.appendInt(s, to: &out) } else { out.append(contentsOf: "null".utf8) }
            out.append(contentsOf: "}\n".utf8)
        }
    }

    static func appendInt(_ v: Int64, to out: inout [UInt8]) {
        if v == 0 { out.append(UInt8(ascii: "0")); return }
        var x = v.magnitude
        var tmp: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                  UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &tmp) { buf in
            while x > 0 { buf[n] = UInt8(ascii: "0") + UInt8(x % 10); x /= 10; n += 1 }
            if v < 0 { out.append(UInt8(ascii: "-")) }
            for i in stride(from: n - 1, through: 0, by: -1) { out.append(buf[i]) }
        }
    }
}
