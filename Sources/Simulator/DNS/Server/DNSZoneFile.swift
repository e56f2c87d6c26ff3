import Foundation
import Yams

/// A zone description in YAML (`fwdlab dns --zone zone.yaml`): zones, names → addresses, TTL, behaviour.
public struct DNSZoneFile: Sendable {
    /// Zone apexes; names outside them are REFUSED. Empty: every listed name is its own zone.
    public var zones: [DNSName]
    public var names: [DNSName: DNSRecordSet]
    /// Negative-caching TTL (SOA minimum) for NXDOMAIN / NODATA.
    public var negativeTTL: UInt32

    public init(zones: [DNSName] = [], names: [DNSName: DNSRecordSet] = [:], negativeTTL: UInt32 = 5) {
        self.zones = zones
        self.names = names
        self.negativeTTL = negativeTTL
    }

    /// Reads and parses a file.
    public static func load(path: String) throws -> DNSZoneFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw DNSZoneFileError("cannot read zone file \(path): \(error.localizedDescription)")
        }
        return try parse(yaml: text)
    }

    /// Parses YAML text. Unknown keys are errors, so a typo does not silently change a scenario.
    public static func parse(yaml: String) throws -> DNSZoneFile {
        let root: Any?
        do {
            root = try Yams.load(yaml: yaml)
        } catch {
            throw DNSZoneFileError("zone file is not valid YAML: \(error)")
        }
        guard let top = root as? [String: Any] else { throw DNSZoneFileError("zone file must be a mapping with a 'names' key") }
        try checkKeys(top, allowed: ["zones", "ttl", "negative_ttl", "names"], at: "top level")
        var file = DNSZoneFile()
        let defaultTTL = try uint32(top["ttl"], "ttl") ?? 30
        file.negativeTTL = try uint32(top["negative_ttl"], "negative_ttl") ?? 5
        if let zones = top["zones"] {
            guard let list = zones as? [Any] else { throw DNSZoneFileError("'zones' must be a list of names") }
            file.zones = try list.map { try name($0, "zones") }
        }
        guard let names = top["names"] as? [String: Any] else { throw DNSZoneFileError("'names' must be a mapping of name → settings") }
        for (key, value) in names {
            let owner = try name(key, "names")
            let settings: [String: Any]
            if value is NSNull || value as? String == "" {
                settings = [:]
            } else if let list = value as? [Any] {
                settings = ["addresses": list]  // shorthand: name: [addr, addr]
            } else if let map = value as? [String: Any] {
                settings = map
            } else {
                throw DNSZoneFileError("names.\(key): expected a mapping or a list of addresses")
            }
            file.names[owner] = try recordSet(settings, at: "names.\(key)", defaultTTL: defaultTTL)
        }
        for zone in file.zones where file.names.keys.contains(where: { !$0.isSubdomain(of: zone) }) && file.zones.count == 1 {
            // Names outside the only zone would always be REFUSED: almost certainly a mistake.
            let outside = file.names.keys.filter { !$0.isSubdomain(of: zone) }.map(\.description).sorted()
            throw DNSZoneFileError("names outside zone \(zone): \(outside.joined(separator: ", "))")
        }
        return file
    }

    /// A fresh authority serving this file.
    public func makeAuthority(logCapacity: Int = 100_000) -> DNSAuthority {
        DNSAuthority(zones: zones, names: names, negativeTTL: negativeTTL, logCapacity: logCapacity)
    }

    /// Replaces an authority's names with this file's (reload on cue); zones are added, never removed.
    public func apply(to authority: DNSAuthority) {
        for zone in zones { authority.addZone(zone) }
        for old in authority.names where names[old] == nil { authority.remove(old) }
        for (owner, set) in names { authority.set(owner, set) }
    }

    private static func recordSet(_ s: [String: Any], at path: String, defaultTTL: UInt32) throws -> DNSRecordSet {
        try checkKeys(
            s, allowed: ["addresses", "a", "aaaa", "ttl", "behaviour", "behavior", "delay_ms", "rotate", "truncate_udp", "srv"], at: path)
        var set = DNSRecordSet(ttl: try uint32(s["ttl"], "\(path).ttl") ?? defaultTTL)
        for key in ["addresses", "a", "aaaa"] {
            guard let raw = s[key] else { continue }
            let list = (raw as? [Any]) ?? [raw]
            for item in list {
                let text = "\(item)"
                guard let address = DNSAddress(text) else { throw DNSZoneFileError("\(path).\(key): '\(text)' is not an IP address") }
                if key == "a" && address.recordType != .a || key == "aaaa" && address.recordType != .aaaa {
                    throw DNSZoneFileError("\(path).\(key): '\(text)' is the wrong address family")
                }
                set.add(address)
            }
        }
        if let raw = s["behaviour"] ?? s["behavior"] {
            guard let behaviour = DNSNameBehaviour(rawValue: "\(raw)".lowercased()) else {
                let allowed = DNSNameBehaviour.allCases.map(\.rawValue).joined(separator: ", ")
                throw DNSZoneFileError("\(path).behaviour: '\(raw)' is not one of \(allowed)")
            }
            set.behaviour = behaviour
        }
        if let ms = try uint32(s["delay_ms"], "\(path).delay_ms") { set.delay = .milliseconds(Int64(ms)) }
        if let raw = s["rotate"] {
            switch "\(raw)".lowercased() {
            case "true", "every_answer", "yes": set.rotation = .everyAnswer
            case "false", "on_cue", "no": set.rotation = .onCue
            default: throw DNSZoneFileError("\(path).rotate: expected every_answer or on_cue, got '\(raw)'")
            }
        }
        if let raw = s["srv"] {
            guard let list = raw as? [Any] else { throw DNSZoneFileError("\(path).srv: expected a list of {priority, weight, port, target}") }
            for (i, item) in list.enumerated() {
                let at = "\(path).srv[\(i)]"
                guard let m = item as? [String: Any] else { throw DNSZoneFileError("\(at): expected {priority, weight, port, target}") }
                try checkKeys(m, allowed: ["priority", "weight", "port", "target"], at: at)
                func field(_ k: String, required: Bool) throws -> UInt16 {
                    guard let v = m[k] else {
                        if required { throw DNSZoneFileError("\(at).\(k): required") }
                        return 0
                    }
                    guard let n = v as? Int, (0...65535).contains(n) else { throw DNSZoneFileError("\(at).\(k): expected 0-65535, got '\(v)'") }
                    return UInt16(n)
                }
                guard let target = m["target"] else { throw DNSZoneFileError("\(at).target: required") }
                set.srv.append(DNSSRV(priority: try field("priority", required: false), weight: try field("weight", required: false),
                                      port: try field("port", required: true), target: try name(target, "\(at).target")))
            }
        }
        if let raw = s["truncate_udp"] {
            guard let flag = raw as? Bool else { throw DNSZoneFileError("\(path).truncate_udp: expected true or false") }
            set.truncateUDP = flag
        }
        return set
    }

    private static func checkKeys(_ map: [String: Any], allowed: Set<String>, at path: String) throws {
        let unknown = map.keys.filter { !allowed.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw DNSZoneFileError("\(path): unknown key(s) \(unknown.joined(separator: ", ")); allowed: \(allowed.sorted().joined(separator: ", "))")
        }
    }

    private static func uint32(_ value: Any?, _ path: String) throws -> UInt32? {
        guard let value else { return nil }
        if let int = value as? Int, int >= 0, int <= Int(UInt32.max) { return UInt32(int) }
        throw DNSZoneFileError("\(path): expected a non-negative integer, got '\(value)'")
    }

    private static func name(_ value: Any, _ path: String) throws -> DNSName {
        do {
            return try DNSName(parsing: "\(value)")
        } catch {
            throw DNSZoneFileError("\(path): '\(value)' is not a valid DNS name")
        }
    }
}
