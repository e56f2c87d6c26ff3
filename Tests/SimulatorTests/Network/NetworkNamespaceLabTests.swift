import Foundation
import NIOCore
import Testing

@testable import Simulator

#if canImport(Glibc)
import Glibc
import ForwardLabTestSupport
#endif

/// Real partitions between the root namespace and lab namespaces. Needs root, `ip` and `nft`.
@Suite(
    .serialized,
    .enabled(if: NetworkNamespaceLab.unavailableReason() == nil, "skipped: \(NetworkNamespaceLab.unavailableReason() ?? "")"))
struct NetworkNamespaceLabTests {
    /// What of `lab` is still visible to `ip` / `nft`.
    private func remains(_ lab: NetworkNamespaceLab, _ hosts: [NetworkHost]) -> [String] {
        let interfaces = Set(hosts.map(\.rootInterface))
        return NetworkNamespaceLab.leftovers()
            .filter { $0.name.hasPrefix(lab.namespacePrefix) || $0.name == lab.table || interfaces.contains($0.name) }
            .map { "\($0.kind) \($0.name)" }
    }

    @Test func partitionBothWaysThenHealThenCleanup() async throws {
        let lab = try NetworkNamespaceLab()
        let a = try lab.addHost("a")
        let b = try lab.addHost("b")
        #expect(a.address.hasPrefix("10.233.") && a.address != b.address && a.namespace == lab.namespacePrefix + "a")
        let echoA = try await LabProbe.tcpEcho(lab, "a")
        let echoB = try await LabProbe.tcpEcho(lab, "b")
        #expect(LabProbe.tcpWorks(a.address, echoA.port))
        #expect(LabProbe.tcpWorks(b.address, echoB.port))

        try lab.apply(.partition, to: "a")
        #expect(!LabProbe.tcpWorks(a.address, echoA.port))
        #expect(LabProbe.tcpWorks(b.address, echoB.port))  // only a is cut off
        #expect(lab.activeFaults["a"] == ["partition (both)"])
        #expect(try lab.ruleset().contains("drop"))

        try lab.heal("a")
        #expect(LabProbe.tcpWorks(a.address, echoA.port))

        try? await echoA.channel.close()
        try? await echoB.channel.close()
        let hosts = lab.hosts
        try lab.destroy()
        #expect(remains(lab, hosts).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: "/run/netns/\(a.namespace)"))
    }

    @Test func oneWayPartitionsSeenWithUDP() async throws {
        let lab = try NetworkNamespaceLab()
        defer { try? lab.destroy() }
        let a = try lab.addHost("a")
        let udp = try await LabProbe.udpEcho(lab, "a")
        defer { udp.channel.close(promise: nil) }
        #expect(LabProbe.udpEchoes(a.address, udp.port) == 1)

        // Root → host dropped: the host never sees the datagram.
        try lab.apply(.partition, to: "a", direction: .toHost)
        let before = udp.handler.received.load(ordering: .relaxed)
        #expect(LabProbe.udpEchoes(a.address, udp.port) == 0)
        #expect(udp.handler.received.load(ordering: .relaxed) == before)
        try lab.heal("a")

        // Host → root dropped: the host receives and answers, the answer is lost.
        try lab.apply(.partition, to: "a", direction: .fromHost)
        let seen = udp.handler.received.load(ordering: .relaxed)
        #expect(LabProbe.udpEchoes(a.address, udp.port) == 0)
        #expect(await pollUntil(seconds: 2) { udp.handler.received.load(ordering: .relaxed) == seen + 1 })
        try lab.heal("a")
        #expect(LabProbe.udpEchoes(a.address, udp.port) == 1)
    }

    @Test func synBlackholeStopsNewConnectionsOnly() async throws {
        let lab = try NetworkNamespaceLab()
        defer { try? lab.destroy() }
        let a = try lab.addHost("a")
        let echo = try await LabProbe.tcpEcho(lab, "a")
        defer { echo.channel.close(promise: nil) }
        let established = try #require(LabProbe.connect(a.address, echo.port))
        defer { close(established) }
        #expect(LabProbe.echo(established, Array("before".utf8)))

        try lab.apply(.synBlackhole, to: "a")
        #expect(LabProbe.connect(a.address, echo.port) == nil)
        #expect(LabProbe.echo(established, Array("during".utf8)))

        try lab.heal("a")
        #expect(LabProbe.tcpWorks(a.address, echo.port))
    }

    @Test func udpOnlyDropLeavesTCPAlone() async throws {
        let lab = try NetworkNamespaceLab()
        defer { try? lab.destroy() }
        let a = try lab.addHost("a")
        let tcp = try await LabProbe.tcpEcho(lab, "a")
        let udp = try await LabProbe.udpEcho(lab, "a")
        defer {
            tcp.channel.close(promise: nil)
            udp.channel.close(promise: nil)
        }
        try lab.apply(.udpDrop, to: "a")
        #expect(LabProbe.udpEchoes(a.address, udp.port) == 0)
        #expect(LabProbe.tcpWorks(a.address, tcp.port))
        try lab.heal("a")
        #expect(LabProbe.udpEchoes(a.address, udp.port) == 1)
    }

