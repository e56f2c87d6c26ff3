import Agent
import FluentdConfig
import Foundation
import Testing

/// Parses `text` as `test.conf` with an empty environment (so `"#{ENV[..]}"` defaults apply).
func parseConfig(_ text: String, env: [String: String] = [:]) throws -> AgentConfiguration {
    try AgentConfiguration.parse(text: text, file: "test.conf", options: ConfigParseOptions(environment: env))
}

/// The single forward output of `text`.
func forwardOutput(_ text: String) throws -> ForwardOutputConfig {
    let config = try parseConfig(text)
    let f = try #require(config.forwardOutputs.first)
    return f
}

/// A `<match test.**>` forward section with one server and `body` inside.
func forwardMatch(_ body: String = "") -> String {
    """
    <match test.**>
      @type forward
    \(body)
      <server>
        host 127.0.0.1
        port 24225
      </server>
    </match>

    """
}

/// Expects a ConfigError at `test.conf:line` whose message contains `fragment`.
func expectConfigError(
    _ text: String, line: Int, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    do {
        _ = try parseConfig(text)
        Issue.record("expected a ConfigError containing '\(fragment)'", sourceLocation: sourceLocation)
    } catch let e as ConfigError {
        #expect(e.file == "test.conf", "\(e)", sourceLocation: sourceLocation)
        #expect(e.line == line, "\(e)", sourceLocation: sourceLocation)
        #expect(e.message.contains(fragment), "\(e)", sourceLocation: sourceLocation)
        #expect(e.description.hasPrefix("test.conf:\(line): "), "\(e)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

/// The repository root (…/Tests/AgentTests/Config/ → three levels up).
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }
    return url.path
}()
