import Foundation

/// Writes a target's generated seeds as `DIR/gen-NNNN` (tools/fuzz.sh adds the fixture files beside them).
func writeSeeds(_ target: FuzzTarget, to directory: String) -> Int {
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let seeds = target.seeds()
    for (i, seed) in seeds.enumerated() {
        let path = (directory as NSString).appendingPathComponent(String(format: "gen-%04d", i))
        _ = FileManager.default.createFile(atPath: path, contents: Data(seed))
    }
    return seeds.count
}

#if FUZZING

// The libFuzzer build (tools/fuzz.sh). SwiftPM links an executable with `main` defined as this module's entry point
// (`--defsym main=fwdlab_fuzz_main`), so libFuzzer's own `main` is never linked; this entry point starts libFuzzer
// with `LLVMFuzzerRunDriver` instead, found with dlsym (the build exports it: `--export-dynamic-symbol`). The target
// comes from FWDLAB_FUZZ_TARGET; FWDLAB_FUZZ_WRITE_SEEDS=DIR writes the generated seeds and exits.

let selectedFuzzTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["FWDLAB_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTargets.named(name) else {
        FileHandle.standardError.write(Data(
            "fwdlab-fuzz: set FWDLAB_FUZZ_TARGET to one of: \(FuzzTargets.all.map(\.name).joined(separator: " "))\n".utf8))
        exit(2)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes: [UInt8] = if let data, size > 0 { Array(UnsafeBufferPointer(start: data, count: size)) } else { [] }
    selectedFuzzTarget.run(bytes)
    return 0
}

@main
enum FuzzMain {
    typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    typealias RunDriver = @convention(c) (
        UnsafeMutablePointer<CInt>, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>, TestOneInput
    ) -> CInt

    static func main() {
        let target = selectedFuzzTarget
        if let directory = ProcessInfo.processInfo.environment["FWDLAB_FUZZ_WRITE_SEEDS"], !directory.isEmpty {
            print("fwdlab-fuzz: \(writeSeeds(target, to: directory)) generated seeds for \(target.name) in \(directory)")
            exit(0)
        }
        // Warm-up: the targets' lazily built state (the DNS responder's zone, the receivers' settings) is created
        // here, not inside the first input, where LeakSanitizer would count it as that input's leak.
        for seed in target.seeds() { target.run(seed) }
        target.run([])
        guard let symbol = dlsym(nil, "LLVMFuzzerRunDriver") else {
            FileHandle.standardError.write(Data("fwdlab-fuzz: LLVMFuzzerRunDriver not found (build with tools/fuzz.sh)\n".utf8))
            exit(2)
        }
        let runDriver = unsafeBitCast(symbol, to: RunDriver.self)
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(runDriver(&argc, &argv, fuzzTestOneInput))
    }
}

#else

/// The normal build: a corpus replayer and regression runner.
///
///     fwdlab-fuzz list                      the targets and what each covers
///     fwdlab-fuzz TARGET FILE|DIR...        every file (a directory: every file in it) through TARGET; exit 0
///     fwdlab-fuzz seeds TARGET DIR          write TARGET's generated seeds into DIR
///
/// An input that breaks a target aborts the process (non-zero exit), as it would crash the fuzzer.
@main
enum Replayer {
    static func main() {
        var args = Array(CommandLine.arguments.dropFirst())
        guard let command = args.first else { usage() }
        args.removeFirst()
        switch command {
        case "list":
            for t in FuzzTargets.all { print("\(t.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(t.summary)") }
        case "seeds":
            guard args.count == 2, let target = FuzzTargets.named(args[0]) else { usage() }
            print("\(writeSeeds(target, to: args[1])) generated seeds for \(target.name) in \(args[1])")
        default:
            guard let target = FuzzTargets.named(command) else {
                fail("unknown target '\(command)'; targets: \(FuzzTargets.all.map(\.name).joined(separator: " "))")
            }
            var files: [String] = []
            for path in args {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { fail("no such file: \(path)") }
                if isDirectory.boolValue {
                    let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                    for name in names.sorted() {
                        let full = (path as NSString).appendingPathComponent(name)
                        var sub: ObjCBool = false
                        if FileManager.default.fileExists(atPath: full, isDirectory: &sub), !sub.boolValue { files.append(full) }
                    }
                } else {
                    files.append(path)
                }
            }
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { fail("cannot read \(file)") }
                target.run(Array(data))
            }
            print("\(target.name): \(files.count) inputs, no crash")
        }
    }

    static func usage() -> Never {
        fail("usage: fwdlab-fuzz list | fwdlab-fuzz TARGET FILE|DIR... | fwdlab-fuzz seeds TARGET DIR")
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("fwdlab-fuzz: \(message)\n".utf8))
        exit(2)
    }
}

#endif
