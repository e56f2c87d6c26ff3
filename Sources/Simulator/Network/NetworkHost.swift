/// One lab host: a network namespace joined to the root namespace by a veth pair on its own /30.
public struct NetworkHost: Sendable, Hashable, Codable {
    /// Short name given by the caller ("rx1").
    public var name: String
    /// Network namespace name (`fwdlab-<pid>-<name>`), usable with `ip netns exec`.
    public var namespace: String
    /// The host's address inside its namespace: connect here from the root namespace.
    public var address: String
    /// The root namespace's end of the link (the host's peer and route).
    public var rootAddress: String
    /// veth interface in the root namespace (`fwl<pid>r<index>`).
    public var rootInterface: String
    /// veth interface inside the namespace (`fwl<pid>n<index>`).
    public var hostInterface: String
}
