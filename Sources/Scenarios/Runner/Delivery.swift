/// One event a receiver accepted, on the run clock.
public struct Delivery: Sendable, Codable, Equatable {
    public var time: Double
    public var receiver: String
    public var seq: Int64?
    public var chunk: String?
    /// Request index within the receiver incarnation's ledger (events of one request share it).
    public var request: Int
}
