import ArgumentParser
import Atomics
import Foundation
import Simulator

#if canImport(Glibc)
import Glibc
#endif

/// `fwdlab netns`: network-namespace hosts for receivers and real partitions between them and this machine.
struct NetnsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netns",
        abstract: "Network-namespace hosts and real partitions (root only).",
        discussion: """
            `up` creates hosts and keeps them while it runs (Ctrl-C removes them); the other subcommands act \
            on a running lab from another shell. Faults use nftables in a table of the lab's own, bandwidth \
            caps use tc tbf. Addresses are 10.233.x.y/30 links that exist only between this machine's root \
            namespace and the lab's namespaces.
            """,
        subcommands: [Up.self, List.self, Fault.self, Heal.self, Exec.self, Rules.self, Cleanup.self])

    /// Which lab to act on.
    struct LabOption: ParsableArguments {
        @Option(help: "Lab as PID/N (see `fwdlab netns list`); default: the only live lab.")
        var lab: String?

        func attach() throws -> NetworkNamespaceLab {
            if let reason = NetworkNamespaceLab.unavailableReason() { throw ValidationError(reason) }
            let key: String
            if let lab {
                key = lab
            } else {
                let live = NetworkNamespaceLab.liveLabs().keys.sorted()
                guard live.count == 1 else {
                    throw ValidationError(live.isEmpty ? "no live lab: start one with `fwdlab netns up --hosts a,b`" : "several live labs (\(live.joined(separator: ", "))): pass --lab")
                }
                key = live[0]
            }
            let parts = key.split(separator: "/")
            guard parts.count == 2, let pid = Int32(parts[0]), let number = Int(parts[1]) else { throw ValidationError("--lab must look like PID/N") }
            return try NetworkNamespaceLab.attach(ownerPID: pid, labNumber: number)
        }
    }

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create hosts and keep them until interrupted.")

        @Option(help: "Comma-separated host names (1-12 of a-z0-9).")
        var hosts: String

        func run() async throws {
            if let reason = NetworkNamespaceLab.unavailableReason() { throw ValidationError(reason) }
            let lab = try NetworkNamespaceLab()
            do {
                for name in hosts.split(separator: ",") { try lab.addHost(String(name)) }
            } catch {
                try? lab.destroy()
                throw error
            }
            var text = "lab \(lab.ownerPID)/\(lab.labNumber) (nft table inet \(lab.table))\n"
            for host in lab.hosts {
                text += "  \(host.name)\t\(host.address)\tnetns \(host.namespace)\tvia \(host.rootInterface) \(host.rootAddress)\n"
            }
            text += "Ctrl-C removes everything.\n"
            // Caught before the addresses are printed, so a script that signals as soon as it reads them is heard.
            let signals = SignalStream.signals([SIGINT, SIGTERM])
            // Written unbuffered so a script reading the addresses sees them while the lab runs.
            FileHandle.standardOutput.write(Data(text.utf8))
            for await _ in signals { break }
            try lab.destroy()
            print("lab \(lab.ownerPID)/\(lab.labNumber) removed")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List live labs and their hosts.")

        func run() async throws {
            let live = NetworkNamespaceLab.liveLabs()
            if live.isEmpty { print("no live labs") }
            for key in live.keys.sorted() {
                let parts = key.split(separator: "/")
                guard parts.count == 2, let pid = Int32(parts[0]), let n = Int(parts[1]),
                    let lab = try? NetworkNamespaceLab.attach(ownerPID: pid, labNumber: n)
                else { continue }
                print("lab \(key)")
                for host in lab.hosts { print("  \(host.name)\t\(host.address)\tnetns \(host.namespace)") }
            }
            let stale = NetworkNamespaceLab.leftovers().filter { !NetworkNamespaceLab.isAlive($0.owner) }
            if !stale.isEmpty { print("stale (owner gone; `fwdlab netns cleanup` removes): \(stale.map { "\($0.kind) \($0.name)" }.joined(separator: ", "))") }
        }
    }

    struct Fault: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a fault on the link to a host: partition, loss, syn-blackhole, udp-drop, reject, bandwidth.")

        @Argument(help: "Host name.")
        var host: String

        @Option(help: "partition | loss | syn-blackhole | udp-drop | reject | bandwidth")
        var kind: String = "partition"

        @Option(help: "both | to-host | from-host")
        var direction: String = "both"

        @Option(help: "Loss probability in percent (for --kind loss).")
        var percent: Int?

        @Option(help: "Rate in kbit/s (for --kind bandwidth).")
        var kbit: Int?

        @OptionGroup var target: LabOption

        func run() async throws {
            guard let direction = NetworkDirection(rawValue: direction) else { throw ValidationError("--direction must be both, to-host or from-host") }
            let fault: NetworkFault
            switch kind {
            case "partition": fault = .partition
            case "loss":
                guard let percent, (1...100).contains(percent) else { throw ValidationError("--kind loss needs --percent 1...100") }
                fault = .loss(percent: percent)
            case "syn-blackhole": fault = .synBlackhole
            case "udp-drop": fault = .udpDrop
            case "reject": fault = .reject
            case "bandwidth":
                guard let kbit, kbit > 0 else { throw ValidationError("--kind bandwidth needs --kbit N") }
                fault = .bandwidth(kbitPerSecond: kbit)
            default: throw ValidationError("unknown --kind \(kind)")
            }
            let lab = try target.attach()
            try lab.apply(fault, to: host, direction: direction)
            print("\(host): \(fault) (\(direction.rawValue))")
        }
    }

    struct Heal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove every fault on a host's link (or all with --all).")

        @Argument(help: "Host name.")
        var host: String?

        @Flag(help: "Heal every host.")
        var all = false

        @OptionGroup var target: LabOption

        func run() async throws {
            let lab = try target.attach()
            if all {
                try lab.healAll()
            } else if let host {
                try lab.heal(host)
            } else {
                throw ValidationError("name a host or pass --all")
            }
            print("healed \(all ? "all hosts" : host ?? "")")
        }
    }

    struct Exec: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a command inside a host's namespace (e.g. a receiver).",
            discussion: """
                SIGINT and SIGTERM are passed on to the command, and exec exits when the command has: with its exit \
                status, or 128 + the signal that ended it. --lab goes before the host name (everything after the \
                host is the command).
                """)

        @Argument(help: "Host name.")
        var host: String

        @Argument(parsing: .captureForPassthrough, help: "The command and its arguments (after --).")
        var command: [String] = []

        @OptionGroup var target: LabOption

        func run() async throws {
            let argv = command.first == "--" ? Array(command.dropFirst()) : command
            guard !argv.isEmpty else { throw ValidationError("give a command after --") }
            let namespace = try target.attach().host(host).namespace
            guard let ip = CommandRunner.which("ip") else { throw ValidationError("the ip tool is missing") }
            // Caught before the spawn, so a signal never finds exec without its handler.
            let forwarder = ChildSignalForwarder([SIGINT, SIGTERM])
            defer { forwarder.cancel() }
            let pid: pid_t
            do {
                pid = try ChildSignalForwarder.spawn(ip, ["netns", "exec", namespace] + argv, resetting: [SIGINT, SIGTERM])
            } catch {
                throw ValidationError("cannot start \(argv[0]) in \(namespace): \(error)")
            }
            forwarder.started(pid)
            let status = ChildSignalForwarder.wait(pid)
            if status != 0 { throw ExitCode(status) }
        }
    }

    struct Rules: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the lab's nftables rules with counters.")

        @OptionGroup var target: LabOption

        func run() async throws {
            print(try target.attach().ruleset())
        }
    }

    struct Cleanup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove leftovers of labs whose owner process is gone.")

        @Option(help: "Also remove everything owned by this pid, even if it is alive.")
        var pid: Int32?

        func run() async throws {
            if let reason = NetworkNamespaceLab.unavailableReason() { throw ValidationError(reason) }
            var removed = NetworkNamespaceLab.removeStale()
            if let pid { removed += NetworkNamespaceLab.removeAll(ownedBy: pid) }
            print(removed.isEmpty ? "nothing to remove" : removed.map { "removed \($0)" }.joined(separator: "\n"))
        }
    }
}

