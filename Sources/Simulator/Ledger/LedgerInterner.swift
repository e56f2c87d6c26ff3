import NIOCore

/// Maps byte strings (tags, chunk ids) to dense integer ids, so events store 4 bytes instead of a String.
///
/// Lookups hash the incoming slice without copying; only a first sighting copies the bytes.
struct LedgerInterner {
    private var ids: [ByteBuffer: UInt32] = [:]
    private(set) var values: [String] = []

    /// The id of `bytes`, adding it (with `text` as its display form) when new; `isNew` tells which.
    mutating func intern(_ bytes: ByteBuffer, text: (ByteBuffer) -> String) -> (id: UInt32, isNew: Bool) {
        if let id = ids[bytes] { return (id, false) }
        let id = UInt32(values.count)
        // A fresh copy: the slice would otherwise pin the whole received frame in memory.
        ids[ByteBuffer(bytes: bytes.readableBytesView)] = id
        values.append(text(bytes))
        return (id, true)
    }

    /// The id of an already-interned display string (linear: for queries, not the hot path).
    func id(ofText text: String) -> UInt32? {
        values.firstIndex(of: text).map { UInt32($0) }
    }

    var count: Int { values.count }
}
