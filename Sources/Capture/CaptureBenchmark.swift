import Foundation
import ForwardProtocol
import NIOCore

/// Figures from one run of the capture-analysis benchmark.
public struct CaptureBenchmarkResult: Sendable, Codable, CustomStringConvertible {
    /// Analysis throughput over the file size, MB (10⁶ bytes) per second; PackedForward events
    /// counted from the `size` option.
    public var mbPerSecond: Double
    /// Throughput when every PackedForward entry is framed and counted.
    public var exactCountMBPerSecond: Double
    public var fileBytes: Int64
    public var frames: Int
    public var requests: Int
    public var events: Int
    /// Both passes counted the same events.
    public var eventsMatch: Bool
    public var analyzeSeconds: Double
    public var generateSeconds: Double
    public var path: String

    public var description: String {
        String(format: "capture analysis: %.1f MB/s (%.1f MB/s with exact entry counts)", mbPerSecond, exactCountMBPerSecond)
            + (eventsMatch ? "" : " COUNTS DIFFER")
            + String(format: "; %.1f MB, %d frames, %d requests, %d events in %.3f s; generated in %.3f s",
                     Double(fileBytes) / 1e6, frames, requests, events, analyzeSeconds, generateSeconds)
    }
}

/// Measures `WireAnalyzer` throughput on a large synthetic PackedForward capture (`fwdlab bench capture`).
public enum CaptureBenchmark {
    /// Generates about `sizeMB` MB of acked PackedForward traffic to 4 nodes, analyses it, prints and returns the figures.
    /// The file is deleted afterwards unless `keepFile` is set.
    @discardableResult
    public static func run(sizeMB: Int = 500, directory: String = NSTemporaryDirectory(), keepFile: Bool = false,
                           print printFigures: Bool = true) throws -> CaptureBenchmarkResult {
        let path = directory + "/fwdlab-bench-capture-\(getpid()).pcap"
        let clock = ContinuousClock()
        let generateStart = clock.now
        try generate(path: path, bytes: Int64(sizeMB) * 1_000_000)
        let generated = clock.now - generateStart
        defer { if !keepFile { unlink(path) } }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0
        let start = clock.now
        let report = try WireAnalyzer.inspect(path: path, options: .init(timelineLimit: 0, countPackedEntries: false))
        let elapsed = (clock.now - start).seconds
        // Second pass with exact per-entry counting (what `fwdlab pcap inspect` does by default).
        let exactStart = clock.now
        let exact = try WireAnalyzer.inspect(path: path, options: .init(timelineLimit: 0, countPackedEntries: true))
        let exactElapsed = (clock.now - exactStart).seconds
        let megabytes = Double(size) / 1e6
        let result = CaptureBenchmarkResult(
            mbPerSecond: megabytes / max(elapsed, 1e-9), exactCountMBPerSecond: megabytes / max(exactElapsed, 1e-9),
            fileBytes: size, frames: report.packets.frames,
            requests: report.messages.requests, events: report.messages.events, eventsMatch: exact.messages.events == report.messages.events,
            analyzeSeconds: elapsed, generateSeconds: generated.seconds, path: keepFile ? path : "(deleted)")
        if printFigures { print(result.description) }
        return result
    }

    /// Writes roughly `bytes` of capture: 4 keepalive connections, 1000-event PackedForward chunks
    /// in 32 KiB segments, each acked by the server, interleaved across nodes.
    public static func generate(path: String, bytes target: Int64) throws {
        let w = try PcapFileWriter(path: path, format: .pcapNanosecond, linkType: .ethernet, bufferSize: 8 << 20)
        let client = IPAddress.loopbackV4
        var connections: [SyntheticTCPConnection] = []
        for i in 0..<4 {
            let isn: UInt32 = 0xffff_0000 &+ UInt32(i) &* 7919  // near 2^32: every stream wraps
            connections.append(SyntheticTCPConnection(client: IPEndpoint(address: client, port: UInt16(41_000 + i)),
                                                      server: IPEndpoint(address: client, port: UInt16(24_224 + i)),
                                                      clientISN: isn))
        }
        var t = GoldenCaptureGenerator.epoch
        for i in connections.indices { try connections[i].handshake(w, at: t); t += 100_000 }
        var chunkNumber: UInt64 = 0
        var written: Int64 = 0
        // Entries are built once; only the chunk id changes between requests.
        var entries = ByteBuffer()
        for k in 0..<1000 {
            ForwardEntry.write(time: EventTime(seconds: 1_293_974_055, nanoseconds: UInt32(k)),
                               encodedRecord: GoldenCaptureGenerator.record(Int64(k)).encoded, into: &entries)
        }
        var headBuffer = ByteBuffer()
        ForwardEncoder.writePackedForwardHead(tag: "bench.access", entriesLength: entries.readableBytes, into: &headBuffer)
        let head = Array(headBuffer.readableBytesView) + Array(entries.readableBytesView)
        while written < target {
            chunkNumber += 1
            let chunk = chunkID(chunkNumber)
            var option = ByteBuffer()
            ForwardOption.write(size: 1000, compressed: "text", chunk: chunk, into: &option)
            let request: [UInt8] = head + Array(option.readableBytesView)
            var ack = ByteBuffer()
            ForwardAck.write(chunk: chunk, into: &ack)
            let i = Int(chunkNumber % 4)
            let last = try connections[i].send(w, fromClient: true, request, at: t, segmentSize: 32_768, spacing: 2_000)
            try connections[i].send(w, fromClient: false, Array(ack.readableBytesView), at: last + 50_000)
            t = last + 100_000
            let segments = request.count / 32_768 + 2
            written += Int64(request.count + segments * 70)
        }
        try w.close()
    }

    private static func chunkID(_ n: UInt64) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        for k in 0..<8 { bytes[k] = UInt8(truncatingIfNeeded: n >> UInt64(56 - 8 * k)) }
        return Data(bytes).base64EncodedString() + "\n"
    }
}
