import FluentdConfig
import ForwardProtocol
import Foundation

/// `<filter> @type record_transformer` without `enable_ruby` (filter_record_transformer.rb's PlaceholderExpander): sets
/// the `<record>` fields with `${tag}`, `${tag_parts[N]}`, `${tag_prefix[N]}`, `${tag_suffix[N]}`, `${hostname}`,
/// `${time}` and `${record["key"]}` expanded, then `remove_keys`; `renew_record`, `keep_keys`, `renew_time_key` and
/// `auto_typecast` as Fluentd has them. A pure value (docs/pipeline.md, "record_transformer").
public struct RecordTransformer: Sendable, Equatable {
    /// A `<record>` value: text to expand, or a JSON value (`{…}`/`[…]`) whose strings are expanded.
    public indirect enum Template: Sendable, Equatable {
        case text(String)
        case literal(MessagePackValue)
        case array([Template])
        case map([(key: String, value: Template)])

        public static func == (a: Template, b: Template) -> Bool {
            switch (a, b) {
            case let (.text(x), .text(y)): return x == y
            case let (.literal(x), .literal(y)): return x == y
            case let (.array(x), .array(y)): return x == y
            case let (.map(x), .map(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
            default: return false
            }
        }
    }

    /// The `<record>` fields in written order.
    public var fields: [(key: String, value: Template)] = []
    public var removeKeys: [RecordAccessor]? = nil
    public var keepKeys: [String]? = nil
    public var renewRecord = false
    public var renewTimeKey: String? = nil
    public var autoTypecast = true
    /// `${hostname}` (Socket.gethostname at configure time).
    public var hostname: String

    public init(hostname: String) { self.hostname = hostname }

    public static func == (a: RecordTransformer, b: RecordTransformer) -> Bool {
        a.fields.count == b.fields.count && zip(a.fields, b.fields).allSatisfy { $0.key == $1.key && $0.value == $1.value }
            && a.removeKeys == b.removeKeys && a.keepKeys == b.keepKeys && a.renewRecord == b.renewRecord
            && a.renewTimeKey == b.renewTimeKey && a.autoTypecast == b.autoTypecast && a.hostname == b.hostname
    }

    /// What transforming one event gives: the new record and time, or an error event (Fluentd's emit_error_event).
    public struct Outcome: Sendable, Equatable {
        public var time: EventTime
        public var record: [MessagePackPair]
        /// Placeholders that were not known (Fluentd logs "unknown placeholder `…` found" for each use).
        public var unknownPlaceholders: [String] = []
        /// Set when the event cannot be transformed; the record then goes to the error path unchanged.
        public var error: String? = nil
    }

    /// Per-tag values, computed once per batch as filter_stream does.
    public struct TagValues: Sendable {
        let tag: String
        let parts: [String]
        let prefix: [String]
        let suffix: [String]

        public init(_ tag: String) {
            self.tag = tag
            // Ruby's String#split drops trailing empty fields.
            var p = tag.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            while p.last == "" { p.removeLast() }
            parts = p
            var pre: [String] = []
            for (i, x) in p.enumerated() { pre.append(i == 0 ? x : pre[i - 1] + "." + x) }
            prefix = pre
            var suf: [String] = []
            for (i, x) in p.reversed().enumerated() { suf.append(i == 0 ? x : x + "." + suf[i - 1]) }
            suffix = suf.reversed()
        }
    }

    /// Transforms one event.
    public func transform(time: EventTime, record: [MessagePackPair], tag: TagValues) -> Outcome {
        var unknown: [String] = []
        let timeText = RubyValueText.Lazy { EventTimeText.rubyTimeToS(time) }
        func lookup(_ placeholder: String) -> MessagePackValue? {
            if let v = value(of: placeholder, record: record, tag: tag, time: timeText) { return v }
            unknown.append(placeholder)
            return nil
        }
        var out: [MessagePackPair] = []
        if renewRecord {
            for k in keepKeys ?? [] {
                if let v = record.first(where: { $0.key.stringValue == k }) { out.append(v) }
            }
        } else {
            out = record
        }
        for field in fields {
            let key = Self.expand(field.key, forceString: true, autoTypecast: autoTypecast, lookup: lookup).stringValue ?? ""
            let v = expand(field.value, lookup: lookup)
            if let i = out.firstIndex(where: { $0.key.stringValue == key }) {
                out[i].value = v
            } else {
                out.append(MessagePackPair(.str(key), v))
            }
        }
        var newTime = time
        if let k = renewTimeKey, let v = out.first(where: { $0.key.stringValue == k })?.value {
            guard let seconds = Self.rubyToF(v) else {
                return Outcome(time: time, record: record, unknownPlaceholders: unknown,
                               error: "undefined method `to_f' for \(RubyValueText.inspect(v))")
            }
            newTime = EventTime(seconds)
        }
        for d in removeKeys ?? [] { d.delete(from: &out) }
        return Outcome(time: newTime, record: out, unknownPlaceholders: unknown)
    }

    private func expand(_ t: Template, lookup: (String) -> MessagePackValue?) -> MessagePackValue {
        switch t {
        case .text(let s): return Self.expand(s, forceString: false, autoTypecast: autoTypecast, lookup: lookup)
        case .literal(let v): return v
        case .array(let a): return .array(a.map { expand($0, lookup: lookup) })
        case .map(let m):
            return .map(m.map {
                MessagePackPair(Self.expand($0.key, forceString: true, autoTypecast: autoTypecast, lookup: lookup), expand($0.value, lookup: lookup))
            })
        }
    }

    /// PlaceholderExpander#expand: a value that is exactly one placeholder keeps the placeholder's type (with
    /// auto_typecast); otherwise every `${…}` and `__UPPER__` is replaced by its `to_s` (unknown ones by "").
    static func expand(_ s: String, forceString: Bool, autoTypecast: Bool, lookup: (String) -> MessagePackValue?) -> MessagePackValue {
        let spans = placeholderSpans(s)
        if autoTypecast, !forceString, spans.count == 1, spans[0] == s.startIndex..<s.endIndex {
            return lookup(String(s)) ?? .nil
        }
        guard !spans.isEmpty else { return .str(s) }
        var out = ""
        var cursor = s.startIndex
        for span in spans {
            out += s[cursor..<span.lowerBound]
            out += RubyValueText.toS(lookup(String(s[span])) ?? .nil)
            cursor = span.upperBound
        }
        out += s[cursor...]
        return .str(out)
    }

    /// The ranges of `/(\${[^}]+}|__[A-Z_]+__)/` matches, left to right, non-overlapping.
    static func placeholderSpans(_ s: String) -> [Range<String.Index>] {
        var spans: [Range<String.Index>] = []
        var i = s.startIndex
        while i < s.endIndex {
            if s[i...].hasPrefix("${") {
                let bodyStart = s.index(i, offsetBy: 2)
                if let close = s[bodyStart...].firstIndex(of: "}"), close > bodyStart {
                    let end = s.index(after: close)
                    spans.append(i..<end)
                    i = end
                    continue
                }
            } else if s[i...].hasPrefix("__") {
                let bodyStart = s.index(i, offsetBy: 2)
                var j = bodyStart
                while j < s.endIndex, s[j] == "_" || ("A"..."Z").contains(s[j]) { j = s.index(after: j) }
                // The body is greedy over [A-Z_]; the match must end with "__" inside it (Ruby backtracks to find it).
                var end = j
                while end > bodyStart {
                    let before = s[bodyStart..<end]
                    if before.count >= 3, before.hasSuffix("__") {
                        break
                    }
                    end = s.index(before: end)
                }
                if end > bodyStart, s[bodyStart..<end].count >= 3 {
                    spans.append(i..<end)
                    i = end
                    continue
                }
            }
            i = s.index(after: i)
        }
        return spans
    }

    /// The value of a placeholder, nil when Fluentd's table has no such key.
    func value(of placeholder: String, record: [MessagePackPair], tag: TagValues, time: RubyValueText.Lazy) -> MessagePackValue? {
        switch placeholder {
        case "${tag}": return .str(tag.tag)
        case "${hostname}": return .str(hostname)
        case "${time}": return .str(time.value)
        default: break
        }
        guard placeholder.hasPrefix("${"), placeholder.hasSuffix("}") else { return nil }
        let body = placeholder.dropFirst(2).dropLast()
        if body.hasPrefix("record[\""), body.hasSuffix("\"]") {
            let key = String(body.dropFirst(8).dropLast(2))
            return record.first(where: { $0.key.stringValue == key })?.value
        }
        for (name, list) in [("tag_parts", tag.parts), ("tag_prefix", tag.prefix), ("tag_suffix", tag.suffix)] {
            guard body.hasPrefix(name + "["), body.hasSuffix("]") else { continue }
            let idx = body.dropFirst(name.count + 1).dropLast()
            // Only the canonical spelling is in Fluentd's table ("${tag_parts[0]}", "${tag_parts[-1]}").
            guard let n = Int(idx), String(n) == idx else { return nil }
            if n >= 0, n < list.count { return .str(list[n]) }
            if n < 0, -n <= list.count { return .str(list[list.count + n]) }
            return nil
        }
        return nil
    }

    /// Ruby's `to_f` for renew_time_key: numbers, strings (leading number or 0.0), nil 0.0; nil result for types
    /// without `to_f` (arrays, maps, booleans).
    static func rubyToF(_ v: MessagePackValue) -> Double? {
        switch v {
        case .int(let i): return Double(i)
        case .uint(let u): return Double(u)
        case .float(let f): return Double(f)
        case .double(let d): return d
        case .nil: return 0
        case .string, .binary:
            // String#to_f: the longest leading decimal number, 0.0 when there is none.
            let chars = Array(RubyValueText.toS(v).drop { $0 == " " || $0 == "\t" || $0 == "\n" })
            var i = 0
            if i < chars.count, chars[i] == "+" || chars[i] == "-" { i += 1 }
            var digits = 0
            while i < chars.count, chars[i].isASCII, chars[i].isNumber { i += 1; digits += 1 }
            if i < chars.count, chars[i] == "." {
                var j = i + 1
                var frac = 0
                while j < chars.count, chars[j].isASCII, chars[j].isNumber { j += 1; frac += 1 }
                if frac > 0 { i = j; digits += frac }
            }
            guard digits > 0 else { return 0 }
            if i < chars.count, chars[i] == "e" || chars[i] == "E" {
                var j = i + 1
                if j < chars.count, chars[j] == "+" || chars[j] == "-" { j += 1 }
                var exp = 0
                while j < chars.count, chars[j].isASCII, chars[j].isNumber { j += 1; exp += 1 }
                if exp > 0 { i = j }
            }
            return Double(String(chars[..<i])) ?? 0
        default: return nil
        }
    }

    static func parse(_ element: ConfigElement, path: String, hostname: String, into ctx: inout ConfigBuildContext) throws -> RecordTransformer {
        var r = SectionReader(element, path: path)
        r.raw.ignore("type", "log_level")
        var t = RecordTransformer(hostname: hostname)
        t.removeKeys = try r.optionalArray("remove_keys")?.map { k throws(ConfigError) in try RecordAccessor(k, at: r.written(["remove_keys"])?.location) }
        t.keepKeys = try r.optionalArray("keep_keys")
        t.renewRecord = try r.bool("renew_record", default: false)
        t.renewTimeKey = try r.optionalString("renew_time_key")
        let ruby = try r.bool("enable_ruby", default: false)
        if ruby {
            throw ConfigError(
                "record_transformer with enable_ruby true is not supported by the ForwardLab agent: its ${...} are Ruby code; run this configuration on real Fluentd (fwdlab run --agent fluentd) (in \(element.context))",
                at: r.written(["enable_ruby"])?.location ?? element.location)
        }
        t.autoTypecast = try r.bool("auto_typecast", default: true)
        if t.keepKeys != nil && !t.renewRecord {
            throw ConfigError("`renew_record` must be true to use `keep_keys` (in \(element.context))", at: r.written(["keep_keys"])?.location ?? element.location)
        }
        for rec in try r.raw.sections("record") {
            for p in rec.params {
                t.fields.append((p.name, Self.template(p.value, warn: { ctx.warn($0, at: p.location) })))
            }
        }
        try ctx.finish(r)
        return t
    }

    /// parse_value: `{…}`/`[…]` is JSON (a warning and the text when it does not parse), anything else text.
    static func template(_ text: String, warn: (String) -> Void) -> Template {
        guard text.hasPrefix("{") || text.hasPrefix("[") else { return .text(text) }
        guard let json = try? ConfigJSON.parse(text) else {
            warn("failed to parse \(text) as json. Assuming \(text) is a string")
            return .text(text)
        }
        func convert(_ j: ConfigJSON) -> Template {
            switch j {
            case .string(let s): return .text(s)
            case .array(let a): return .array(a.map(convert))
            case .object(let o): return .map(o.map { ($0.key, convert($0.value)) })
            default: return .literal(SampleInput.Settings.value(from: j))
            }
        }
        return convert(json)
    }
}

extension RubyValueText {
    /// A text computed on first use (`${time}` is formatted only when a record uses it).
    public final class Lazy: @unchecked Sendable {
        // @unchecked Sendable is safe: an instance lives inside one transform call on one thread.
        private var cached: String?
        private let make: () -> String
        init(_ make: @escaping () -> String) { self.make = make }
        var value: String {
            if let cached { return cached }
            let v = make()
            cached = v
            return v
        }
    }
}
