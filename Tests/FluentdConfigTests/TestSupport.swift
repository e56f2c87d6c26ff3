import Foundation
import FluentdConfig
import Testing

/// Options that make embedded Ruby deterministic in tests.
let testOptions = ConfigParseOptions(
    environment: ["FWDLAB_PORT": "25000", "FWDLAB_SHARED_KEY": "k3y", "EMPTY": "", "SERVERENGINE_WORKER_ID": "3", "HOME": "/home/fl"],
    hostname: "node7.dc1.example.com",
    currentDirectory: "/srv/fwdlab",
    interfaceAddresses: [
        .init(interface: "lo", address: "127.0.0.1", isIPv4: true),
        .init(interface: "eth0", address: "fe80::1", isIPv4: false),
        .init(interface: "eth0", address: "192.168.1.75", isIPv4: true),
    ]
)

/// Parses `text` as "test.conf" with `testOptions`.
func parse(_ text: String, options: ConfigParseOptions = testOptions) throws -> ConfigDocument {
    try ConfigDocument.parse(text: text, file: "test.conf", options: options)
}

/// The error `text` raises (nil if it parses).
func parseError(_ text: String, options: ConfigParseOptions = testOptions) -> ConfigError? {
    do {
        _ = try parse(text, options: options)
        return nil
    } catch let e as ConfigError {
        return e
    } catch {
        Issue.record("unexpected error type \(error)")
        return nil
    }
}

/// The value of `key` in the first section of a one-section document.
func value(_ line: String, key: String = "k") throws -> String? {
    try parse("<s>\n  \(line)\n</s>\n").root.children.first?[key]
}

/// A fresh temporary directory, removed by the caller.
func makeTempDir() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fluentdconfig-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func write(_ text: String, to path: String) throws {
    let dir = (path as NSString).deletingLastPathComponent
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}

/// The repository's fixtures/configs/syntax directory, found from this file even through a symlinked test dir.
let syntaxFixturesDirectory: String = {
    let here = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
    return here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/configs/syntax").path
}()
