import ForwardProtocol
import Logging
import NIOCore

#if DEBUG || FUZZING
// in_forward's request processing (RequestIngest and its EntryScanner) is internal to ForwardServer: the debug build
// (SwiftPM's -enable-testing) and the fuzzing build (tools/fuzz.sh adds -enable-testing) reach it. A release build
// of the replayer has no such target.
@testable import ForwardServer

enum ServerIngestTarget {
    /// Two receivers: the defaults the agent's forward input uses, and one with every rewrite option on.
    static let ingests: [RequestIngest] = {
        var plain = ReceiverSettings(name: "fuzz")
        plain.maxDecompressedSize = ForwardTargets.maxDecompressedSize
        plain.logger = Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() })
        var rewriting = plain
        rewriting.skipInvalidEvent = true
        rewriting.sourceAddressKey = "source"
        rewriting.addTagPrefix = "fuzz"
        rewriting.ledger.keepRecords = true
        return [RequestIngest(settings: plain, collectEntries: true), RequestIngest(settings: rewriting, collectEntries: true)]
    }()

    static let target: FuzzTarget? = FuzzTarget(
        name: "server-ingest",
        summary: "what a receiver / the agent's forward input does with each frame: ForwardFrame.decode, then "
            + "RequestIngest (EntryScanner, gzip, skip_invalid_event, source_address_key); the entries it buffers, "
            + "forwarded as PackedForward, must be accepted by the next receiver as exactly the events it counted",
        run: { data in
            ForwardTargets.forEachServerFrame(data) { frame in
                guard case let .request(request)? = try? ForwardFrame.decode(frame, limits: ForwardTargets.serverLimits) else {
                    return
                }
                for ingest in ingests {
                    var batch = IngestBatch()
                    let tag = ingest.rewrittenTag(request.tag)
                    guard case .accepted = ingest.ingest(request, tag: tag, peer: "127.0.0.1:1", peerIP: "127.0.0.1", into: &batch)
                    else { continue }
                    // The agent buffers `entries` and forwards them as a PackedForward blob: the next receiver must
                    // accept exactly the events this one counted, no more, no fewer.
                    let forwarded = ForwardEncoder.packedForward(tag: "fuzz.next", entries: batch.entries, size: batch.slots.count)
                    guard case let .request(next)? = try? ForwardFrame.decode(forwarded, limits: ForwardTargets.serverLimits) else {
                        fuzzCheck(false, "the forwarded PackedForward request does not decode")
                        return
                    }
                    var again = IngestBatch()
                    let outcome = ingests[0].ingest(next, tag: next.tag, peer: "127.0.0.1:2", peerIP: "127.0.0.1", into: &again)
                    guard case .accepted = outcome else {
                        fuzzCheck(false, "the next receiver refuses the forwarded entries: \(outcome)")
                        return
                    }
                    fuzzCheck(again.slots.count == batch.slots.count,
                              "forwarded \(batch.slots.count) accepted events, the next receiver counts \(again.slots.count)")
                    if ingest.keepRecords {
                        fuzzCheck(batch.records.count == batch.slots.count, "\(batch.records.count) records for \(batch.slots.count) events")
                    }
                }
            }
        },
        seeds: { Seeds.forwardRequests() })
}
#else
enum ServerIngestTarget {
    static let target: FuzzTarget? = nil
}
#endif
