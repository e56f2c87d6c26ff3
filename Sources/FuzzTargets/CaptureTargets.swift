import Capture
import Foundation

/// Captures (Sources/Capture): the pcap/pcapng reader, the packet dissector, the TCP reassembler and the forward
/// stream decoder behind `fwdlab pcap inspect` and every scenario's wire expectations.
enum CaptureTargets {
    static let pcap = FuzzTarget(
        name: "pcap",
        summary: "the input as a pcap/pcapng file: PcapFileReader from memory and from a file (the same frames), "
            + "then WireAnalyzer (dissector, TCP reassembly, forward stream decoding, the report)",
        run: { data in
            var memoryFrames: [PcapPacket] = []
            // A 4 KB reassembly cap, so an input within tools/fuzz.sh's 16 KB -max_len can overflow it.
            var analyzer = WireAnalyzer(options: .init(timelineLimit: 64, maxBufferedBytesPerStream: 4 << 10))
            var memoryError: String?
            do {
                let reader = try PcapFileReader(bytes: data, maxRecordLength: 1 << 20)
                try reader.forEachPacket { view in
                    memoryFrames.append(view.copy())
                    analyzer.add(view)
                }
            } catch {
                memoryError = "\(error)"
            }
            let report = analyzer.finish(file: "fuzz.pcap")
            _ = report.problems.count
            // The file reader (what `fwdlab pcap` and the scenario runner use) must see the same frames.
            writeScratchFile(data)
            var fileFrames: [PcapPacket] = []
            var fileError: String?
            do {
                let reader = try PcapFileReader(path: scratchFile, bufferSize: 0, maxRecordLength: 1 << 20)
                while let p = try reader.next() { fileFrames.append(p) }
            } catch {
                fileError = "\(error)"
            }
            unlink(scratchFile)
            fuzzCheck(fileFrames == memoryFrames, "\(fileFrames.count) frames from the file, \(memoryFrames.count) from memory")
            fuzzCheck((fileError == nil) == (memoryError == nil),
                      "file reader error \(fileError ?? "none"), memory reader error \(memoryError ?? "none")")
        },
        seeds: { Seeds.captures() })

    /// The file the file reader reads each input from: in /dev/shm when there is one (no disk I/O per input).
    static let scratchFile: String = {
        let directory = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : NSTemporaryDirectory()
        return directory + "/fwdlab-fuzz-\(getpid()).pcap"
    }()

