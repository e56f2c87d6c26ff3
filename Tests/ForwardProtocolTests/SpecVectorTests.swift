import ForwardProtocol
import NIOCore
import Testing

/// The byte examples of docs/forward-protocol.md ("EventTime", "Ack response", "Worked example") and the digest vector of
/// "Handshake messages".
@Suite struct SpecVectorTests {
    /// The chunk option for id bytes 00..0f (the agent's ChunkID produces it; see AgentTests).
    let chunkAck = "AAECAwQFBgcICQoLDA0ODw==\n"
    let t = EventTime(seconds: 1_293_974_055)

    func entries() -> ByteBuffer {
        var e = ByteBuffer()
        ForwardEntry.write(time: t, encodedRecord: MessagePackValue.map([.init("a", 1)]).encoded, into: &e)
        ForwardEntry.write(time: t, encodedRecord: MessagePackValue.map([.init("a", 2)]).encoded, into: &e)
        return e
    }

    @Test func packedForwardWithAckMatchesWorkedExample() {
        let expected = """
        93 a4 74 65 73 74 db 00 00 00 1e
        92 d7 00 4d 20 7a 27 00 00 00 00 81 a1 61 01
        92 d7 00 4d 20 7a 27 00 00 00 00 81 a1 61 02
        83 a4 73 69 7a 65 02 aa 63 6f 6d 70 72 65 73 73 65 64 a4 74 65 78 74
        a5 63 68 75 6e 6b b9 41 41 45 43 41 77 51 46 42 67 63 49 43 51 6f 4c 44 41 30 4f 44 77 3d 3d 0a
        """
        let out = ForwardEncoder.packedForward(tag: "test", entries: entries(), size: 2, chunk: chunkAck)
        #expect(out.hexString == ByteBuffer(hex: expected).hexString)
        #expect(out.readableBytes == 96)
    }

    @Test func packedForwardWithoutAckOption() {
        let out = ForwardEncoder.packedForward(tag: "test", entries: entries(), size: 2)
        #expect(out.hexString.hasSuffix("82a473697a6502aa636f6d70726573736564a474657874"))
    }

    @Test func otherModesMatchWorkedExamples() {
        let record = MessagePackValue.map([.init("a", 1)])
        #expect(ForwardEncoder.message(tag: "test", time: t, record: record).hexString
            == "93a474657374d7004d207a270000000081a16101")
        #expect(ForwardEncoder.forward(tag: "test", entries: [(t, record)]).hexString
            == "92a47465737491" + "92d7004d207a270000000081a16101")
        var e = ByteBuffer()
        ForwardEntry.write(integerTime: 1_293_974_055, encodedRecord: record.encoded, into: &e)
        #expect(e.hexString == "92ce4d207a2781a16101")
    }

    @Test func eventTimeExample() throws {
        var b = ByteBuffer()
        EventTime(seconds: 0x4d20_7a27, nanoseconds: 123_456_789).encode(into: &b)
        #expect(b.hexString == "d7004d207a27075bcd15")
        var r = MessagePackReader(b)
        #expect(try r.readEntryTime() == .eventTime(EventTime(seconds: 1_293_974_055, nanoseconds: 123_456_789)))
    }

    @Test func eventTimeAsExt8IsAccepted() throws {
        var r = MessagePackReader(ByteBuffer(hex: "c708004d207a27075bcd15"))
        #expect(try r.readEntryTime() == .eventTime(EventTime(seconds: 1_293_974_055, nanoseconds: 123_456_789)))
    }

    @Test func eventTimeWithWrongPayloadLengthIsRejected() {
        var r = MessagePackReader(ByteBuffer(hex: "d600 01020304"))
        #expect(throws: MessagePackError.self) { try r.readEntryTime() }
    }

    @Test func ackBytesExample() {
        var b = ByteBuffer()
        ForwardAck.write(chunk: chunkAck, into: &b)
        #expect(b.hexString == "81a361636bb9" + "41414543417751464267634943516f4c4441304f44773d3d0a")
        // Echoing the encoded option value gives the same bytes.
        var echoed = ByteBuffer()
        var s = ByteBuffer()
        s.writeMessagePackString(chunkAck)
        ForwardAck.write(echoing: s, into: &echoed)
        #expect(echoed == b)
    }

    @Test func publishedHandshakeDigestVector() {
        let digest = HandshakeDigest.sharedKey(
            salt: bytes("ce1897b0d3dbd76b90d7fb96010dcac3"), hostname: "client_hostname", nonce: [], sharedKey: "shared_key")
        #expect(digest == "40a3c5943cc6256e0c5dcf176e97db3826b0909698c330dc8e53d15af63efb47e030d113130255dd6e7ced5176d2999cc2e02a44852d45152503af317b73b33f")
    }

    @Test func heloEncodesNonceAndAuthAsBin8() throws {
        let helo = Helo(nonce: Array(repeating: 1, count: 16), auth: Array(repeating: 2, count: 16), keepalive: true)
        var b = ByteBuffer()
        helo.encode(into: &b)
        #expect(b.hexString.hasPrefix("92a448454c4f83a56e6f6e6365c410"))
        #expect(b.hexString.hasSuffix("a96b656570616c697665c3"))
        #expect(try Helo(MessagePackValue.decode(b)) == helo)
    }

    @Test func pingPongRoundTripAndVerification() throws {
        let helo = Helo(nonce: Array(repeating: 9, count: 16), auth: Array(repeating: 3, count: 16), keepalive: true)
        let ping = Ping(helo: helo, clientHostname: "client", sharedKeySalt: String(repeating: "a", count: 32),
                        sharedKey: "secret", username: "alice", password: "pw")
        var b = ByteBuffer()
        ping.encode(into: &b)
        let decoded = try Ping(MessagePackValue.decode(b))
        #expect(decoded == ping)
        #expect(decoded.passwordHexdigest == HandshakeDigest.password(authSalt: helo.auth, username: "alice", password: "pw"))
        let pong = Pong.success(ping: decoded, serverHostname: "server", nonce: helo.nonce, sharedKey: "secret")
        try pong.verify(clientSelfHostname: "client", clientSalt: ping.sharedKeySalt, nonce: helo.nonce, sharedKey: "secret")
        #expect(throws: ForwardProtocolError.handshake("shared key mismatch")) {
            try pong.verify(clientSelfHostname: "client", clientSalt: ping.sharedKeySalt, nonce: helo.nonce, sharedKey: "other")
        }
        #expect(throws: ForwardProtocolError.handshake("same hostname between input and output: invalid configuration")) {
            try pong.verify(clientSelfHostname: "server", clientSalt: ping.sharedKeySalt, nonce: helo.nonce, sharedKey: "secret")
        }
        #expect(throws: ForwardProtocolError.handshake("authentication failed: shared_key mismatch")) {
            try Pong.failure("shared_key mismatch").verify(clientSelfHostname: "c", clientSalt: "", nonce: [], sharedKey: "")
        }
    }

    @Test func pingWithoutAuthSaltSendsEmptyUserFields() {
        let ping = Ping(helo: Helo(nonce: [1], auth: [], keepalive: true), clientHostname: "c", sharedKeySalt: "s",
                        sharedKey: "k", username: "u", password: "p")
        #expect(ping.username == "" && ping.passwordHexdigest == "")
    }
}
