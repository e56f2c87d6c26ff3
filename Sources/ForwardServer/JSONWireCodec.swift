import Foundation
import ForwardProtocol
import NIOCore

/// Converts between JSON (via Foundation's JSONSerialization) and MessagePack for in_forward's JSON
/// connections: requests are turned into MessagePack and take the normal path; responses (acks,
/// PONGs) are written back as JSON, as Fluentd answers with the request's serializer (docs/forward-protocol.md, "Ack response").
enum JSONWireCodec {
    struct DecodeError: Error, CustomStringConvertible {
        var description: String
    }

    /// Parses one JSON document and re-encodes it as MessagePack.
    static func messagePack(fromJSON document: ByteBuffer) throws -> ByteBuffer {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(document.readableBytesView), options: [.fragmentsAllowed])
        } catch {
            throw DecodeError(description: "invalid JSON: \(error.localizedDescription)")
        }
        var out = ByteBuffer()
        try value(from: object, depth: 0).encode(into: &out)
        return out
    }

    private static func value(from object: Any, depth: Int) throws -> MessagePackValue {
        guard depth < 64 else { throw DecodeError(description: "JSON nested too deeply") }
        switch object {
        case is NSNull: return .nil
        case let s as String: return .str(s)
        case let n as NSNumber:
            // Booleans come back as NSNumber with objCType "c"; JSON integers as "i"/"q".
            let type = String(cString: n.objCType)
            if type == "c" { return .bool(n.boolValue) }
            if type == "d" || type == "f" {
                let d = n.doubleValue
                // An integral float still means "integer seconds" for a time: Ruby's to_i would agree.
                if d == d.rounded(), abs(d) < 9e15 { return .int(Int64(d)) }
                return .double(d)
            }
            if type == "Q" && n.uint64Value > UInt64(Int64.max) { return .uint(n.uint64Value) }
            return .int(n.int64Value)
        case let a as [Any]: return .array(try a.map { try value(from: $0, depth: depth + 1) })
        case let m as [String: Any]:
            return .map(try m.map { MessagePackPair(.str($0.key), try value(from: $0.value, depth: depth + 1)) })
        default:
            throw DecodeError(description: "unsupported JSON value")
        }
    }

    /// Encodes a MessagePack value as JSON bytes (str/bin as text; EventTime as integer seconds; docs/forward-protocol.md, "EventTime").
    static func json(_ value: MessagePackValue) -> ByteBuffer {
        let object = foundationObject(value)
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.fragmentsAllowed])) ?? Data("null".utf8)
        return ByteBuffer(bytes: data)
    }

    private static func foundationObject(_ value: MessagePackValue) -> Any {
        switch value {
        case .nil: return NSNull()
        case let .bool(b): return b
        case let .int(i): return NSNumber(value: i)
        case let .uint(u): return NSNumber(value: u)
        case let .float(f): return NSNumber(value: f)
        case let .double(d): return NSNumber(value: d)
        case let .string(b), let .binary(b): return String(decoding: b, as: UTF8.self)
        case let .array(a): return a.map(foundationObject)
        case let .map(pairs):
            var d: [String: Any] = [:]
            for p in pairs {
                let k = p.key.stringValue ?? "\(p.key)"
                d[k] = foundationObject(p.value)
            }
            return d
        case let .ext(type, data):
            if type == 0, data.count >= 8 {
                return NSNumber(value: UInt32(data[0]) << 24 | UInt32(data[1]) << 16 | UInt32(data[2]) << 8 | UInt32(data[3]))
            }
            return NSNull()
        }
    }
}
