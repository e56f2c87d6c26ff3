/// A packet-level fault on the link between the root namespace and one lab host (nftables / tc).
public enum NetworkFault: Sendable, Hashable, CustomStringConvertible {
    /// Drop every packet: a network partition.
    case partition
    /// Drop each packet with this probability in percent (1...99), independently (`numgen random`).
    case loss(percent: Int)
    /// Drop TCP SYNs (without ACK): new connections hang in SYN_SENT, established ones keep working.
    case synBlackhole
    /// Drop UDP only (heartbeats over UDP, DNS), TCP unaffected.
    case udpDrop
    /// Answer with TCP RST / ICMP unreachable instead of dropping silently.
    case reject
    /// Cap the bandwidth with a token bucket (`tc qdisc ... tbf`), kilobits per second.
    case bandwidth(kbitPerSecond: Int)

    /// The nftables rules, empty for the tc-based bandwidth cap.
    var nftRules: [String] {
        switch self {
        case .partition: return ["counter drop"]
        case .loss(let p): return ["numgen random mod 100 < \(max(0, min(100, p))) counter drop"]
        case .synBlackhole: return ["tcp flags & (syn | ack) == syn counter drop"]
        case .udpDrop: return ["meta l4proto udp counter drop"]
        case .reject: return ["meta l4proto tcp counter reject with tcp reset", "counter reject"]
        case .bandwidth: return []
        }
    }

    /// reject is only valid in input/forward/output hooks; everything else drops at prerouting.
    var needsInputHook: Bool {
        if case .reject = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .partition: return "partition"
        case .loss(let p): return "loss \(p)%"
        case .synBlackhole: return "SYN blackhole"
        case .udpDrop: return "UDP drop"
        case .reject: return "reject"
        case .bandwidth(let k): return "bandwidth \(k) kbit/s"
        }
    }
}
