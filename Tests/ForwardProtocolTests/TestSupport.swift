import Foundation
import NIOCore

/// Paths and byte helpers shared by the wire tests.
enum Fixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fixtures")

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}

extension ByteBuffer {
    init(hex: String) {
        var b = ByteBuffer()
        let chars = Array(hex.filter { !$0.isWhitespace })
        var i = 0
        while i + 1 < chars.count {
            b.writeInteger(UInt8(String(chars[i ... i + 1]), radix: 16)!)
            i += 2
        }
        self = b
    }

    var hexString: String { readableBytesView.map { String(format: "%02x", $0) }.joined() }
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
