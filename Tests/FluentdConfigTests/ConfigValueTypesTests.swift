import FluentdConfig
import Testing

@Suite struct ConfigValueTypesTests {
    @Test(arguments: [
        ("10", 10.0), ("0.5", 0.5), ("1.5", 1.5), ("30s", 30), ("10m", 600), ("2h", 7200), ("1d", 86400),
        // Fluentd's quirk: only the digits right before the unit count.
        ("0.5s", 5), ("1.5m", 300), ("2.5h", 18000), ("1m30s", 30), ("10ms", 600), ("abc5sdef", 5), ("-3", -3),
    ])
    func time(_ text: String, _ seconds: Double) throws {
        #expect(try ConfigValueTypes.time(text) == seconds)
    }

    @Test func timeErrors() {
        for bad in ["", "abc", "10S", "1.", "1e", "ten"] {
            #expect(throws: ConfigError.self) { try ConfigValueTypes.time(bad) }
        }
        #expect(throws: ConfigError.self) { try ConfigValueTypes.time("99999999999999999999s") }
    }

    @Test(arguments: [
        ("1024", 1024), ("1k", 1024), ("1K", 1024), ("8m", 8 << 20), ("8MB", 8 << 20), ("2g", 2 << 30),
        ("1t", 1 << 40), ("1.5k", 5 * 1024), ("512kb", 512 * 1024), ("0", 0), ("1_000", 1000),
    ])
    func size(_ text: String, _ bytes: Int) throws {
        #expect(try ConfigValueTypes.size(text) == bytes)
    }

    @Test func sizeErrors() {
        for bad in ["", "abc", "1.5", "x"] {
            #expect(throws: ConfigError.self) { try ConfigValueTypes.size(bad) }
        }
        #expect(throws: ConfigError.self) { try ConfigValueTypes.size("99999999999t") }
    }

    @Test func integers() throws {
        #expect(try ConfigValueTypes.integer("42") == 42)
        #expect(try ConfigValueTypes.integer(" -7 ") == -7)
        #expect(try ConfigValueTypes.integer("+3") == 3)
        #expect(try ConfigValueTypes.integer("010") == 10)  // decimal, as Fluentd's default to_i reads it
        #expect(try ConfigValueTypes.integer("0x1F") == 31)
        #expect(try ConfigValueTypes.integer("0b101") == 5)
        #expect(try ConfigValueTypes.integer("1_000_000") == 1_000_000)
        #expect(try ConfigValueTypes.integer("-9223372036854775808") == Int.min)
        for bad in ["", "1.5", "abc", "12abc", "1__0", "_1", "1_", "9223372036854775808", "0x"] {
            #expect(throws: ConfigError.self, "\(bad)") { try ConfigValueTypes.integer(bad) }
        }
    }

    @Test func floats() throws {
        #expect(try ConfigValueTypes.float("1.5") == 1.5)
        #expect(try ConfigValueTypes.float("-0.25") == -0.25)
        #expect(try ConfigValueTypes.float("1e3") == 1000)
        #expect(try ConfigValueTypes.float(".5") == 0.5)
        #expect(try ConfigValueTypes.float("10") == 10)
        #expect(try ConfigValueTypes.float("1_000.5") == 1000.5)
        for bad in ["", "abc", "1.", "nan", "inf", "1e", "1.5.5", "1e999"] {
            #expect(throws: ConfigError.self, "\(bad)") { try ConfigValueTypes.float(bad) }
        }
    }

