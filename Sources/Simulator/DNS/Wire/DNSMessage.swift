import NIOCore

/// A whole DNS message: header, question, answer, authority and additional sections.
public struct DNSMessage: Sendable, Hashable {
    public var header: DNSHeader
    public var questions: [DNSQuestion]
    public var answers: [DNSResourceRecord]
    public var authorities: [DNSResourceRecord]
    public var additionals: [DNSResourceRecord]

    public init(
        header: DNSHeader, questions: [DNSQuestion] = [], answers: [DNSResourceRecord] = [],
        authorities: [DNSResourceRecord] = [], additionals: [DNSResourceRecord] = []
    ) {
        self.header = header
        self.questions = questions
        self.answers = answers
        self.authorities = authorities
        self.additionals = additionals
    }

    /// The EDNS OPT record of the additional section, if any.
    public var ednsOPT: DNSResourceRecord? {
        additionals.first { $0.type == .opt }
    }

    // MARK: decoding

    /// Decodes a message; throws `DNSWireError` on anything malformed (never traps).
    public init(decoding bytes: [UInt8]) throws {
        var reader = DNSWireReader(bytes: bytes)
        let id = try reader.readUInt16("header id")
        let flags = try reader.readUInt16("header flags")
        let qd = try reader.readUInt16("QDCOUNT")
        let an = try reader.readUInt16("ANCOUNT")
        let ns = try reader.readUInt16("NSCOUNT")
        let ar = try reader.readUInt16("ARCOUNT")
        header = DNSHeader(id: id, flags: flags)
        questions = []
        // Counts come from the peer: grow arrays as records are read, never reserve by count.
        for _ in 0..<qd {
            let name = try reader.readName("question name")
            let type = try reader.readUInt16("question type")
            let cls = try reader.readUInt16("question class")
            questions.append(DNSQuestion(name: name, type: DNSRecordType(rawValue: type), recordClass: cls))
        }
        answers = try Self.readRecords(an, &reader, "answer")
        authorities = try Self.readRecords(ns, &reader, "authority")
        additionals = try Self.readRecords(ar, &reader, "additional")
    }

    /// Decodes the readable bytes of `buffer` without consuming them.
    public init(decoding buffer: ByteBuffer) throws {
        try self.init(decoding: Array(buffer.readableBytesView))
    }

    private static func readRecords(_ count: UInt16, _ reader: inout DNSWireReader, _ section: String) throws -> [DNSResourceRecord] {
        var records: [DNSResourceRecord] = []
        for _ in 0..<count {
            let name = try reader.readName("\(section) name")
            let type = DNSRecordType(rawValue: try reader.readUInt16("\(section) type"))
            let cls = try reader.readUInt16("\(section) class")
            let ttl = try reader.readUInt32("\(section) ttl")
            let length = Int(try reader.readUInt16("\(section) rdlength"))
            guard reader.remaining >= length else { throw DNSWireError.truncated(field: "\(section) rdata", offset: reader.offset) }
            let end = reader.offset + length
            let data: DNSRecordData
            switch type {
            case .a, .aaaa:
                let expected = type == .a ? 4 : 16
                guard length == expected else { throw DNSWireError.badRecordData(type: type.rawValue, length: length) }
                let raw = try reader.readBytes(length, "address")
                data = .address(type == .a ? .v4(raw) : .v6(raw))
            case .cname, .ns, .ptr:
                data = .name(try reader.readName("\(section) rdata name"))
            case .soa:
                let primary = try reader.readName("SOA mname")
                let mailbox = try reader.readName("SOA rname")
                data = .soa(
                    DNSSOA(
                        primary: primary, mailbox: mailbox, serial: try reader.readUInt32("SOA serial"),
                        refresh: try reader.readUInt32("SOA refresh"), retry: try reader.readUInt32("SOA retry"),
                        expire: try reader.readUInt32("SOA expire"), minimum: try reader.readUInt32("SOA minimum")))
            case .srv:
                let priority = try reader.readUInt16("SRV priority")
                let weight = try reader.readUInt16("SRV weight")
                let port = try reader.readUInt16("SRV port")
                data = .srv(DNSSRV(priority: priority, weight: weight, port: port, target: try reader.readName("SRV target")))
            default:
                data = .raw(try reader.readBytes(length, "\(section) rdata"))
            }
            guard reader.offset == end else { throw DNSWireError.badRecordData(type: type.rawValue, length: length) }
            records.append(DNSResourceRecord(name: name, type: type, recordClass: cls, ttl: ttl, data: data))
        }
        return records
    }

