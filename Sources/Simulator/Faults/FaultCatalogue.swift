/// Every fault kind, by name: what the control API and topology files may ask for.
public enum FaultCatalogue {
    /// The registered fault types, in documentation order.
    public static let types: [any Fault.Type] = [
        LatencyFault.self,
        HeartbeatDropFault.self, HeartbeatBurstLossFault.self, HeartbeatBlackoutFault.self, HeartbeatWrongPortFault.self,
        AckDropFault.self, AckDelayFault.self, AckDuplicateFault.self, AckReorderFault.self, AckWrongIDFault.self,
        AckCloseFault.self, AckWithoutAcceptFault.self,
        RefuseFault.self, ResetOnAcceptFault.self, NeverReadFault.self, ReadStallFault.self, SlowReaderFault.self,
        CloseAfterBytesFault.self, IdleTimeoutFault.self,
        CrashFault.self, PauseFault.self,
        SharedKeyMismatchFault.self, MalformedHeloFault.self, HeloSplitFault.self, TLSFault.self, ChunkSizeLimitFault.self,
    ]

    /// Kind names, in documentation order.
    public static var kinds: [String] { types.map { $0.kind } }

    /// The type registered for `kind`.
    public static func type(of kind: String) -> (any Fault.Type)? {
        types.first { $0.kind == kind }
    }

    /// `spec` for a run in which one scenario second lasts `k` real seconds: its parameters as the stretched fault
    /// reports them (see `Fault.stretched(by:)`); `start_after` and `duration` are the caller's to stretch.
    public static func stretch(_ spec: FaultSpec, by k: Double) throws -> FaultSpec {
        guard k != 1 else { return spec }
        func stretchedParameters<F: Fault>(_ fault: F) -> FaultParameters { fault.stretched(by: k).parameters }
        var out = spec
        out.params = stretchedParameters(try make(kind: spec.kind, parameters: spec.params))
        return out
    }

    /// Builds a fault of `kind` from its parameters.
    public static func make(kind: String, parameters: FaultParameters) throws -> any Fault {
        guard let type = type(of: kind) else { throw FaultError.unknownKind(kind) }
        return try type.init(parameters: parameters)
    }
}