    /// Overwrites the scratch file with `data`: a plain write, not FileManager's atomic one (a temporary file, fsync
    /// and rename per input made this target spend a third of its time in the file system).
    static func writeScratchFile(_ data: [UInt8]) {
        let fd = open(scratchFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        fuzzCheck(fd >= 0, "cannot open \(scratchFile): errno \(errno)")
        defer { close(fd) }
        data.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let n = write(fd, raw.baseAddress! + written, raw.count - written)
                fuzzCheck(n > 0, "cannot write \(scratchFile): errno \(errno)")
                written += n
            }
        }
    }

    static let client = IPEndpoint(address: IPAddress(ipv4: 0x7f00_0001), port: 40_000)
    static let server = IPEndpoint(address: IPAddress(ipv4: 0x7f00_0002), port: 24_224)

    /// The input as TCP segments: per segment a control byte (bit 7 from the server, bit 6 a second connection on the
    /// same ports reusing them, bits 0-4 SYN/FIN/RST/PSH/ACK), a sequence number (bit 5: a raw 32-bit one, else
    /// 16 bits relative to the direction's first sequence, so overlaps and retransmissions are common), a payload
    /// length byte and the payload. Built into raw-IP frames with PacketBuilder, dissected, reassembled.
    static let tcp = FuzzTarget(
        name: "tcp",
        summary: "TCPStreamReassembler on segments built from the input (retransmissions, overlaps, holes, sequence "
            + "wrap-around, port reuse, RST/FIN): data and gaps must tile each direction's stream from offset 0",
        run: { data in
            var input = FuzzBytes(data)
            // Small buffer cap so holes overflow it; the first byte picks the ISNs' neighbourhood (wrap-around).
            let base = UInt32(input.byte()) << 24 | 0x00ff_f000
            var reassembler = TCPStreamReassembler(maxBufferedBytesPerStream: 256, serverPorts: [24_224])
            var sink = CheckingSink()
            var time: Int64 = 1_000_000
            var segments = 0
            while !input.isAtEnd, segments < 512 {
                segments += 1
                let control = input.byte()
                let fromServer = control & 0x80 != 0
                let otherClient = control & 0x40 != 0
                let flags = TCPFlags(rawValue: control & 0x1f)
                let isn = fromServer ? base &+ 0x0100_0000 : base
                let sequence = control & 0x20 != 0 ? input.u32() : isn &+ UInt32(input.u16())
                let payload = input.take(Int(input.byte() % 64))
                let c = otherClient ? IPEndpoint(address: client.address, port: 40_001) : client
                let frame = PacketBuilder.tcp(linkType: .raw, source: fromServer ? server : c, destination: fromServer ? c : server,
                                              sequence: sequence, acknowledgment: 0, flags: flags, payload: payload)
                time += 1000
                frame.withUnsafeBytes { raw in
                    guard case let .success(packet) = PacketDissector.dissect(raw, linkType: .raw) else {
                        fuzzCheck(false, "PacketBuilder's frame does not dissect")
                        return
                    }
                    fuzzCheck(packet.payloadLength == payload.count, "dissected \(packet.payloadLength) payload bytes of \(payload.count)")
                    let bytes = UnsafeRawBufferPointer(rebasing: raw[packet.payloadOffset ..< packet.payloadOffset + packet.payloadLength])
                    reassembler.process(packet, payload: bytes, time: time, into: &sink)
                }
            }
            reassembler.finish(time: time + 1000, into: &sink)
            _ = reassembler.connections.map(\.isClosed)
        },
        seeds: { Seeds.tcpSegments() })

    /// Checks what the reassembler delivers: per connection and direction, data and gaps tile the stream from 0
    /// with no overlap and no hole, and no connection id is used before it was opened.
    struct CheckingSink: TCPStreamSink {
        var next: [Int: [TCPDirection: UInt64]] = [:]
        var opened: Set<Int> = []

        mutating func tcpEvent(_ event: TCPStreamEvent) {
            switch event {
            case let .opened(connection, _, _, _, _):
                fuzzCheck(!opened.contains(connection), "connection \(connection) opened twice")
                opened.insert(connection)
            case let .gap(connection, direction, offset, missing, _):
                advance(connection, direction, offset, missing, what: "gap")
            case let .syn(c, _), let .synAck(c, _), let .established(c, _), let .closed(c, _),
                 let .fin(c, _, _), let .reset(c, _, _):
                fuzzCheck(opened.contains(c), "event on connection \(c) before it opened")
            case let .data(connection, direction, offset, bytes, _):
                advance(connection, direction, offset, UInt64(bytes.count), what: "data")
            }
        }

        mutating func tcpData(connection: Int, direction: TCPDirection, streamOffset: UInt64, bytes: UnsafeRawBufferPointer, time: Int64) {
            fuzzCheck(bytes.count > 0, "empty data delivery")
            advance(connection, direction, streamOffset, UInt64(bytes.count), what: "data")
        }

        mutating func advance(_ c: Int, _ d: TCPDirection, _ offset: UInt64, _ length: UInt64, what: String) {
            fuzzCheck(opened.contains(c), "\(what) on connection \(c) before it opened")
            let expected = next[c, default: [:]][d, default: 0]
            fuzzCheck(offset == expected, "\(what) at offset \(offset) of connection \(c) \(d), expected \(expected)")
            next[c, default: [:]][d] = offset + length
        }
    }
}
