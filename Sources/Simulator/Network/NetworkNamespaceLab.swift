import Atomics
import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// Real network faults for receivers: each lab host is a network namespace joined to the root namespace
/// by a veth pair on a private 10.233.x.y/30 that exists only between them; nftables rules in a table of
/// the lab's own (`inet fwdlab_<pid>_<n>`, in the root namespace and in each host) partition, drop, blackhole or reject traffic per host, and `tc tbf`
/// caps bandwidth. Root only. Every name carries the owner's pid so a later run can remove what a crashed
/// one left behind (only when that pid is gone).
///
/// Topology: a star around the root namespace (where the agent runs). Hosts reach the root namespace,
/// not each other, and have no default route, so lab traffic never leaves the machine.
public final class NetworkNamespaceLab: Sendable {
    private struct State {
        var hosts: [String: NetworkHost] = [:]
        var order: [String] = []
        var faults: [String: [String]] = [:]
        var destroyed = false
    }

    /// The pid that owns the lab's names.
    public let ownerPID: Int32
    /// Lab number within the owner process (several labs may run at once in one test process).
    public let labNumber: Int
    /// nftables table (family inet) holding this lab's rules.
    public let table: String
    /// Prefix of this lab's namespace names.
    public let namespacePrefix: String
    private let state: NIOLockedValueBox<State>

    private static let nextLab = ManagedAtomic<Int>(0)
    private static let nextLink = ManagedAtomic<Int>(0)
    /// Serialises address allocation within this process; a file lock covers other processes.
    private static let allocationLock = NIOLock()
    private static let lockPath = "/run/fwdlab-netns.lock"

    /// Why the lab cannot run here (not root, tools missing), or nil when it can.
    public static func unavailableReason() -> String? {
        if getuid() != 0 { return NetworkLabError.notRoot.description }
        for tool in ["ip", "nft"] where CommandRunner.which(tool) == nil { return NetworkLabError.toolMissing(tool).description }
        if !FileManager.default.fileExists(atPath: "/proc/self/ns/net") { return "network namespaces are not supported by this kernel" }
        return nil
    }

    /// Creates an empty lab: removes stale leftovers of dead owners, then creates the nftables table.
    public init() throws {
        if getuid() != 0 { throw NetworkLabError.notRoot }
        for tool in ["ip", "nft"] where CommandRunner.which(tool) == nil { throw NetworkLabError.toolMissing(tool) }
        Self.removeStale()
        ownerPID = getpid()
        labNumber = Self.nextLab.loadThenWrappingIncrement(ordering: .relaxed)
        table = "fwdlab_\(ownerPID)_\(labNumber)"
        namespacePrefix = "fwdlab-\(ownerPID)-\(labNumber)-"
        state = NIOLockedValueBox(State())
        try Self.nft("""
            add table inet \(table)
            add chain inet \(table) prerouting { type filter hook prerouting priority -300; policy accept; }
            add chain inet \(table) input { type filter hook input priority 0; policy accept; }
            """)
    }

    private init(attachingTo owner: Int32, lab: Int, hosts: [NetworkHost]) {
        ownerPID = owner
        labNumber = lab
        table = "fwdlab_\(owner)_\(lab)"
        namespacePrefix = "fwdlab-\(owner)-\(lab)-"
        var s = State()
        for host in hosts {
            s.hosts[host.name] = host
            s.order.append(host.name)
        }
        state = NIOLockedValueBox(s)
    }

    deinit {
        // A lab dropped without destroy() still cleans up; errors are moot here.
        if !state.withLockedValue({ $0.destroyed }) && ownerPID == getpid() { try? destroy() }
    }

    // MARK: hosts

    /// The hosts, in creation order.
    public var hosts: [NetworkHost] {
        state.withLockedValue { s in s.order.compactMap { s.hosts[$0] } }
    }

    /// The host called `name`.
    public func host(_ name: String) throws -> NetworkHost {
        guard let host = state.withLockedValue({ $0.hosts[name] }) else { throw NetworkLabError.unknownHost(name) }
        return host
    }

