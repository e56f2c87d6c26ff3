import NIOCore

/// Reads single fields out of an encoded record map without decoding the rest of it.
public enum RecordFields {
    /// The value of `key` (compared as raw bytes) in the encoded map `record`, or nil.
    public static func value(forKey key: [UInt8], in record: ByteBuffer) -> MessagePackValue? {
        var r = MessagePackReader(record)
        guard let count = try? r.readMapHeader() else { return nil }
        for _ in 0 ..< count {
            guard let k = r.peekKind() else { return nil }
            if k == .string || k == .binary {
                guard let bytes = try? r.readRawBytes() else { return nil }
                if bytes.readableBytesView.elementsEqual(key) { return try? MessagePackValue.decode(from: &r) }
            } else if (try? r.skipValue()) == nil {
                return nil
            }
            if (try? r.skipValue()) == nil { return nil }
        }
        return nil
    }

    /// An integer field, the usual shape of a sequence number.
    @inlinable
    public static func integer(forKey key: [UInt8], in record: ByteBuffer) -> Int64? {
        var r = MessagePackReader(record)
        guard let count = try? r.readMapHeader() else { return nil }
        for _ in 0 ..< count {
            guard let bytes = try? r.readRawBytes() else {
                guard (try? r.skipValue()) != nil, (try? r.skipValue()) != nil else { return nil }
                continue
            }
            if bytes.readableBytesView.elementsEqual(key) { return try? r.readInt() }
            if (try? r.skipValue()) == nil { return nil }
        }
        return nil
    }
}