    @Test func bools() throws {
        for t in ["true", "yes", "", "#comment"] { #expect(try ConfigValueTypes.bool(t) == true) }
        for f in ["false", "no"] { #expect(try ConfigValueTypes.bool(f) == false) }
        for bad in ["True", "YES", "1", "0", "on", "off", "y"] {
            #expect(throws: ConfigError.self, "\(bad)") { try ConfigValueTypes.bool(bad) }
        }
    }

    @Test func enums() throws {
        #expect(try ConfigValueTypes.enumeration("udp", allowed: ["tcp", "udp"]) == "udp")
        #expect(throws: ConfigError.self) { try ConfigValueTypes.enumeration("UDP", allowed: ["tcp", "udp"]) }
        do {
            _ = try ConfigValueTypes.enumeration("x", allowed: ["a", "b"])
        } catch let e as ConfigError {
            #expect(e.message == "valid options are a,b but got x")
        }
    }

    @Test func arrays() throws {
        #expect(try ConfigValueTypes.array(#"["a", "b"]"#) == ["a", "b"])
        #expect(try ConfigValueTypes.array(#"[1, true, null, "x", [2]]"#) == ["1", "true", "", "x", "[2]"])
        #expect(try ConfigValueTypes.array("a, b ,c") == ["a", "b", "c"])
        #expect(try ConfigValueTypes.array("a b, c") == ["a b", "c"])
        #expect(try ConfigValueTypes.array("a,,b,,") == ["a", "", "b"])  // Ruby split keeps inner, drops trailing empties
        #expect(try ConfigValueTypes.array("") == [])
        #expect(try ConfigValueTypes.array("single") == ["single"])
        #expect(throws: ConfigError.self) { try ConfigValueTypes.array("[1,") }
        #expect(try ConfigValueTypes.arrayJSON("[1]") == [.number("1")])
    }

    @Test func hashes() throws {
        #expect(try ConfigValueTypes.hash(#"{"a": "1", "b": 2}"#) == ["a": "1", "b": "2"])
        #expect(try ConfigValueTypes.hash("k1:v1,k2:v2") == ["k1": "v1", "k2": "v2"])
        #expect(try ConfigValueTypes.hash("k1:v1 , k2:v:2") == ["k1": "v1", "k2": "v:2"])
        #expect(try ConfigValueTypes.hash("a: b") == ["a": " b"])  // Fluentd does not trim around ':'
        #expect(try ConfigValueTypes.hash("") == [:])
        #expect(try ConfigValueTypes.hash("[1]") == ["[1]": ""])  // not JSON unless it starts with '{', as in Fluentd
        #expect(throws: ConfigError.self) { try ConfigValueTypes.hash("{\"a\": 1") }
        #expect(throws: ConfigError.self) { try ConfigValueTypes.hash("a:1,,b:2") }
        let ordered = try ConfigValueTypes.hashJSON(#"{"z": 1, "a": 2}"#)
        #expect(ordered.map(\.key) == ["z", "a"])
    }

    @Test func valueTypeCombinators() throws {
        #expect(try ConfigValueType<[Int]>.array(of: .integer).convert("1, 2,3") == [1, 2, 3])
        #expect(try ConfigValueType<[Double]>.array(of: .time).convert(#"["1m", "0.5"]"#) == [60, 0.5])
        #expect(try ConfigValueType<[String: Int]>.hash(of: .size).convert("a:1k,b:2") == ["a": 1024, "b": 2])
        #expect(throws: ConfigError.self) { try ConfigValueType<[Int]>.array(of: .integer).convert("1,x") }
    }

    @Test func jsonParser() throws {
        #expect(try ConfigJSON.parse(#"{"a":[1,-2.5e3,"\u00e9\n"],"b":{}}"#)
            == .object([("a", .array([.number("1"), .number("-2.5e3"), .string("é\n")])), ("b", .object([]))]))
        #expect(try ConfigJSON.parse(#""\ud83d\ude00""#) == .string("😀"))
        for bad in ["", "[", "[1,]", "{\"a\"}", "01", "[1] x", "\"\u{01}\"", "tru", "{1:2}"] {
            #expect(throws: ConfigError.self, "\(bad)") { try ConfigJSON.parse(bad) }
        }
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: ConfigError.self) { try ConfigJSON.parse(deep) }
        #expect(ConfigJSON.object([("k", .string("a\"b"))]).description == #"{"k":"a\"b"}"#)
    }
}
