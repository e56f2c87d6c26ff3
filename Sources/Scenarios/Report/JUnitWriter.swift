/// JUnit XML: one `<testsuite>` per scenario, one `<testcase>` per expectation (skips and run errors included).
public enum JUnitWriter {
    public static func render(_ results: [ScenarioResult]) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let failures = results.reduce(0) { $0 + failureCount($1) }
        let tests = results.reduce(0) { $0 + max(1, $1.expectations.count) }
        out += "<testsuites name=\"fwdlab\" tests=\"\(tests)\" failures=\"\(failures)\">\n"
        for r in results { out += suite(r) }
        out += "</testsuites>\n"
        return out
    }

    static func failureCount(_ r: ScenarioResult) -> Int {
        let f = r.expectations.filter { $0.status == .fail }.count
        return r.verdict == .failed && f == 0 ? 1 : f
    }

    static func suite(_ r: ScenarioResult) -> String {
        let skipped = r.verdict == .skipped ? max(1, r.expectations.count) : r.expectations.filter { $0.status == .skip }.count
        var out = "  <testsuite name=\"\(esc(r.scenario))\" tests=\"\(max(1, r.expectations.count))\" failures=\"\(failureCount(r))\" skipped=\"\(skipped)\" time=\"\(ScenarioFormat.number(r.wallSeconds))\">\n"
        out += "    <properties><property name=\"seed\" value=\"\(r.seed)\"/><property name=\"path\" value=\"\(esc(r.path))\"/></properties>\n"
        let cls = "scenario.\(esc(r.scenario))"
        if r.expectations.isEmpty || (r.verdict == .failed && r.reason != nil) {
            out += "    <testcase classname=\"\(cls)\" name=\"run\">"
            switch r.verdict {
            case .skipped: out += "<skipped message=\"\(esc(r.reason ?? ""))\"/>"
            case .failed where r.reason != nil: out += "<failure message=\"\(esc(r.reason ?? ""))\"/>"
            default: break
            }
            out += "</testcase>\n"
        }
        for e in r.expectations {
            out += "    <testcase classname=\"\(cls)\" name=\"\(esc(e.statement))\">"
            switch e.status {
            case .pass: break
            case .fail: out += "<failure message=\"\(esc("measured \(e.measured): \(e.message)"))\"/>"
            case .skip: out += "<skipped message=\"\(esc(r.verdict == .skipped ? (r.reason ?? e.message) : e.message))\"/>"
            }
            out += "</testcase>\n"
        }
        out += "  </testsuite>\n"
        return out
    }

    static func esc(_ s: String) -> String {
        var o = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": o += "&amp;"
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "\"": o += "&quot;"
            case "'": o += "&apos;"
            default:
                if c.value < 0x20, c != "\n", c != "\t" { o += " " } else { o.unicodeScalars.append(c) }
            }
        }
        return o
    }
}
