import Foundation

/// An HTTP answer of the control API: a status and a body (JSON unless said otherwise).
public struct ControlResponse: Sendable {
    public var status: Int
    public var body: Data
    public var contentType = "application/json"

    init(status: Int, body: Data, contentType: String = "application/json") {
        self.status = status
        self.body = body
        self.contentType = contentType
    }

    /// Encodes `value` as JSON (sorted keys, so answers are stable).
    static func json<T: Encodable>(_ value: T, status: Int = 200) -> ControlResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        do {
            return ControlResponse(status: status, body: try encoder.encode(value))
        } catch {
            return .error(500, "cannot encode the response: \(error)")
        }
    }

    /// `{"error": message, "status": code}`.
    static func error(_ status: Int, _ message: String) -> ControlResponse {
        struct Body: Encodable { var error: String; var status: Int }
        let data = (try? JSONEncoder().encode(Body(error: message, status: status))) ?? Data("{\"error\":\"?\"}".utf8)
        return ControlResponse(status: status, body: data)
    }
}
