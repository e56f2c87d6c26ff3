import Logging
import Testing

@testable import Agent

/// The event hub's in-memory stream buffers only once it has a subscriber (docs/agent-parameters.md, "Memory").
@Suite struct AgentEventHubTests {
    static func hub() throws -> AgentEventHub {
        try AgentEventHub(clock: VirtualClock(), logger: Logger(label: "hub-test"), sink: nil, jsonLinesPath: nil)
    }

    @Test func eventsBeforeTheFirstSubscriptionAreNotKeptAndLaterOnesAre() async throws {
        let hub = try Self.hub()
        for i in 0..<1000 { hub.emit(node: "r1", event: .chunkSent, detail: "before-\(i)") }
        let stream = hub.stream
        hub.emit(node: "r1", event: .chunkSent, detail: "after")
        hub.finish()
        var details: [String?] = []
        for await record in stream { details.append(record.event.detail) }
        #expect(details == ["after"])
    }

    @Test func theStreamIsTheSameOnEveryAccessAndEndsWhenTheHubFinishes() async throws {
        let hub = try Self.hub()
        hub.finish()
        var count = 0
        for await _ in hub.stream { count += 1 }
        #expect(count == 0, "a stream asked for after finish() ends at once")
        let other = try Self.hub()
        _ = other.stream
        other.emit(node: "r2", event: .chunkSent)
        other.finish()
        var seen = 0
        for await _ in other.stream { seen += 1 }  // the first access's stream, holding what came after it
        #expect(seen == 1)
    }
}
