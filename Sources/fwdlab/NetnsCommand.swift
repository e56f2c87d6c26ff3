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
            let lab = try target.attach()
            // Before the spawn, so no signal finds exec without its handler; a caught signal is back to its default
            // action in the command (an ignored one would stay ignored there).
            ChildSignalForwarder.install()
            let process = try lab.spawn(in: host, argv)
            ChildSignalForwarder.started(process.processIdentifier)
            process.waitUntilExit()
            switch process.terminationReason {
            case .uncaughtSignal: throw ExitCode(128 + process.terminationStatus)
            case .exit: if process.terminationStatus != 0 { throw ExitCode(process.terminationStatus) }
            @unknown default: throw ExitCode(1)
            }
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

/// `netns exec`'s SIGINT/SIGTERM handlers: each signal is sent on to the child, so the command stops with exec instead
/// of living on in a namespace whose lab is then removed. Plain sigaction handlers (not SIG_IGN and a dispatch source),
/// because a spawned command inherits ignored signals but starts with caught ones at their default action.
enum ChildSignalForwarder {
    /// The child's pid, 0 until it runs.
    static let child = ManagedAtomic<Int32>(0)
    /// A signal that came before the child existed; `started` sends it.
    static let pending = ManagedAtomic<Int32>(0)

    static func install() {
        // Both atomics are created here, not lazily inside the handler.
        _ = child.load(ordering: .relaxed)
        _ = pending.load(ordering: .relaxed)
        for number in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                let pid = ChildSignalForwarder.child.load(ordering: .acquiring)
                if pid > 0 { kill(pid, number) } else { ChildSignalForwarder.pending.store(number, ordering: .releasing) }
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = Int32(SA_RESTART)
            sigaction(number, &action, nil)
        }
    }

    /// Records the child and passes on a signal that arrived while it was being started.
    static func started(_ pid: Int32) {
        child.store(pid, ordering: .releasing)
        let early = pending.exchange(0, ordering: .acquiringAndReleasing)
        if early != 0 { kill(pid, early) }
    }
}
