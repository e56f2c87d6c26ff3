import Foundation
import Testing

@testable import Agent

/// The event stream's one codec: every kind survives a JSON line, and a line naming no known event is rejected.
@Suite struct AgentEventKindTests {
    @Test func everyKindRoundTripsThroughAJSONLine() throws {
        for kind in AgentEventKind.allCases {
            let r = AgentEventRecord(monotonic: 12.5, event: AgentEvent(time: 1_700_000_000.25, node: "r1", event: kind,
                                                                       cause: "phi", phi: 2.5, threshold: 16, detail: "a/b"))
            #expect(r.jsonLine.contains("\"event\":\"\(kind.rawValue)\""))
            #expect(try AgentEventRecord(jsonLine: r.jsonLine) == r)
            #expect("\(kind)" == kind.rawValue)
        }
    }

    @Test func absentFieldsAreLeftOutAndNonFinitePhiGoesToDetail() throws {
        let r = AgentEventRecord(monotonic: 1, event: AgentEvent(time: 2, node: "", event: .stopped))
        #expect(r.jsonLine == #"{"event":"stopped","mono":1,"node":"","time":2}"#)
        let inf = AgentEvent(time: 2, node: "r1", event: .detached, cause: "phi", phi: .infinity)
        #expect(inf.phi == nil && inf.detail == "phi=Infinity")
    }

    @Test func anUnknownEventNameIsAnError() {
        #expect(throws: DecodingError.self) { try AgentEventRecord(jsonLine: #"{"event":"detachd","mono":1,"node":"r1","time":2}"#) }
        #expect(throws: DecodingError.self) { try AgentEventRecord(jsonLine: #"{"event":"detached","node":"r1"}"#) }  // no mono
        #expect(throws: (any Error).self) { try AgentEventRecord(jsonLine: #"{"event":"detached","mono":1,"#) }  // cut short
    }
}
