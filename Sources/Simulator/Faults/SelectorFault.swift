/// A fault whose only parameters are a `MessageSelector` (`tag`, `chunk`, `peer`, `nth`, `every`,
/// `limit`): parsing and reporting those is shared, each fault keeps only its hook.
public protocol SelectorFault: Fault {
    var selector: MessageSelector { get set }
    init(selector: MessageSelector)
}

extension SelectorFault {
    public init(parameters: FaultParameters) throws {
        var r = FaultParameterReader(kind: Self.kind, parameters)
        let selector = try MessageSelector(reading: &r)
        try r.rejectUnknown()
        self.init(selector: selector)
    }

    public var parameters: FaultParameters { FaultParameters(selector.parameters) }
}
