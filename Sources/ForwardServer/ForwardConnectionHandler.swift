import ForwardProtocol
import Logging
import NIOCore
import NIOSSL
import NIOTLS

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One in_forward connection: frames the byte stream (MessagePack or JSON, chosen by the first byte,
/// docs/forward-protocol.md, "Framing"), runs the `<security>` handshake ("Handshake"), applies in_forward's
/// message rules ("Request processing" to "Ack response"), hands accepted requests to the sink and writes acks. Bad
/// input closes this connection with a log line naming the peer and the reason; it never throws past the handler.
final class ForwardConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Format { case undecided, msgpack, json }
    private enum Phase {
        case awaitingPing(nonce: [UInt8], authSalt: [UInt8])
        case established
        case closed

        var isOpen: Bool { if case .closed = self { return false } else { return true } }
    }
    private enum CloseMode { case configured, graceful, reset }

    private let core: ForwardServerCore
    private let hooks: (any ReceiverFaultHooks)?
    private var info: ReceiverConnectionInfo
    private var logger: Logger
    private var peerID: UInt32 = 0
    private var format = Format.undecided
    private var phase = Phase.established
    private var cumulation = ByteBuffer()
    /// Whether `cumulation` is a read buffer adopted as it came (shared with NIO's receive pool), not our own copy.
    private var cumulationIsReadBuffer = false
    private var scanner: MessagePackFrameScanner
    private var json: JSONStreamSplitter
    /// Fluentd's per-read byte counter (docs/forward-protocol.md, "Chunk size limits"; quirk 23 in docs/quirks.md).
    private var readCounter = 0
    private var batch = IngestBatch()
    private var requestSequence = 0
    private var stalled = false
    private var stalledData: [ByteBuffer] = []
    private var needsFlush = false
    private var registered: Channel?
    /// Set while the sink asks the connection to wait (overflow_action block).
    private var blocked: BlockedRequest?

    init(core: ForwardServerCore, isTLS: Bool) {
        self.core = core
        self.hooks = core.settings.hooks
        self.info = ReceiverConnectionInfo(receiver: core.settings.name, id: 0, peer: "?", peerIP: "?", isTLS: isTLS)
        self.logger = core.logger
        self.scanner = MessagePackFrameScanner(limits: core.scannerLimits)
        self.json = JSONStreamSplitter(maxLength: core.scannerLimits.maxFrameLength)
        batch.slots.reserveCapacity(1024)
    }

    // MARK: Lifecycle

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        if core.killed.load(ordering: .relaxed) {
            // Accepted from the backlog of a killed server: its kernel resets such connections.
            phase = .closed
            context.fireChannelActive()
            close(context, mode: .reset, reason: nil)
            return
        }
        info.id = core.register(channel)
        registered = channel
        if let remote = channel.remoteAddress {
            info.peerIP = remote.ipAddress ?? "?"
            info.peer = "\(info.peerIP):\(remote.port ?? 0)"
        }
        logger[metadataKey: "peer"] = .string(info.peer)
        peerID = core.sink.registerPeer(info.peer)
        core.stats.connectionsAccepted.wrappingIncrement(ordering: .relaxed)
        core.stats.connectionsOpen.wrappingIncrement(ordering: .relaxed)
        logger.trace("accepted fluent socket")

        if let hooks {
            // At the head of the pipeline, where a middlebox would see the bytes (see ConnectionIdleHandler).
            try? context.pipeline.syncOperations.addHandler(ConnectionIdleHandler(hooks: hooks, connection: info), position: .first)
            switch hooks.onAccept(info) {
            case .proceed: break
            case .close: close(context, mode: .graceful, reason: nil); return
            case .reset: close(context, mode: .reset, reason: nil); return
            }
        }
        if core.security != nil {
            // HELO goes out before anything is read (docs/forward-protocol.md, "When the handshake runs"); always MessagePack.
            var rng = SystemRandomNumberGenerator()
            let nonce = (0 ..< 16).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
            let auth = (0 ..< 16).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
            phase = .awaitingPing(nonce: nonce, authSalt: auth)
            var helo = context.channel.allocator.buffer(capacity: 96)
            Helo(nonce: nonce, auth: auth, keepalive: !core.settings.denyKeepalive).encode(into: &helo)
            writeHandshake(context, helo, step: .helo)
        }
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? TLSUserEvent, case .handshakeCompleted = e, phase.isOpen { hooks?.onTLSEstablished(info) }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let registered { core.unregister(registered) }
        core.stats.connectionsOpen.wrappingDecrement(ordering: .relaxed)
        if case .closed = phase {} else {
            if cumulation.readableBytes > 0 || json.hasPartialDocument {
                // The corpus' "incomplete" case: nothing from a partial message is accepted (docs/forward-protocol.md, "Framing").
                logger.info("connection closed by peer inside an incomplete message; discarded",
                            metadata: ["bytes": .stringConvertible(cumulation.readableBytes)])
            }
            phase = .closed
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if case .closed = phase { return }
        if error is NIOSSLError || error is BoringSSLError {
            fail(context, .tls, "TLS failure: \(error)")
        } else if let e = error as? IOError, e.errnoCode == ECONNRESET || e.errnoCode == EPIPE {
            logger.debug("connection reset by peer")
            phase = .closed
            context.close(promise: nil)
        } else {
            fail(context, .connectionError, "\(error)")
        }
    }

    // MARK: Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        if case .closed = phase { return }
        if core.killed.load(ordering: .relaxed) { return }
        core.stats.bytesRead.wrappingIncrement(by: bytes.readableBytes, ordering: .relaxed)
        if stalled {
            stalledData.append(bytes)
            hooks?.heldRead(info, byteCount: bytes.readableBytes)
            return
        }
        if let hooks {
            switch hooks.beforeRead(info, byteCount: bytes.readableBytes) {
            case .proceed: break
            case let .stall(duration):
                stall(context, for: duration, holding: bytes)
                return
            case .discard: return
            case .close: close(context, mode: .graceful, reason: "fault: close on read"); return
            case .reset: close(context, mode: .reset, reason: "fault: reset on read"); return
            }
        }
        consume(context, bytes)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    private func stall(_ context: ChannelHandlerContext, for duration: TimeAmount, holding bytes: ByteBuffer) {
        stalled = true
        stalledData.append(bytes)
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
        scheduleRelease(context, in: duration)
    }

    private func scheduleRelease(_ context: ChannelHandlerContext, in duration: TimeAmount) {
        context.eventLoop.assumeIsolated().scheduleTask(in: duration) { [self] in
            // Bytes held during the stall may still owe time (a rate cap): keep holding them.
            if let extra = hooks?.extendStall(info), extra > .zero, phase.isOpen {
                scheduleRelease(context, in: extra)
                return
            }
            stalled = false
            let held = stalledData
            stalledData.removeAll()
            for b in held {
                if case .closed = phase { return }
                consume(context, b)
            }
            if needsFlush { needsFlush = false; context.flush() }
            if case .closed = phase { return }
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
        }
    }

    private func consume(_ context: ChannelHandlerContext, _ incoming: ByteBuffer) {
        var bytes = incoming
        if format == .undecided {
            guard let first = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) else { return }
            format = (first == UInt8(ascii: "{") || first == UInt8(ascii: "[")) ? .json : .msgpack
        }
        readCounter += bytes.readableBytes
        if cumulation.readableBytes == 0 {
            // Common case: no leftovers, adopt the read buffer without copying.
            cumulation = bytes
            cumulationIsReadBuffer = true
        } else {
            cumulation.writeBuffer(&bytes)
        }
        drainFrames(context)
        if cumulation.readableBytes == 0 {
            // Let go of the read buffer instead of clearing it: the caller still holds that buffer, so `clear()` would
            // allocate a fresh one of the same capacity (1 MB after large reads) on every read.
            cumulation = ByteBuffer()
        } else if cumulationIsReadBuffer && !stalled {
            // A partial frame at the end of an adopted read buffer: copy just that tail out. Appending the next read to
            // the shared buffer would copy all of it (its whole capacity, then doubled), and NIO's receive pool would
            // allocate a new read buffer because this one is still held: two extra megabytes per connection.
            // Room for one more read, so the append that follows does not reallocate.
            var tail = context.channel.allocator.buffer(capacity: cumulation.readableBytes + core.settings.readBufferLimit)
            tail.writeBuffer(&cumulation)
            cumulation = tail
            cumulationIsReadBuffer = false
        } else if cumulation.readerIndex > 1 << 20 {
            cumulation.discardReadBytes()
        }
    }

    private func drainFrames(_ context: ChannelHandlerContext) {
        while !stalled {
            if case .closed = phase { return }
            let frame: ByteBuffer
            let frameLength: Int
            switch format {
            case .undecided:
                return
            case .msgpack:
                do {
                    switch try scanner.scan(cumulation) {
                    case .needMoreData:
                        return
                    case let .frame(length):
                        frame = cumulation.readSlice(length: length)!
                        frameLength = length
                        scanner.reset()
                    }
                } catch {
                    fail(context, .malformed, "\(error)")
                    return
                }
            case .json:
                do {
                    guard let document = try json.next(&cumulation) else { return }
                    frameLength = document.readableBytes
                    frame = try JSONWireCodec.messagePack(fromJSON: document)
                } catch {
                    fail(context, .malformed, "\(error)")
                    return
                }
            }
            let chunkSize: Int
            switch core.settings.chunkSizeAccounting {
            case .perRead:
                chunkSize = readCounter
                readCounter = 0
            case .perMessage:
                chunkSize = frameLength
            }
            switch phase {
            case let .awaitingPing(nonce, authSalt):
                handlePing(context, frame, nonce: nonce, authSalt: authSalt)
            case .established:
                handleMessage(context, frame, chunkSize: chunkSize, frameLength: frameLength)
            case .closed:
                return
            }
        }
    }

    // MARK: Handshake (docs/forward-protocol.md, "Server-side PING checks")

    private func handlePing(_ context: ChannelHandlerContext, _ frame: ByteBuffer, nonce: [UInt8], authSalt: [UInt8]) {
        guard let security = core.security else { return }
        let verdict = HandshakeVerifier.check(frame: frame, peerIP: info.peerIP, nonce: nonce, authSalt: authSalt,
                                              security: security, limits: core.scannerLimits)
        let pong: Pong
        switch verdict {
        case let .success(ping, sharedKey):
            pong = Pong.success(ping: ping, serverHostname: security.selfHostname, nonce: nonce, sharedKey: sharedKey)
            phase = .established
            core.stats.handshakesSucceeded.wrappingIncrement(ordering: .relaxed)
            logger.debug("connection established")
        case let .failure(reason, logMessage, hostname):
            pong = Pong.failure(reason)
            core.stats.handshakesFailed.wrappingIncrement(ordering: .relaxed)
            logger.warning("\(logMessage)", metadata: ["address": .string(info.peerIP), "hostname": .string(hostname ?? "")])
            core.reject(.handshake, reason, peer: info.peer)
        }
        var out = context.channel.allocator.buffer(capacity: 256)
        if format == .json {
            out = JSONWireCodec.json(.array([.str("PONG"), .bool(pong.authResult), .str(pong.reason),
                                             .str(pong.serverHostname), .str(pong.sharedKeyHexdigest)]))
        } else {
            pong.encode(into: &out)
        }
        let written = writeHandshake(context, out, step: .pong(success: pong.authResult))
        if !pong.authResult {
            // Fluentd closes once the failing PONG is flushed; with SO_LINGER 0 that is an RST (quirk 12).
            phase = .closed
            let mode: CloseMode = core.settings.gracefulHandshakeClose ? .graceful : .configured
            if let written {
                written.assumeIsolated().whenComplete { [self] _ in close(context, mode: mode, reason: nil) }
            } else {
                close(context, mode: mode, reason: nil)
            }
        }
    }

    @discardableResult
    private func writeHandshake(_ context: ChannelHandlerContext, _ bytes: ByteBuffer, step: ReceiverHandshakeStep) -> EventLoopFuture<Void>? {
        var payload = bytes
        if let hooks {
            switch hooks.onHandshake(info, step: step) {
            case .proceed: break
            case .suppress: return nil
            case let .replace(b): payload = b
            case let .split(segments, delay): return writeSplit(context, payload, segments: segments, delay: delay)
            case .close: close(context, mode: .graceful, reason: "fault: close at handshake"); return nil
            case .reset: close(context, mode: .reset, reason: "fault: reset at handshake"); return nil
            }
        }
        return context.writeAndFlush(wrapOutboundOut(payload))
    }

    /// Writes `bytes` in `segments` nearly equal pieces, `delay` apart, each flushed alone (one TCP
    /// segment each). The future completes with the last piece.
    private func writeSplit(_ context: ChannelHandlerContext, _ bytes: ByteBuffer, segments: Int,
                            delay: TimeAmount) -> EventLoopFuture<Void> {
        let n = min(max(segments, 1), max(bytes.readableBytes, 1))
        let cuts = (1 ..< n).map { $0 * bytes.readableBytes / n }
        var pieces: [ByteBuffer] = []
        var start = 0
        for end in cuts + [bytes.readableBytes] {
            pieces.append(bytes.getSlice(at: bytes.readerIndex + start, length: end - start)!)
            start = end
        }
        let done = context.eventLoop.makePromise(of: Void.self)
        func send(_ i: Int) {
            guard context.channel.isActive else { done.fail(ChannelError.ioOnClosedChannel); return }
            let written = context.writeAndFlush(wrapOutboundOut(pieces[i]))
            if i == pieces.count - 1 {
                written.cascade(to: done)
            } else {
                context.eventLoop.assumeIsolated().scheduleTask(in: delay) { send(i + 1) }
            }
        }
        send(0)
        return done.futureResult
    }

    // MARK: Event messages (docs/forward-protocol.md, "Request processing")

    private func handleMessage(_ context: ChannelHandlerContext, _ frame: ByteBuffer, chunkSize: Int, frameLength: Int) {
        let decoded: ForwardFrame
        do {
            decoded = try ForwardFrame.decode(frame, limits: core.scannerLimits, profile: core.settings.profile)
        } catch let error as ForwardProtocolError {
            fail(context, .badShape, error.description)
            return
        } catch {
            fail(context, .malformed, "\(error)")
            return
        }
        var ackWrite: EventLoopFuture<Void>?
        var ackPending = false
        switch decoded {
        case .heartbeatNil:
            break
        case let .broken(reason):
            logger.warning("incoming chunk is broken", metadata: ["host": .string(info.peerIP), "msg": .string(reason)])
            core.reject(.brokenChunk, reason, peer: info.peer)
        case let .request(request):
            switch accept(context, request, chunkSize: chunkSize, frameLength: frameLength) {
            case .done: break
            case let .ack(chunk, requestInfo):
                if case .closed = phase { return }
                (ackWrite, ackPending) = writeAck(context, chunk: chunk, info: requestInfo)
            case .blocked: return
            }
        }
        closeIfKeepaliveDenied(context, ackWrite: ackWrite, ackPending: ackPending)
    }

    /// With deny_keepalive, close after the first event message, once its ack is written (docs/forward-protocol.md, "Keepalive and the socket cache"; if.rb:229-234).
    private func closeIfKeepaliveDenied(_ context: ChannelHandlerContext, ackWrite: EventLoopFuture<Void>?, ackPending: Bool) {
        if case .closed = phase { return }
        guard core.settings.denyKeepalive else { return }
        phase = .closed
        if let ackWrite {
            ackWrite.assumeIsolated().whenComplete { [self] _ in close(context, mode: .configured, reason: nil) }
        } else if !ackPending {
            close(context, mode: .configured, reason: nil)
        }
    }

    /// What became of one request.
    private enum Acceptance {
        /// Handled; nothing to ack.
        case done
        /// Accepted: ack this chunk.
        case ack(ByteBuffer, ReceivedRequestInfo?)
        /// The sink is full (overflow_action block): reading stopped, the request is offered again later.
        case blocked
    }

    /// Validates a request and hands it to the sink; says what to ack.
    private func accept(_ context: ChannelHandlerContext, _ request: ForwardRequest, chunkSize: Int,
                        frameLength: Int) -> Acceptance {
        requestSequence += 1
        let tag = core.ingest.rewrittenTag(request.tag)
        let settings = core.settings
        if let limit = settings.chunkSizeLimit, chunkSize > limit {
            logger.warning("Input chunk size is larger than 'chunk_size_limit', dropped:", metadata: [
                "tag": .string(String(buffer: tag)), "host": .string(info.peerIP),
                "limit": .stringConvertible(limit), "size": .stringConvertible(chunkSize)])
            core.reject(.chunkSizeLimit, "size \(chunkSize) > limit \(limit)", peer: info.peer)
            return .done
        } else if let warn = settings.chunkSizeWarnLimit, chunkSize > warn {
            logger.warning("Input chunk size is larger than 'chunk_size_warn_limit':", metadata: [
                "tag": .string(String(buffer: tag)), "host": .string(info.peerIP),
                "limit": .stringConvertible(warn), "size": .stringConvertible(chunkSize)])
        }
        // A trailing value in_forward cannot index (ForwardOption.lookupRaises) raises when it is read: for
        // PackedForward before anything is emitted, for Message and Forward mode after the events were emitted
        // (lib/fluent/plugin/in_forward.rb, `on_message`/`response`; docs/fidelity-receiver.md).
        let optionRaises = request.option?.lookupRaises ?? false
        if optionRaises, request.mode == .packedForward || request.mode == .compressedPackedForward {
            fail(context, .badShape, "PackedForward option is not a map (Fluentd raises looking up 'size')")
            return .done
        }
        batch.reset()
        batch.tag = tag
        batch.peer = peerID
        batch.mode = request.mode
        batch.chunk = request.option?.chunk
        batch.arrivalMonotonicNanos = MonotonicClock.nowNanos()
        batch.arrivalWallNanos = MonotonicClock.wallNanos()
        switch core.ingest.ingest(request, tag: tag, peer: info.peer, peerIP: info.peerIP, into: &batch) {
        case let .dropped(reason, detail):
            logger.debug("request dropped without ack", metadata: ["reason": .string(detail)])
            core.reject(reason, detail, peer: info.peer)
            batch.reset()
            return .done
        case let .close(reason, detail):
            batch.reset()
            fail(context, reason, detail)
            return .done
        case let .accepted(invalid):
            if invalid > 0 { core.reject(.invalidEvent, "\(invalid) invalid event(s) dropped", peer: info.peer) }
        }
        var requestInfo: ReceivedRequestInfo?
        if let hooks {
            let ri = ReceivedRequestInfo(connection: info, sequence: requestSequence, tag: String(buffer: tag),
                                         mode: request.mode, eventCount: batch.slots.count,
                                         chunkID: request.option?.chunkString, wantsAck: request.wantsAck,
                                         frameLength: frameLength)
            requestInfo = ri
            switch hooks.beforeAccepting(ri) {
            case .accept: break
            case .drop:
                core.reject(.fault, "request dropped by fault hook", peer: info.peer)
                batch.reset()
                return .done
            case .closeWithoutAck:
                batch.reset()
                fail(context, .fault, "fault: closing before accepting (back-pressure)")
                return .done
            case .acknowledgeOnly:
                core.reject(.fault, "request acked but not accepted by fault hook", peer: info.peer)
                batch.reset()
                guard request.wantsAck, let chunk = request.option?.chunk else { return .done }
                return .ack(chunk, requestInfo)
            }
        }
        return offerToSink(context, ack: request.wantsAck ? request.option?.chunk : nil, info: requestInfo,
                           closeAfter: optionRaises)
    }

    /// Hands the filled batch to the sink. Accepted: counted, and the chunk to ack (if any) returned. Refused:
    /// the connection closes without an ack. Full: the batch is kept, reading stops and it is offered again later.
    /// `closeAfter`: the events are taken, then the connection closes without an ack (an option Fluentd raises on).
    private func offerToSink(_ context: ChannelHandlerContext, ack: ByteBuffer?, info requestInfo: ReceivedRequestInfo?,
                             closeAfter: Bool = false) -> Acceptance {
        switch core.sink.accept(batch) {
        case .accepted:
            blocked = nil
            countAccepted()
            if closeAfter {
                fail(context, .badShape, "option is not a map (Fluentd raises looking up 'chunk' after emitting)")
                return .done
            }
            guard let ack else { return .done }
            return .ack(ack, requestInfo)
        case let .refused(why):
            blocked = nil
            batch.reset()
            fail(context, .refused, why)
            return .done
        case let .retry(after):
            // Keep the filled batch; no further frame is decoded until the sink takes it.
            if blocked == nil {
                blocked = BlockedRequest(ack: ack, info: requestInfo, closeAfter: closeAfter)
                stalled = true
                context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
                logger.debug("sink is full; reading paused", metadata: ["retry_in": .string("\(after)")])
            }
            retryBlocked(context, in: after)
            return .blocked
        }
    }

    private func countAccepted() {
        core.stats.requests.wrappingIncrement(ordering: .relaxed)
        core.stats.events.wrappingIncrement(by: batch.slots.count, ordering: .relaxed)
        batch.reset()
    }

    /// A request the sink could not take yet: what to ack once it does.
    private struct BlockedRequest {
        var ack: ByteBuffer?
        var info: ReceivedRequestInfo?
        var closeAfter: Bool
    }

    /// Offers the blocked request again; once taken, acks it and resumes decoding where it stopped.
    private func retryBlocked(_ context: ChannelHandlerContext, in delay: TimeAmount) {
        context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            guard phase.isOpen, let pending = blocked else { return }
            let outcome = offerToSink(context, ack: pending.ack, info: pending.info, closeAfter: pending.closeAfter)
            if case .blocked = outcome { return }
            guard phase.isOpen else { return }
            var ackWrite: EventLoopFuture<Void>?
            var ackPending = false
            if case let .ack(chunk, info) = outcome {
                (ackWrite, ackPending) = writeAck(context, chunk: chunk, info: info)
            }
            closeIfKeepaliveDenied(context, ackWrite: ackWrite, ackPending: ackPending)
            guard phase.isOpen else { return }
            stalled = false
            let held = stalledData
            stalledData.removeAll()
            drainFrames(context)
            // Reads that arrived meanwhile go behind what is left; a new block keeps them in `cumulation`.
            for b in held where phase.isOpen { consume(context, b) }
            if needsFlush { needsFlush = false; context.flush() }
            if phase.isOpen && !stalled {
                context.channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
            }
        }
    }

    /// Writes `{"ack": chunk}` (echoing the chunk's bytes), subject to the ack hook. Returns the
    /// write's future and whether a write is still scheduled (delayed ack).
    private func writeAck(_ context: ChannelHandlerContext, chunk: ByteBuffer, info requestInfo: ReceivedRequestInfo?) -> (EventLoopFuture<Void>?, Bool) {
        var ack = context.channel.allocator.buffer(capacity: chunk.readableBytes + 8)
        if format == .json {
            let value = (try? MessagePackValue.decode(chunk)) ?? .nil
            ack = JSONWireCodec.json(.map([MessagePackPair(.str("ack"), value)]))
        } else {
            ForwardAck.write(echoing: chunk, into: &ack)
        }
        if let hooks, let requestInfo {
            switch hooks.beforeAck(requestInfo) {
            case .send: break
            case .drop: return (nil, false)
            case let .delay(duration):
                let deny = core.settings.denyKeepalive
                context.eventLoop.assumeIsolated().scheduleTask(in: duration) { [self] in
                    guard context.channel.isActive else { return }
                    core.stats.acks.wrappingIncrement(ordering: .relaxed)
                    let f = context.writeAndFlush(wrapOutboundOut(ack))
                    if deny { f.assumeIsolated().whenComplete { [self] _ in close(context, mode: .configured, reason: nil) } }
                }
                return (nil, true)
            case let .replace(bytes): ack = bytes
            case .duplicate:
                core.stats.acks.wrappingIncrement(ordering: .relaxed)
                context.write(wrapOutboundOut(ack), promise: nil)
            case .close: close(context, mode: .graceful, reason: "fault: close instead of ack"); return (nil, false)
            case .reset: close(context, mode: .reset, reason: "fault: reset instead of ack"); return (nil, false)
            }
        }
        core.stats.acks.wrappingIncrement(ordering: .relaxed)
        if core.settings.denyKeepalive {
            return (context.writeAndFlush(wrapOutboundOut(ack)), false)
        }
        context.write(wrapOutboundOut(ack), promise: nil)
        needsFlush = true
        return (nil, false)
    }

    // MARK: Closing

    /// Bad input: log the peer and the reason, count it, close (an RST with the default linger 0).
    private func fail(_ context: ChannelHandlerContext, _ reason: IngestRejection.Reason, _ detail: String) {
        if case .closed = phase { return }
        logger.warning("closing connection: \(detail)", metadata: ["host": .string(info.peerIP), "reason": .string(reason.rawValue)])
        core.reject(reason, detail, peer: info.peer)
        close(context, mode: .configured, reason: nil)
    }

    private func close(_ context: ChannelHandlerContext, mode: CloseMode, reason: String?) {
        phase = .closed
        if let reason { logger.info("closing connection", metadata: ["reason": .string(reason)]) }
        if needsFlush { needsFlush = false; context.flush() }
        let channel = context.channel
        let lingerChange: NIOLinger?
        switch mode {
        case .configured: lingerChange = nil
        case .graceful: lingerChange = NIOLinger(l_onoff: 0, l_linger: 0)
        case .reset: lingerChange = NIOLinger(l_onoff: 1, l_linger: 0)
        }
        if let lingerChange, let provider = channel as? SocketOptionProvider {
            provider.setSoLinger(lingerChange).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        } else {
            context.close(promise: nil)
        }
    }
}
