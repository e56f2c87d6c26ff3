import NIOCore

/// The ack response `{"ack": <chunk value>}` (docs/forward-protocol.md, "Ack response").
public enum ForwardAck {
    /// Writes the ack for an option's `chunk`, echoing its encoded bytes unchanged.
    public static func write(echoing encodedChunk: ByteBuffer, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(0x81))
        buffer.writeMessagePackString("ack")
        var chunk = encodedChunk
        buffer.writeBuffer(&chunk)
    }

    /// Writes the ack for a chunk id string (as a str).
    public static func write(chunk: String, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(0x81))
        buffer.writeMessagePackString("ack")
        buffer.writeMessagePackString(chunk)
    }

    /// The `ack` value of a decoded response: its raw str/bin bytes, or nil when the response is
    /// not a map or has no such key (out_forward's CHUNKID_UNMATCHED case; docs/forward-protocol.md, "Ack outcomes").
    public static func ackedChunk(in response: MessagePackValue) -> [UInt8]? {
        response["ack"]?.bytesValue
    }
}
