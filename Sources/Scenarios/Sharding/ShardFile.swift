import Foundation

/// A shard's output, `shard-K-of-N.json` in its `--out` directory: the manifest and this shard's results (scenario
/// results for `fwdlab run`, raw run outcomes for `fwdlab tune`). `fwdlab report merge` reads these (docs/sharding.md).
public struct ShardFile: Sendable, Codable {
    /// Layout version of the file.
    public var format = 1
    public var manifest: ShardManifest
    /// `run`: this shard's scenario results, in suite order.
    public var scenarios: [SuiteSummary.Entry]?
    /// `tune`: this shard's runs and the input texts a merge needs to rebuild the engine.
    public var tune: TuneShardData?

    public init(manifest: ShardManifest, scenarios: [SuiteSummary.Entry]? = nil, tune: TuneShardData? = nil) {
        self.manifest = manifest
        self.scenarios = scenarios
        self.tune = tune
    }

    static let currentFormat = 1

    /// Writes `<directory>/shard-K-of-N.json` (directory created if needed); returns its path.
    public func write(to directory: String) throws(ShardError) -> String {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ShardError("\(directory): cannot create the output directory: \(error.localizedDescription)")
        }
        let path = (directory as NSString).appendingPathComponent(manifest.shard.fileName)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        do {
            try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ShardError("\(path): cannot write the shard file: \(error.localizedDescription)")
        }
        return path
    }

    /// Reads one shard file, naming it in every error.
    public static func load(path: String) throws(ShardError) -> ShardFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw ShardError("\(path): cannot read the shard file") }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let file: ShardFile
        do {
            file = try decoder.decode(ShardFile.self, from: data)
        } catch {
            throw ShardError("\(path): not a shard file of fwdlab run/tune --shard (\(Self.describe(error)))")
        }
        guard file.format == currentFormat else {
            throw ShardError("\(path): shard file format \(file.format); this fwdlab reads format \(currentFormat)")
        }
        do {
            _ = try ShardSpec(index: file.manifest.shard.index, count: file.manifest.shard.count)
        } catch {
            throw ShardError("\(path): \(error.message)")
        }
        return file
    }

    /// The shard files named by `paths`: a file itself, or every `shard-K-of-N.json` directly in a directory.
    /// A path with none is an error (a shard that never wrote its output must not be merged as if it had).
    public static func find(_ paths: [String]) throws(ShardError) -> [(path: String, file: ShardFile)] {
        var out: [(path: String, file: ShardFile)] = []
        for p in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else { throw ShardError("\(p): no such file or directory") }
            if !isDir.boolValue {
                out.append((p, try load(path: p)))
                continue
            }
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: p)) ?? [])
                .filter { $0.hasPrefix("shard-") && $0.hasSuffix(".json") && $0.contains("-of-") }.sorted()
            guard !names.isEmpty else {
                throw ShardError("\(p): no shard-K-of-N.json in it (not the --out of fwdlab run/tune --shard K/N, or that shard did not finish)")
            }
            for n in names {
                let path = (p as NSString).appendingPathComponent(n)
                out.append((path, try load(path: path)))
            }
        }
        return out
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case let DecodingError.keyNotFound(key, ctx): "missing '\(key.stringValue)' at \(path(ctx))"
        case let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx): "wrong value at \(path(ctx)): \(ctx.debugDescription)"
        case let DecodingError.dataCorrupted(ctx): "invalid JSON at \(path(ctx)): \(ctx.debugDescription)"
        default: "\(error)"
        }
    }

    private static func path(_ ctx: DecodingError.Context) -> String {
        let p = ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return p.isEmpty ? "the top level" : p
    }
}