    // MARK: encoding

    /// Encodes with name compression. With `maxSize`, whole records are left out from the end of the
    /// answer section onwards and TC is set when the full message would not fit (UDP, RFC 1035 section 4.2.1).
    public func encode(maxSize: Int = 65535, compress: Bool = true) throws -> [UInt8] {
        let full = try encodeAll(compress: compress, header: header, answers: answers, authorities: authorities, additionals: additionals)
        if full.count <= maxSize { return full }
        var cut = header
        cut.truncated = true
        // Keep the OPT record so the client still sees EDNS; drop the records that do not fit.
        let opt = additionals.filter { $0.type == .opt }
        var kept = answers
        while true {
            let attempt = try encodeAll(compress: compress, header: cut, answers: kept, authorities: [], additionals: opt)
            if attempt.count <= maxSize || kept.isEmpty {
                if attempt.count <= maxSize { return attempt }
                // Not even the question fits: a bare TC header with zero counts.
                return try DNSMessage(header: cut).encodeAll(compress: compress, header: cut, answers: [], authorities: [], additionals: [])
            }
            kept.removeLast()
        }
    }

    /// Encodes into a new ByteBuffer.
    public func encode(into allocator: ByteBufferAllocator, maxSize: Int = 65535) throws -> ByteBuffer {
        let bytes = try encode(maxSize: maxSize)
        var buffer = allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return buffer
    }

    private func encodeAll(
        compress: Bool, header: DNSHeader, answers: [DNSResourceRecord], authorities: [DNSResourceRecord],
        additionals: [DNSResourceRecord]
    ) throws -> [UInt8] {
        guard questions.count <= 0xFFFF, answers.count <= 0xFFFF, authorities.count <= 0xFFFF, additionals.count <= 0xFFFF else {
            throw DNSWireError.messageTooLong
        }
        var writer = DNSWireWriter()
        writer.compress = compress
        writer.writeUInt16(header.id)
        writer.writeUInt16(header.flags)
        writer.writeUInt16(UInt16(questions.count))
        writer.writeUInt16(UInt16(answers.count))
        writer.writeUInt16(UInt16(authorities.count))
        writer.writeUInt16(UInt16(additionals.count))
        for q in questions {
            writer.writeName(q.name)
            writer.writeUInt16(q.type.rawValue)
            writer.writeUInt16(q.recordClass)
        }
        for record in answers + authorities + additionals {
            try Self.write(record, &writer)
        }
        guard writer.count <= 65535 else { throw DNSWireError.messageTooLong }
        return writer.bytes
    }

    private static func write(_ record: DNSResourceRecord, _ writer: inout DNSWireWriter) throws {
        writer.writeName(record.name)
        writer.writeUInt16(record.type.rawValue)
        writer.writeUInt16(record.recordClass)
        writer.writeUInt32(record.ttl)
        let lengthAt = writer.count
        writer.writeUInt16(0)
        switch record.data {
        case .address(let address):
            writer.writeBytes(address.bytes)
        case .name(let name):
            writer.writeName(name)
        case .soa(let soa):
            writer.writeName(soa.primary)
            writer.writeName(soa.mailbox)
            for value in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] { writer.writeUInt32(value) }
        case .srv(let srv):
            for value in [srv.priority, srv.weight, srv.port] { writer.writeUInt16(value) }
            writer.writeName(srv.target)
        case .raw(let bytes):
            writer.writeBytes(bytes)
        }
        let length = writer.count - lengthAt - 2
        guard length <= 0xFFFF else { throw DNSWireError.messageTooLong }
        writer.patchUInt16(UInt16(length), at: lengthAt)
    }
}
