import FluentdConfig
import ForwardProtocol
import Foundation

/// An output's `<inject>` section (plugin_helper/inject.rb): hostname, worker id, tag and time added to each record
/// before it is written (docs/pipeline.md, "inject").
public struct InjectConfig: Sendable, Equatable {
    /// `time_type` values the agent writes.
    public enum TimeType: String, Sendable, Equatable, CaseIterable {
        case float, unixtime
        case unixtimeMillis = "unixtime_millis", unixtimeMicros = "unixtime_micros", unixtimeNanos = "unixtime_nanos"
    }

    public var hostnameKey: String?
    public var hostname: String
    public var workerIDKey: String?
    public var tagKey: String?
    public var timeKey: String?
    public var timeType: TimeType = .float

    /// inject_values_to_record: hostname, worker id, tag, time, in that order (an existing key keeps its place).
    public func apply(_ record: [MessagePackPair], tag: String, time: EventTime, worker: Int) -> [MessagePackPair] {
        var r = record
        func set(_ key: String?, _ value: MessagePackValue) {
            guard let key else { return }
            if let i = r.firstIndex(where: { $0.key.stringValue == key }) { r[i].value = value } else { r.append(MessagePackPair(.str(key), value)) }
        }
        set(hostnameKey, .str(hostname))
        set(workerIDKey, .int(Int64(worker)))
        set(tagKey, .str(tag))
        let nanos = Int64(time.seconds) * 1_000_000_000 + Int64(time.nanoseconds)
        switch timeType {
        case .float: set(timeKey, .double(time.unixSeconds))
        case .unixtime: set(timeKey, .int(Int64(time.seconds)))
        case .unixtimeMillis: set(timeKey, .int(nanos / 1_000_000))
        case .unixtimeMicros: set(timeKey, .int(nanos / 1_000))
        case .unixtimeNanos: set(timeKey, .int(nanos))
        }
        return r
    }

    static func parse(_ element: ConfigElement, path: String, into ctx: inout ConfigBuildContext) throws -> InjectConfig {
        var r = SectionReader(element, path: path + " <inject>")
        let hostnameKey = try r.optionalString("hostname_key")
        let hostname = try r.optionalString("hostname") ?? SystemHostname.name()
        var c = InjectConfig(hostnameKey: hostnameKey, hostname: hostname)
        c.workerIDKey = try r.optionalString("worker_id_key")
        c.tagKey = try r.optionalString("tag_key")
        c.timeKey = try r.optionalString("time_key")
        if let p = element.param("time_type"), p.value == "string" {
            throw ConfigError("<inject> time_type string is not supported by the ForwardLab agent (it writes float, unixtime, unixtime_millis/micros/nanos); run this configuration on real Fluentd (fwdlab run --agent fluentd)", at: p.location)
        }
        c.timeType = try r.value("time_type", .enumeration(TimeType.allCases.map(\.rawValue)), default: .float) { $0.rawValue } map: {
            TimeType(rawValue: $0)!
        }
        try ctx.finish(r)
        return c
    }
}
