import Foundation
import Testing
@testable import Simulator

/// The README's fault table is the user's first stop: every kind must be there, and both examples of
/// every row must be accepted (and mean the same fault) by the control API and the topology loader.
@Suite("Faults: documentation")
struct FaultDocsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// (kind, curl JSON body, YAML item) per row of the README's Faults table.
    static func readmeRows() throws -> [(kind: String, json: String, yaml: String)] {
        let text = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        return text.split(separator: "\n").compactMap { line -> (String, String, String)? in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 6, cells[3].hasPrefix("`curl -XPOST $C/receivers/a/faults -d '") else { return nil }
            let kind = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            let curl = cells[3]
            guard let open = curl.firstIndex(of: "'"), let close = curl.lastIndex(of: "'"), open < close else { return nil }
            let json = String(curl[curl.index(after: open) ..< close])
            let yaml = cells[4].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            return (kind, json, yaml)
        }
    }

    @Test("README lists every catalogue kind once, and each row's curl body and YAML build the same valid fault")
    func readmeExamples() throws {
        let rows = try Self.readmeRows()
        #expect(rows.map(\.kind) == FaultCatalogue.kinds, "README rows in catalogue order")
        for row in rows {
            let fromAPI = try ControlRouter.decodeSpec(Data(row.json.utf8))
            try fromAPI.validate()
            _ = try FaultCatalogue.make(kind: fromAPI.kind, parameters: fromAPI.params)
            #expect(fromAPI.kind == row.kind)
            let topology = try TopologyLoader.parse("receivers:\n  - name: a\n    faults:\n      - \(row.yaml)\n", file: "README")
            let fromYAML = try #require(topology.receivers.first?.faults.first)
            #expect(fromYAML == fromAPI, "\(row.kind): YAML and curl examples differ")
        }
    }

    @Test("docs/faults.md has a catalogue row for every kind")
    func catalogueDocumented() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("docs/faults.md"), encoding: .utf8)
        for kind in FaultCatalogue.kinds {
            #expect(text.contains("| `\(kind)` |"), "\(kind) missing from docs/faults.md")
        }
    }
}
