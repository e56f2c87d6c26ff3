/// The SplitMix64 step shared by the project's seeded generators (the agent's `SeededRandom`, the simulator's
/// `FaultRandom`): tiny, fast and fully determined by its 64-bit state, so a seed replays a run.
public enum SplitMix64 {
    /// Advances `state` and returns the next output.
    @inlinable
    public static func next(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z &>> 31)
    }

    /// A uniform Double in [0, 1) from one output (53 random bits).
    @inlinable
    public static func unit(_ bits: UInt64) -> Double {
        Double(bits >> 11) * 0x1.0p-53
    }
}
