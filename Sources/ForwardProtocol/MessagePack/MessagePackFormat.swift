/// Format-byte constants and the header layout table of the MessagePack specification.
@usableFromInline
enum MessagePackFormat {
    @usableFromInline static let nilByte: UInt8 = 0xc0
    @usableFromInline static let falseByte: UInt8 = 0xc2
    @usableFromInline static let trueByte: UInt8 = 0xc3
    @usableFromInline static let bin8: UInt8 = 0xc4
    @usableFromInline static let bin16: UInt8 = 0xc5
    @usableFromInline static let bin32: UInt8 = 0xc6
    @usableFromInline static let ext8: UInt8 = 0xc7
    @usableFromInline static let ext16: UInt8 = 0xc8
    @usableFromInline static let ext32: UInt8 = 0xc9
    @usableFromInline static let float32: UInt8 = 0xca
    @usableFromInline static let float64: UInt8 = 0xcb
    @usableFromInline static let uint8: UInt8 = 0xcc
    @usableFromInline static let uint16: UInt8 = 0xcd
    @usableFromInline static let uint32: UInt8 = 0xce
    @usableFromInline static let uint64: UInt8 = 0xcf
    @usableFromInline static let int8: UInt8 = 0xd0
    @usableFromInline static let int16: UInt8 = 0xd1
    @usableFromInline static let int32: UInt8 = 0xd2
    @usableFromInline static let int64: UInt8 = 0xd3
    @usableFromInline static let fixext1: UInt8 = 0xd4
    @usableFromInline static let fixext2: UInt8 = 0xd5
    @usableFromInline static let fixext4: UInt8 = 0xd6
    @usableFromInline static let fixext8: UInt8 = 0xd7
    @usableFromInline static let fixext16: UInt8 = 0xd8
    @usableFromInline static let str8: UInt8 = 0xd9
    @usableFromInline static let str16: UInt8 = 0xda
    @usableFromInline static let str32: UInt8 = 0xdb
    @usableFromInline static let array16: UInt8 = 0xdc
    @usableFromInline static let array32: UInt8 = 0xdd
    @usableFromInline static let map16: UInt8 = 0xde
    @usableFromInline static let map32: UInt8 = 0xdf
}

/// What a format byte announces: how many header bytes follow it and what comes after them.
@usableFromInline
enum MessagePackHeader: Equatable {
    /// A scalar whose whole encoding is `1 + size` bytes.
    case fixed(size: Int)
    /// A payload whose length is stored in the next `lengthBytes` bytes (0 when embedded in the format byte).
    case payload(embedded: Int, lengthBytes: Int, extra: Int)
    /// A container: `count` elements per entry (1 for arrays, 2 for maps).
    case container(embedded: Int, lengthBytes: Int, perEntry: Int)
    case invalid

    @inlinable
    static func of(_ b: UInt8) -> MessagePackHeader {
        switch b {
        case 0x00...0x7f, 0xe0...0xff, 0xc0, 0xc2, 0xc3: return .fixed(size: 0)
        case 0x80...0x8f: return .container(embedded: Int(b & 0x0f), lengthBytes: 0, perEntry: 2)
        case 0x90...0x9f: return .container(embedded: Int(b & 0x0f), lengthBytes: 0, perEntry: 1)
        case 0xa0...0xbf: return .payload(embedded: Int(b & 0x1f), lengthBytes: 0, extra: 0)
        case 0xc1: return .invalid
        case 0xc4, 0xd9: return .payload(embedded: 0, lengthBytes: 1, extra: 0)
        case 0xc5, 0xda: return .payload(embedded: 0, lengthBytes: 2, extra: 0)
        case 0xc6, 0xdb: return .payload(embedded: 0, lengthBytes: 4, extra: 0)
        case 0xc7: return .payload(embedded: 0, lengthBytes: 1, extra: 1)
        case 0xc8: return .payload(embedded: 0, lengthBytes: 2, extra: 1)
        case 0xc9: return .payload(embedded: 0, lengthBytes: 4, extra: 1)
        case 0xca: return .fixed(size: 4)
        case 0xcb: return .fixed(size: 8)
        case 0xcc, 0xd0: return .fixed(size: 1)
        case 0xcd, 0xd1: return .fixed(size: 2)
        case 0xce, 0xd2: return .fixed(size: 4)
        case 0xcf, 0xd3: return .fixed(size: 8)
        case 0xd4: return .fixed(size: 2)
        case 0xd5: return .fixed(size: 3)
        case 0xd6: return .fixed(size: 5)
        case 0xd7: return .fixed(size: 9)
        case 0xd8: return .fixed(size: 17)
        case 0xdc: return .container(embedded: 0, lengthBytes: 2, perEntry: 1)
        case 0xdd: return .container(embedded: 0, lengthBytes: 4, perEntry: 1)
        case 0xde: return .container(embedded: 0, lengthBytes: 2, perEntry: 2)
        case 0xdf: return .container(embedded: 0, lengthBytes: 4, perEntry: 2)
        default: return .invalid
        }
    }
}
