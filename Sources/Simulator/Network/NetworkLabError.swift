import Foundation

/// Why a network-namespace operation failed.
public enum NetworkLabError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Namespaces, veth links and nftables need root (CAP_NET_ADMIN).
    case notRoot
    /// A required tool (`ip`, `nft`, `tc`) is not on PATH.
    case toolMissing(String)
    /// A command exited non-zero.
    case commandFailed(command: String, status: Int32, stderr: String)
    /// A command did not finish in time and was killed.
    case commandTimedOut(command: String, seconds: Double)
    /// A host name that cannot be used in namespace/chain names, or a duplicate.
    case invalidHostName(String)
    /// No host of that name in the lab.
    case unknownHost(String)
    /// The 10.233.0.0/16 lab range has no free /30 left.
    case addressSpaceExhausted
    /// Entering a namespace (setns) failed.
    case namespaceEntryFailed(namespace: String, errno: Int32)
    /// A socket call inside a namespace failed.
    case socketFailed(call: String, errno: Int32)
    /// No lab found to attach to, or several and none chosen.
    case labNotFound(String)

    public var description: String {
        switch self {
        case .notRoot: return "network namespaces need root (CAP_NET_ADMIN); run as root or skip the partition tests"
        case .toolMissing(let tool): return "'\(tool)' not found on PATH (install iproute2 / nftables)"
        case .commandFailed(let command, let status, let stderr):
            return "'\(command)' failed with status \(status): \(stderr.trimmingCharacters(in: .whitespacesAndNewlines))"
        case .commandTimedOut(let command, let seconds): return "'\(command)' did not finish within \(seconds) s and was killed"
        case .invalidHostName(let name): return "invalid host name '\(name)': use 1-12 of [a-z0-9], unique within the lab"
        case .unknownHost(let name): return "no host '\(name)' in this lab"
        case .addressSpaceExhausted: return "no free /30 left in 10.233.0.0/16"
        case .namespaceEntryFailed(let namespace, let errno): return "cannot enter network namespace \(namespace) (errno \(errno))"
        case .socketFailed(let call, let errno): return "\(call) failed (errno \(errno))"
        case .labNotFound(let detail): return detail
        }
    }
}
