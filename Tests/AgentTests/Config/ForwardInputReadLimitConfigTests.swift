import Agent
import Testing

/// `fwdlab_read_buffer_limit` on the agent's `<source> @type forward` (docs/agent-parameters.md, "Memory").
@Suite struct ForwardInputReadLimitConfigTests {
    static func source(_ line: String) -> String { "<source>\n  @type forward\n  port 0\n\(line)</source>\n" + forwardMatch() }

    @Test func theLimitReachesTheInputAndDefaultsToOneMegabyte() throws {
        for (line, expected) in [("", 1 << 20), ("  fwdlab_read_buffer_limit 256k\n", 256 * 1024)] {
            let c = try parseConfig(Self.source(line))
            guard case let .forward(f) = try #require(c.sources.first) else { Issue.record("not a forward source"); continue }
            #expect(try ForwardInput.settings(for: f, logger: .init(label: "test")).readBufferLimit == expected)
        }
    }

    @Test func aLimitOutsideTheRangeIsAnErrorNamingTheLine() throws {
        for value in ["1k", "65m"] {
            do {
                _ = try parseConfig(Self.source("  fwdlab_read_buffer_limit \(value)\n"))
                Issue.record("fwdlab_read_buffer_limit \(value) was accepted")
            } catch {
                #expect("\(error)".contains("test.conf:4") && "\(error)".contains("fwdlab_read_buffer_limit"), "\(error)")
            }
        }
    }
}
