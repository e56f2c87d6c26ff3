import FluentdConfig
import Foundation

/// Fluentd's configuration syntax (Sources/FluentdConfig): sections, parameters, quoting, `@include` (against the
/// fixtures in fixtures/configs/syntax) and embedded Ruby `"#{...}"` with a fixed environment, then every parameter
/// value through each of Fluentd's value types.
enum ConfigTarget {
    static let options = ConfigParseOptions(
        environment: ["FWDLAB_PORT": "24224", "FWDLAB_BIND": "127.0.0.1", "FWDLAB_SHARED_KEY": "fuzz-key", "HOME": "/fuzz-home"],
        hostname: "fuzz-host",
        workerID: "0",
        currentDirectory: "/fuzz-cwd",
        interfaceAddresses: [
            .init(interface: "lo", address: "127.0.0.1", isIPv4: true),
            .init(interface: "eth0", address: "192.0.2.10", isIPv4: true),
            .init(interface: "eth0", address: "2001:db8::10", isIPv4: false),
        ],
        includeBaseDirectory: fuzzRepositoryRoot + "/fixtures/configs/syntax",
        maxIncludeDepth: 8)

    static let target = FuzzTarget(
        name: "config",
        summary: "ConfigDocument.parse with @include (fixtures/configs/syntax) and embedded Ruby, the rendered "
            + "document, every parameter through ConfigValueTypes",
        run: { data in
            let text = String(decoding: data, as: UTF8.self)
            guard staysInSandbox(text) else { return }
            for opts in [options, noIncludesOrRuby] {
                guard let document = try? ConfigDocument.parse(text: text, file: "fuzz.conf", options: opts) else { continue }
                _ = document.description
                _ = document.warnings.count
                for element in document.allElements {
                    _ = element.arguments
                    _ = element.ancestors
                    for param in element.params { values(param.value) }
                }
            }
        },
        seeds: { Seeds.configs() })

    static let noIncludesOrRuby: ConfigParseOptions = {
        var o = options
        o.allowIncludes = false
        o.allowEmbeddedCode = false
        return o
    }()

    /// The harness's sandbox, not a rule of the parser: an input whose `@include` could name a file outside the
    /// fixtures (an absolute path, `..`, `~`, an escape or embedded Ruby building the path, a URL) is skipped,
    /// so the fuzzer never reads /dev/zero or walks the file system.
    static func staysInSandbox(_ text: String) -> Bool {
        if text.contains("..") || text.contains("~") { return false }
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            guard let r = line.range(of: "include", options: .backwards) else { continue }
            let rest = line[r.upperBound...].drop { $0 == " " || $0 == "\t" || $0 == "\"" || $0 == "'" }
            if rest.hasPrefix("/") || rest.contains("\\") || rest.contains("#{") || rest.contains("://") { return false }
        }
        return true
    }

    /// Every value type Fluentd's plugins declare, applied to one parameter's text.
    static func values(_ v: String) {
        _ = try? ConfigValueTypes.integer(v)
        _ = try? ConfigValueTypes.float(v)
        _ = try? ConfigValueTypes.size(v)
        _ = try? ConfigValueTypes.time(v)
        _ = try? ConfigValueTypes.bool(v)
        _ = try? ConfigValueTypes.array(v)
        _ = try? ConfigValueTypes.arrayJSON(v)
        _ = try? ConfigValueTypes.hash(v)
        _ = try? ConfigValueTypes.hashJSON(v)
        _ = try? ConfigValueTypes.json(v)
        _ = try? ConfigValueTypes.enumeration(v, allowed: ["block", "drop_oldest_chunk", "throw_exception"])
    }
}