    /// Creates namespace `fwdlab-<pid>-<n>-<name>` with a veth link to the root namespace on a fresh /30.
    @discardableResult
    public func addHost(_ name: String) throws -> NetworkHost {
        guard name.count <= 12, !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber) }),
            state.withLockedValue({ $0.hosts[name] == nil })
        else { throw NetworkLabError.invalidHostName(name) }
        let link = Self.nextLink.loadThenWrappingIncrement(ordering: .relaxed)
        let namespace = namespacePrefix + name
        let rootIf = "fwl\(ownerPID)r\(link)"
        let hostIf = "fwl\(ownerPID)n\(link)"
        // Allocation and address assignment happen under one lock so two labs never pick the same /30.
        let host: NetworkHost = try Self.withAllocationLock {
            let (rootAddress, hostAddress) = try Self.freeSubnet()
            let host = NetworkHost(
                name: name, namespace: namespace, address: hostAddress, rootAddress: rootAddress, rootInterface: rootIf, hostInterface: hostIf)
            do {
                try Self.ip(["netns", "add", namespace])
                try Self.ip(["link", "add", rootIf, "type", "veth", "peer", "name", hostIf, "netns", namespace])
                try Self.ip(["addr", "add", "\(rootAddress)/30", "dev", rootIf])
                try Self.ip(["link", "set", rootIf, "up"])
                try Self.ip(["-n", namespace, "addr", "add", "\(hostAddress)/30", "dev", hostIf])
                try Self.ip(["-n", namespace, "link", "set", hostIf, "up"])
                try Self.ip(["-n", namespace, "link", "set", "lo", "up"])
            } catch {
                Self.removeHostObjects(namespace: namespace, rootInterface: rootIf)
                throw error
            }
            return host
        }
        do {
            try Self.nft("""
                add chain inet \(table) h_\(name)_pre
                add chain inet \(table) h_\(name)_inp
                add rule inet \(table) prerouting iifname "\(rootIf)" jump h_\(name)_pre
                add rule inet \(table) input iifname "\(rootIf)" jump h_\(name)_inp
                """)
            // The host's own table lives in its namespace and goes away with it.
            try Self.nft("""
                add table inet \(table)
                add chain inet \(table) pre { type filter hook prerouting priority -300; policy accept; }
                add chain inet \(table) inp { type filter hook input priority 0; policy accept; }
                """, namespace: namespace)
        } catch {
            Self.removeHostObjects(namespace: namespace, rootInterface: rootIf)
            throw error
        }
        state.withLockedValue { s in
            s.hosts[name] = host
            s.order.append(name)
        }
        return host
    }

    // MARK: faults

    /// Adds a fault on the link to `hostName`; faults add up until `heal`.
    public func apply(_ fault: NetworkFault, to hostName: String, direction: NetworkDirection = .both) throws {
        let host = try host(hostName)
        let directions: [NetworkDirection] = direction == .both ? [.toHost, .fromHost] : [direction]
        if case .bandwidth(let kbit) = fault {
            guard kbit > 0 else { throw NetworkLabError.commandFailed(command: "tc", status: -1, stderr: "bandwidth must be positive") }
            // Burst: at least one MTU-sized packet and ~10 ms worth of tokens.
            let burst = max(3000, kbit * 1000 / 8 / 100)
            for d in directions {
                let device = d == .toHost ? ["dev", host.rootInterface] : ["dev", host.hostInterface]
                let netns = d == .toHost ? [] : ["-n", host.namespace]
                try CommandRunner.run(
                    ["tc"] + netns + ["qdisc", "replace"] + device + ["root", "tbf", "rate", "\(kbit)kbit", "burst", "\(burst)", "latency", "200ms"])
            }
        } else {
            // Packets are dropped where they arrive (prerouting of the receiving side), so neither sender
            // sees a local error (EPERM) as it would for a drop in its own output path: like a real outage.
            for d in directions {
                let chain = d == .toHost ? (fault.needsInputHook ? "inp" : "pre") : (fault.needsInputHook ? "h_\(hostName)_inp" : "h_\(hostName)_pre")
                let script = fault.nftRules.map { "add rule inet \(table) \(chain) \($0)" }.joined(separator: "\n")
                try Self.nft(script, namespace: d == .toHost ? host.namespace : nil)
            }
        }
        state.withLockedValue { $0.faults[hostName, default: []].append("\(fault) (\(direction.rawValue))") }
    }

    /// Removes every fault on the link to `hostName`.
    public func heal(_ hostName: String) throws {
        let host = try host(hostName)
        try Self.nft("flush chain inet \(table) h_\(hostName)_pre\nflush chain inet \(table) h_\(hostName)_inp")
        try Self.nft("flush chain inet \(table) pre\nflush chain inet \(table) inp", namespace: host.namespace)
        if CommandRunner.which("tc") != nil {
            try CommandRunner.run(["tc", "qdisc", "del", "dev", host.rootInterface, "root"], check: false)
            try CommandRunner.run(["tc", "-n", host.namespace, "qdisc", "del", "dev", host.hostInterface, "root"], check: false)
        }
        state.withLockedValue { $0.faults[hostName] = nil }
    }

    /// Heals every host.
    public func healAll() throws {
        for host in hosts { try heal(host.name) }
    }

    /// Faults applied through this object, per host (for reports).
    public var activeFaults: [String: [String]] { state.withLockedValue { $0.faults } }

    /// The nftables rules currently in the lab's table (`nft list table`), for reports and debugging.
    public func ruleset() throws -> String {
        var text = "# root namespace\n" + (try CommandRunner.run(["nft", "list", "table", "inet", table]).stdout)
        for host in hosts {
            let inside = try CommandRunner.run(["ip", "netns", "exec", host.namespace, "nft", "list", "table", "inet", table]).stdout
            text += "# \(host.name) (\(host.namespace)), packets towards the host\n" + inside
        }
        return text
    }

    // MARK: running things inside a host

    /// Runs `body` on a thread inside the host's namespace.
    public func run<T: Sendable>(in hostName: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NamespaceThread.run(in: host(hostName).namespace, body)
    }

    /// A socket bound to the host's address inside its namespace (TCP: listening), ready for NIO's
    /// `withBoundSocket`. Port 0 picks a free one; read it back with `boundPort(of:)`.
    public func boundSocket(in hostName: String, tcp: Bool, port: Int = 0) async throws -> Int32 {
        let address = try host(hostName).address
        return try await run(in: hostName) { try Self.makeBoundSocket(address: address, port: port, tcp: tcp) }
    }

    /// Starts `argv` inside the host's namespace (`ip netns exec`); the caller owns the process.
    public func spawn(in hostName: String, _ argv: [String], environment: [String: String]? = nil) throws -> Process {
        let namespace = try host(hostName).namespace
        guard let ip = CommandRunner.which("ip") else { throw NetworkLabError.toolMissing("ip") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ip)
        process.arguments = ["netns", "exec", namespace] + argv
        if let environment { process.environment = environment }
        try process.run()
        return process
    }

    /// The local port of a socket.
    public static func boundPort(of fd: Int32) -> Int {
        var storage = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return rc == 0 ? Int(UInt16(bigEndian: storage.sin_port)) : 0
    }

    // MARK: teardown

    /// Removes the lab's namespaces, links and table. Safe to call twice.
    public func destroy() throws {
        let hosts = state.withLockedValue { s -> [NetworkHost] in
            s.destroyed = true
            return s.order.compactMap { s.hosts[$0] }
        }
        for host in hosts { Self.removeHostObjects(namespace: host.namespace, rootInterface: host.rootInterface) }
        _ = try? CommandRunner.run(["nft", "delete", "table", "inet", table], check: false)
        state.withLockedValue {
            $0.hosts.removeAll()
            $0.order.removeAll()
            $0.faults.removeAll()
        }
    }

    // MARK: finding labs and stale leftovers

    /// Everything named like ours: namespaces, links and tables, with the pid that owns each.
    public static func leftovers() -> [(kind: String, name: String, owner: Int32)] {
        var found: [(String, String, Int32)] = []
        if let list = try? CommandRunner.run(["ip", "netns", "list"], check: false).stdout {
            for line in list.split(separator: "\n") {
                let name = String(line.split(separator: " ").first ?? "")
                if let pid = ownerPID(in: name, prefix: "fwdlab-") { found.append(("netns", name, pid)) }
            }
        }
        if let list = try? CommandRunner.run(["ip", "-o", "link", "show"], check: false).stdout {
            for line in list.split(separator: "\n") {
                let fields = line.split(separator: ":", maxSplits: 2)
                guard fields.count >= 2 else { continue }
                let name = String(fields[1].trimmingCharacters(in: .whitespaces).split(separator: "@").first ?? "")
                if let pid = ownerPID(in: name, prefix: "fwl") { found.append(("link", name, pid)) }
            }
        }
        if let list = try? CommandRunner.run(["nft", "list", "tables", "inet"], check: false).stdout {
            for line in list.split(separator: "\n") {
                let name = String(line.split(separator: " ").last ?? "")
                if let pid = ownerPID(in: name, prefix: "fwdlab_") { found.append(("table", name, pid)) }
            }
        }
        return found.map { (kind: $0.0, name: $0.1, owner: $0.2) }
    }

    /// Removes leftovers whose owner process is gone (never a live process's lab); returns what was removed.
    @discardableResult
    public static func removeStale() -> [String] {
        removeLeftovers { !isAlive($0) }
    }

    /// Removes every leftover of `owner` (for `fwdlab netns cleanup --pid`), alive or not.
    @discardableResult
    public static func removeAll(ownedBy owner: Int32) -> [String] {
        removeLeftovers { $0 == owner }
    }

    /// Re-opens a lab created by another process (the `fwdlab netns` subcommands), found by owner pid and lab number.
    public static func attach(ownerPID owner: Int32, labNumber lab: Int) throws -> NetworkNamespaceLab {
        let prefix = "fwdlab-\(owner)-\(lab)-"
        let namespaces = leftovers().filter { $0.kind == "netns" && $0.name.hasPrefix(prefix) }.map(\.name)
        var hosts: [NetworkHost] = []
        for namespace in namespaces.sorted() {
            let out = try CommandRunner.run(["ip", "-n", namespace, "-o", "-4", "addr", "show"]).stdout
            for line in out.split(separator: "\n") {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count >= 4, fields[1].hasPrefix("fwl"), let slash = fields[3].firstIndex(of: "/") else { continue }
                let hostIf = String(fields[1])
                let address = String(fields[3][..<slash])
                var octets = address.split(separator: ".").compactMap { Int($0) }
                guard octets.count == 4 else { continue }
                octets[3] -= 1
                hosts.append(NetworkHost(
                    name: String(namespace.dropFirst(prefix.count)), namespace: namespace, address: address,
                    rootAddress: octets.map(String.init).joined(separator: "."),
                    rootInterface: Self.rootInterface(forHostInterface: hostIf),
                    hostInterface: hostIf))
            }
        }
        guard !hosts.isEmpty else { throw NetworkLabError.labNotFound("no lab \(owner)/\(lab) found (see 'fwdlab netns list')") }
        return NetworkNamespaceLab(attachingTo: owner, lab: lab, hosts: hosts)
    }

    /// Live labs: (owner pid, lab number) → host namespaces.
    public static func liveLabs() -> [String: [String]] {
        var labs: [String: [String]] = [:]
        for item in leftovers() where item.kind == "netns" && isAlive(item.owner) {
            let parts = item.name.split(separator: "-", maxSplits: 3)
            guard parts.count == 4 else { continue }
            labs["\(parts[1])/\(parts[2])", default: []].append(String(parts[3]))
        }
        return labs
    }

    // MARK: helpers

    private static func removeLeftovers(_ shouldRemove: (Int32) -> Bool) -> [String] {
        var removed: [String] = []
        // Namespaces first: deleting one also deletes the veth pair it holds one end of.
        for item in leftovers().sorted(by: { order($0.kind) < order($1.kind) }) where shouldRemove(item.owner) {
            let argv: [String]
            switch item.kind {
            case "netns": argv = ["ip", "netns", "del", item.name]
            case "link": argv = ["ip", "link", "del", item.name]
            default: argv = ["nft", "delete", "table", "inet", item.name]
            }
            if (try? CommandRunner.run(argv, check: false))?.status == 0 { removed.append("\(item.kind) \(item.name)") }
        }
        return removed
    }

    /// "fwl<pid>n<k>" → "fwl<pid>r<k>".
    static func rootInterface(forHostInterface name: String) -> String {
        guard let n = name.lastIndex(of: "n") else { return name }
        return name.replacingCharacters(in: n...n, with: "r")
    }

    private static func order(_ kind: String) -> Int { kind == "netns" ? 0 : kind == "link" ? 1 : 2 }

    /// The pid in "fwdlab-<pid>-…", "fwdlab_<pid>_…" or "fwl<pid>r<k>" / "fwl<pid>n<k>".
    static func ownerPID(in name: String, prefix: String) -> Int32? {
        guard name.hasPrefix(prefix) else { return nil }
        let digits = name.dropFirst(prefix.count).prefix { $0.isNumber }
        guard !digits.isEmpty, let pid = Int32(digits) else { return nil }
        let rest = name.dropFirst(prefix.count + digits.count)
        switch prefix {
        case "fwl": guard let f = rest.first, f == "r" || f == "n", rest.dropFirst().allSatisfy(\.isNumber), rest.count > 1 else { return nil }
        case "fwdlab-": guard rest.hasPrefix("-") else { return nil }
        default: guard rest.hasPrefix("_") else { return nil }
        }
        return pid
    }

    /// Whether a process with this pid exists.
    public static func isAlive(_ pid: Int32) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }

    private static func ip(_ args: [String]) throws {
        try CommandRunner.run(["ip"] + args)
    }

    /// Applies an nft script atomically, in the root namespace or inside `namespace`.
    private static func nft(_ script: String, namespace: String? = nil) throws {
        let prefix = namespace.map { ["ip", "netns", "exec", $0] } ?? []
        try CommandRunner.run(prefix + ["nft", "-f", "-"], input: script + "\n")
    }

    private static func removeHostObjects(namespace: String, rootInterface: String) {
        _ = try? CommandRunner.run(["ip", "netns", "del", namespace], check: false)
        _ = try? CommandRunner.run(["ip", "link", "del", rootInterface], check: false)
    }

    private static func withAllocationLock<T>(_ body: () throws -> T) throws -> T {
        try allocationLock.withLock {
            let fd = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
            if fd >= 0 { _ = flock(fd, LOCK_EX) }
            defer {
                if fd >= 0 {
                    _ = flock(fd, LOCK_UN)
                    close(fd)
                }
            }
            return try body()
        }
    }

    /// The first /30 of 10.233.0.0/16 with no address in use in the root namespace: (root .1, host .2).
    private static func freeSubnet() throws -> (String, String) {
        let out = try CommandRunner.run(["ip", "-o", "-4", "addr", "show"]).stdout
        var used = Set<Int>()
        for token in out.split(whereSeparator: { $0 == " " || $0 == "\n" }) where token.hasPrefix("10.233.") {
            let octets = token.split(separator: "/")[0].split(separator: ".").compactMap { Int($0) }
            if octets.count == 4 { used.insert((octets[2] << 8 | octets[3]) >> 2) }
        }
        guard let block = (0..<16384).first(where: { !used.contains($0) }) else { throw NetworkLabError.addressSpaceExhausted }
        let base = block << 2
        return ("10.233.\(base >> 8).\((base & 0xFF) + 1)", "10.233.\(base >> 8).\((base & 0xFF) + 2)")
    }

    private static func makeBoundSocket(address: String, port: Int, tcp: Bool) throws -> Int32 {
        let fd = socket(AF_INET, Int32(tcp ? SOCK_STREAM.rawValue : SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw NetworkLabError.socketFailed(call: "socket", errno: errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = in_port_t(UInt16(clamping: port).bigEndian)
        guard inet_pton(AF_INET, address, &sin.sin_addr) == 1 else {
            close(fd)
            throw NetworkLabError.socketFailed(call: "inet_pton(\(address))", errno: EINVAL)
        }
        let rc = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let e = errno
            close(fd)
            throw NetworkLabError.socketFailed(call: "bind(\(address):\(port))", errno: e)
        }
        if tcp && listen(fd, 128) != 0 {
            let e = errno
            close(fd)
            throw NetworkLabError.socketFailed(call: "listen", errno: e)
        }
        return fd
    }
}
