import Foundation

/// A real Fluentd to run as the agent under test: a source tree run by the system Ruby (the bundled releases), or a
/// user's own `fluentd` executable. See docs/fluentd-host.md.
public struct FluentdInstallation: Sendable, Equatable {
    /// The release, as Fluentd reports it (`1.16.9`).
    public var version: String
    /// The command line up to (not including) Fluentd's own arguments.
    public var command: [String]
    /// Environment entries the command needs on top of the inherited ones.
    public var environment: [String: String]
    /// Where it came from, for reports (`FWDLAB_FLUENTD_HOME/v1.16.9`, `/usr/bin/fluentd`).
    public var origin: String

    /// Where the bundled trees live: `FWDLAB_FLUENTD_HOME`, else `../shared/third_party/fluentd` from the
    /// working directory (the project's checkout).
    public static var home: String {
        if let h = ProcessInfo.processInfo.environment["FWDLAB_FLUENTD_HOME"], !h.isEmpty { return h }
        return (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent("../shared/third_party/fluentd")
    }

    /// Whether a missing Fluentd must fail instead of skip (`FWDLAB_REQUIRE_FLUENTD=1`, set by CI).
    public static var required: Bool { ProcessInfo.processInfo.environment["FWDLAB_REQUIRE_FLUENTD"] == "1" }

    /// The releases bundled under `home` (folders named `vX.Y.Z` holding `bin/fluentd`), oldest first.
    public static func bundledVersions(home: String = Self.home) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: home)) ?? []
        return names.filter { $0.hasPrefix("v") && FileManager.default.fileExists(atPath: "\(home)/\($0)/bin/fluentd") }
            .map { String($0.dropFirst()) }
            .sorted { versionKey($0).lexicographicallyPrecedes(versionKey($1)) }
    }

    /// Resolves an agent selector's Fluentd part: `nil` (the newest bundled 1.16 release, else `fluentd` on PATH),
    /// a version (`1.16.9`, looked up under `home`) or a path to a `fluentd` executable.
    public static func resolve(version: String? = nil, path: String? = nil, home: String = Self.home) throws -> FluentdInstallation {
        if let path {
            return try external(path: path)
        }
        let bundled = bundledVersions(home: home)
        if let version {
            guard bundled.contains(version) else {
                let have = bundled.isEmpty ? "none" : bundled.joined(separator: ", ")
                throw FluentdHostError.notInstalled(
                    "no Fluentd \(version) under \(home) (bundled: \(have)); set FWDLAB_FLUENTD_HOME or use --agent fluentd=/path/to/bin/fluentd")
            }
            return try bundledTree(version: version, home: home)
        }
        if let v = bundled.last(where: { $0.hasPrefix("1.16.") }) ?? bundled.last {
            return try bundledTree(version: v, home: home)
        }
        if let onPath = which("fluentd") { return try external(path: onPath) }
        throw FluentdHostError.notInstalled(
            "no Fluentd found: nothing under \(home) (FWDLAB_FLUENTD_HOME) and no fluentd on PATH")
    }

    /// A bundled source tree run by the system Ruby, with the environment its README prescribes.
    static func bundledTree(version: String, home: String) throws -> FluentdInstallation {
        let tree = (home as NSString).appendingPathComponent("v\(version)")
        guard let ruby = which("ruby") else {
            throw FluentdHostError.notInstalled(
                "Fluentd \(version) is bundled at \(tree) but ruby is not installed; run tools/setup.sh (it installs Debian's ruby and the gems Fluentd needs)")
        }
        var env = ["TZ": "UTC"]
        // Debian's serverengine 2.2 needs a shim the bundle ships beside the trees (see docs/fluentd-host.md).
        let compat = (home as NSString).appendingPathComponent("serverengine-2.2-compat.rb")
        if FileManager.default.fileExists(atPath: compat) {
            env["RUBYOPT"] = "-r" + (compat as NSString).standardizingPath
        }
        let lib = ((tree as NSString).appendingPathComponent("lib") as NSString).standardizingPath
        let bin = ((tree as NSString).appendingPathComponent("bin/fluentd") as NSString).standardizingPath
        return FluentdInstallation(version: version, command: [ruby, "-I", lib, bin], environment: env,
                                   origin: (tree as NSString).standardizingPath)
    }

    /// A user's own `fluentd` executable; its version comes from `fluentd --version`.
    static func external(path: String) throws -> FluentdInstallation {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw FluentdHostError.notInstalled("\(path) is not an executable fluentd")
        }
        let out = try run([path, "--version"], environment: [:], timeout: 30)
        guard let version = parseVersionOutput(out) else {
            throw FluentdHostError.notInstalled("\(path) --version printed no Fluentd version: \(out.prefix(200))")
        }
        return FluentdInstallation(version: version, command: [path], environment: [:], origin: path)
    }

    /// The version in `fluentd --version` output (`fluentd 1.16.9`).
    static func parseVersionOutput(_ text: String) -> String? {
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let parts = word.split(separator: ".")
            if parts.count >= 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) { return String(word) }
        }
        return nil
    }

    /// Checks the installation actually starts (`--version` through the same command line): catches a Ruby without
    /// the gems before a scenario waits for a process that died at once.
    public func verify() throws {
        let out = try Self.run(command + ["--version"], environment: environment, timeout: 60)
        guard Self.parseVersionOutput(out) == version else {
            throw FluentdHostError.notInstalled("\(origin) does not run: \(out.suffix(600))")
        }
    }

    /// Numeric components for ordering versions.
    static func versionKey(_ v: String) -> [Int] { v.split(separator: ".").map { Int($0) ?? 0 } }

    static func which(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// Runs a short command to completion (bounded) and returns its stdout and stderr.
    static func run(_ argv: [String], environment: [String: String], timeout: Double) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { throw FluentdHostError.notInstalled("cannot run \(argv[0]): \(error)") }
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning, Date() < deadline { usleep(20_000) }
        if p.isRunning {
            p.terminate()
            throw FluentdHostError.notInstalled("\(argv.joined(separator: " ")) did not finish within \(Int(timeout)) s")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Why real Fluentd cannot be used or did not behave.
public enum FluentdHostError: Error, CustomStringConvertible, Sendable {
    case notInstalled(String)
    case startFailed(String)

    public var description: String {
        switch self {
        case let .notInstalled(m): m
        case let .startFailed(m): m
        }
    }
}
