import Foundation
import ForwardProtocol
import NIOCore
import Testing

/// Inputs the libFuzzer targets (Sources/FuzzTargets, docs/fuzzing.md) found breaking an invariant, kept in
/// fixtures/fuzz-regressions/TARGET/ and replayed here against the code they broke.
struct FuzzRegressionTests {
    /// Frames the scanner delimits in `bytes`, each of which must decode as a value with the same limits.
    static func scanAndDecode(_ bytes: ByteBuffer, limits: MessagePackLimits) throws -> Int {
        var scanner = MessagePackFrameScanner(limits: limits)
        var buffer = bytes
        var frames = 0
        while buffer.readableBytes > 0, case let .frame(length) = try scanner.scan(buffer) {
            let frame = buffer.readSlice(length: length)!
            scanner.reset()
            _ = try MessagePackValue.decode(frame, limits: limits)
            frames += 1
        }
        return frames
    }

    /// msgpack-scanner: an empty array at one level past maxDepth. The scanner never counts an empty container as
    /// nesting, the value decoder did, so a frame the scanner accepted failed to decode (depthExceeded).
    @Test func anEmptyContainerPastMaxDepthDecodesAsTheScannerAccepted() throws {
        let tight = MessagePackLimits(maxDepth: 6, maxFrameLength: 512, maxContainerCount: 64)
        for empty in ["90", "80"] {
            let frame = ByteBuffer(hex: String(repeating: "91", count: 6) + empty)
            #expect(try Self.scanAndDecode(frame, limits: tight) == 1)
            #expect(try MessagePackValue.decode(frame, limits: tight) == .array([.array([.array([.array([.array([.array([
                empty == "90" ? .array([]) : .map([])])])])])])]))
            // One non-empty level deeper is past the limit for both.
            let deeper = ByteBuffer(hex: String(repeating: "91", count: 7) + "c0")
            var scanner = MessagePackFrameScanner(limits: tight)
            #expect(throws: MessagePackError.depthExceeded(limit: 6, offset: 6)) { try scanner.scan(deeper) }
            #expect(throws: MessagePackError.depthExceeded(limit: 6, offset: 6)) { try MessagePackValue.decode(deeper, limits: tight) }
        }
        let found = try Data(contentsOf: URL(fileURLWithPath: Fixture.path("fuzz-regressions/msgpack-scanner/empty-container-past-max-depth")))
        #expect(try Self.scanAndDecode(ByteBuffer(bytes: Array(found)), limits: tight) > 0)
    }

    /// forward-request (a libFuzzer timeout): a non-string tag nested in arrays or maps around an ext type other than
    /// EventTime. Looking for that ext type used `lazy.compactMap(...).first`, which evaluates the element it finds
    /// again, so the walk was exponential in the depth: 40 levels never finished. The capture analyzer decodes frames
    /// with the default limits (any ext type passes its scanner), so a crafted capture hung `fwdlab pcap inspect`.
    @Test func aDeeplyNestedTagWithAForeignExtIsRejectedInLinearTime() throws {
        let arrays = "93" + String(repeating: "91", count: 40) + "d40500" + "01" + "80"
        let maps = "93" + String(repeating: "81a16b", count: 40) + "d40500" + "01" + "80"
        for hex in [arrays, maps] {
            let started = ContinuousClock.now
            #expect(throws: MessagePackError.unknownExtension(type: 5, offset: 1)) { try ForwardFrame.decode(ByteBuffer(hex: hex)) }
            #expect(ContinuousClock.now - started < .seconds(5))
        }
        let found = try Data(contentsOf: URL(fileURLWithPath: Fixture.path("fuzz-regressions/forward-request/nested-foreign-ext-tag-timeout")))
        var scanner = MessagePackFrameScanner()
        var buffer = ByteBuffer(bytes: Array(found))
        let started = ContinuousClock.now
        while buffer.readableBytes > 0, case let .frame(length)? = try? scanner.scan(buffer) {
            let frame = buffer.readSlice(length: length)!
            scanner.reset()
            _ = try? ForwardFrame.decode(frame)
        }
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