/// `netns exec`'s child and its signals: SIGINT and SIGTERM are sent on to the child, so the command stops with exec
/// instead of living on in a namespace whose lab is later removed.
final class ChildSignalForwarder {
    /// The child's pid, 0 until it runs.
    private let child = ManagedAtomic<Int32>(0)
    /// A signal that came before the child existed; `started` sends it.
    private let pending = ManagedAtomic<Int32>(0)
    private let sources: [any DispatchSourceSignal]

    /// Catches `numbers` as SignalStream does: ignored, and read by a dispatch source.
    init(_ numbers: [Int32]) {
        var sources: [any DispatchSourceSignal] = []
        let child = self.child
        let pending = self.pending
        for number in numbers {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let pid = child.load(ordering: .acquiring)
                if pid > 0 { kill(pid, number) } else { pending.store(number, ordering: .releasing) }
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    /// Records the child and passes on a signal that arrived while it was being started.
    func started(_ pid: pid_t) {
        child.store(pid, ordering: .releasing)
        let early = pending.exchange(0, ordering: .acquiringAndReleasing)
        if early != 0 { kill(pid, early) }
    }

    func cancel() { sources.forEach { $0.cancel() } }

    struct SpawnError: Error, CustomStringConvertible {
        var errno: Int32
        var description: String { String(cString: strerror(errno)) }
    }

    /// Starts `path` with `arguments`, no signal blocked and `resetting` at their default action. Foundation's Process
    /// would hand the child this process's ignored signals and the spawning thread's mask, in which Swift
    /// concurrency's threads block most signals: a forwarded SIGTERM would then never reach the command.
    static func spawn(_ path: String, _ arguments: [String], resetting: [Int32]) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in resetting { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, nil, &attributes, argv, envp)
        guard rc == 0 else { throw SpawnError(errno: rc) }
        return pid
    }

    /// Waits for `pid` to end: its exit status, or 128 + the signal that ended it.
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            if errno != EINTR { return 1 }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