    @Test func rejectFailsFastInsteadOfHanging() async throws {
        let lab = try NetworkNamespaceLab()
        defer { try? lab.destroy() }
        let a = try lab.addHost("a")
        let tcp = try await LabProbe.tcpEcho(lab, "a")
        defer { tcp.channel.close(promise: nil) }
        try lab.apply(.reject, to: "a", direction: .toHost)
        let clock = ContinuousClock()
        let start = clock.now
        #expect(LabProbe.connect(a.address, tcp.port, timeoutMs: 2000) == nil)
        #expect(clock.now - start < .milliseconds(1500))  // refused at once, not timed out
    }

    @Test func probabilisticLossDropsSomeButNotAll() async throws {
        let lab = try NetworkNamespaceLab()
        defer { try? lab.destroy() }
        let a = try lab.addHost("a")
        let udp = try await LabProbe.udpEcho(lab, "a")
        defer { udp.channel.close(promise: nil) }
        try lab.apply(.loss(percent: 50), to: "a", direction: .toHost)
        _ = LabProbe.udpEchoes(a.address, udp.port, count: 400, timeoutMs: 300)
        // Binomial(400, 0.5): outside 100...300 has probability far below 1e-20.
        let arrived = udp.handler.received.load(ordering: .relaxed)
        #expect((100...300).contains(arrived), "arrived \(arrived) of 400")
    }

    @Test(.enabled(if: CommandRunner.which("tc") != nil, "skipped: 'tc' not found"))
    func bandwidthCapSlowsTransfers() async throws {
        let lab = try NetworkNamespaceLab()
        defer { try? lab.destroy() }
        let a = try lab.addHost("a")
        let echo = try await LabProbe.tcpEcho(lab, "a")
        defer { echo.channel.close(promise: nil) }
        try lab.apply(.bandwidth(kbitPerSecond: 1000), to: "a", direction: .toHost)
        let fd = try #require(LabProbe.connect(a.address, echo.port, timeoutMs: 5000))
        defer { close(fd) }
        let clock = ContinuousClock()
        let start = clock.now
        // 64 KiB at 1 Mbit/s ≈ 0.5 s (a little less thanks to the burst); uncapped it takes microseconds.
        #expect(LabProbe.echo(fd, [UInt8](repeating: 7, count: 65536)))
        #expect(clock.now - start > .milliseconds(300))
        try lab.heal("a")
    }

    @Test func runsCodeAndProcessesInsideAHost() async throws {
        let lab = try NetworkNamespaceLab()
        defer { try? lab.destroy() }
        let a = try lab.addHost("a")
        let inside = try await lab.run(in: "a") { if_nametoindex(a.hostInterface) != 0 && if_nametoindex(a.rootInterface) == 0 }
        #expect(inside)
        #expect(if_nametoindex(a.hostInterface) == 0 && if_nametoindex(a.rootInterface) != 0)
        let process = try lab.spawn(in: "a", ["ip", "link", "show", a.hostInterface])
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        let attached = try NetworkNamespaceLab.attach(ownerPID: lab.ownerPID, labNumber: lab.labNumber)
        #expect(attached.hosts == lab.hosts)
        #expect(NetworkNamespaceLab.liveLabs()["\(lab.ownerPID)/\(lab.labNumber)"] == ["a"])
    }

    @Test func staleLeftoversOfDeadOwnersAreRemovedOthersKept() async throws {
        // A pid that surely ended: a child that has exited and been reaped.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let dead = child.processIdentifier
        #expect(!NetworkNamespaceLab.isAlive(dead))
        try CommandRunner.run(["ip", "netns", "add", "fwdlab-\(dead)-0-ghost"])
        try CommandRunner.run(["ip", "link", "add", "fwl\(dead)r0", "type", "veth", "peer", "name", "fwl\(dead)n0"])
        try CommandRunner.run(["nft", "add", "table", "inet", "fwdlab_\(dead)_0"])

        let live = try NetworkNamespaceLab()  // removes stale leftovers on start
        defer { try? live.destroy() }
        let host = try live.addHost("keep")
        let left = NetworkNamespaceLab.leftovers()
        #expect(!left.contains { $0.owner == dead }, "\(left)")
        #expect(left.contains { $0.name == host.namespace } && left.contains { $0.name == live.table })
        #expect(NetworkNamespaceLab.removeStale().isEmpty || !NetworkNamespaceLab.leftovers().contains { $0.owner == dead })
        #expect(NetworkNamespaceLab.leftovers().contains { $0.name == host.namespace })
    }

    @Test func namesAndOwnersParse() {
        #expect(NetworkNamespaceLab.ownerPID(in: "fwdlab-123-0-rx", prefix: "fwdlab-") == 123)
        #expect(NetworkNamespaceLab.ownerPID(in: "fwdlab_77_1", prefix: "fwdlab_") == 77)
        #expect(NetworkNamespaceLab.ownerPID(in: "fwl4242r13", prefix: "fwl") == 4242)
        #expect(NetworkNamespaceLab.ownerPID(in: "fwlan0", prefix: "fwl") == nil)
        #expect(NetworkNamespaceLab.ownerPID(in: "fwdlabx-1-2", prefix: "fwdlab-") == nil)
        #expect(NetworkNamespaceLab.rootInterface(forHostInterface: "fwl99n3") == "fwl99r3")
        #expect(throws: NetworkLabError.self) { try NetworkNamespaceLab().addHost("Bad Name") }
    }
}
