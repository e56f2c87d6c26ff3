/// The UDP heartbeat: one `0x00` byte each way, on the same port number as TCP (docs/forward-protocol.md, "UDP heartbeat").
public enum UDPHeartbeat {
    /// What out_forward sends to each node every heartbeat_interval.
    public static let request: [UInt8] = [0x00]
    /// What in_forward answers to every datagram, whatever it contained, from its listening port.
    public static let reply: [UInt8] = [0x00]
    /// in_forward reads at most this many bytes of a datagram.
    public static let serverReadLength = 128
}
