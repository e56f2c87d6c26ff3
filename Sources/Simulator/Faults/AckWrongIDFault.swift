import Foundation
import ForwardServer
import ForwardProtocol
import NIOCore

/// `ack_wrong_id`: answers with an ack for another chunk id (out_forward: "ack in response and chunk id
/// in sent data are different", the chunk is rolled back and resent, the node stays enabled).
///
/// Parameters: `chunk_id` — the id to send (default: a random well-formed 25-character Base64 line
/// from the fault's seeded stream); a `MessageSelector`.
public struct AckWrongIDFault: Fault {
    public static let kind = "ack_wrong_id"
    public static let summary = "ack with a different chunk id"

    public var chunkID: String?
    public var selector: MessageSelector

    public init(chunkID: String? = nil, selector: MessageSelector = MessageSelector()) {
        self.chunkID = chunkID
        self.selector = selector
    }

    public init(parameters: FaultParameters) throws {
        var r = FaultParameterReader(kind: Self.kind, parameters)
        chunkID = try r.optionalString("chunk_id")
        selector = try MessageSelector(reading: &r)
        try r.rejectUnknown()
    }

    public var parameters: FaultParameters {
        var p = FaultParameters(selector.parameters)
        if let chunkID { p["chunk_id"] = .string(chunkID) }
        return p
    }

    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")

    /// 16 random bytes as out_forward would encode them: 22 Base64 characters, `==`, newline.
    static func randomChunkID(_ random: inout FaultRandom) -> String {
        var s = ""
        for i in 0 ..< 22 {
            // The last character of a 16-byte encoding carries 2 bits; keep it canonical.
            let index = i == 21 ? Int(random.next() % 4) * 16 : Int(random.next() % 64)
            s.append(alphabet[index])
        }
        return s + "==\n"
    }

    public mutating func beforeAck(_ request: ReceivedRequestInfo, _ context: inout FaultContext) -> ReceiverAckDecision? {
        guard selector.select(request, gate: { context.fires() }) else { return nil }
        var id = chunkID ?? Self.randomChunkID(&context.random)
        if id == request.chunkID { id = Self.randomChunkID(&context.random) }
        var b = ByteBuffer()
        ForwardAck.write(chunk: id, into: &b)
        context.note = "acked \(id.trimmingCharacters(in: .newlines))"
        return .replace(b)
    }
}
