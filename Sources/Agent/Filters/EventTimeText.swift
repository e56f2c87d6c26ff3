import ForwardProtocol
import Foundation

/// An event time as Fluentd prints it in the process's time zone (docs/pipeline.md, "How values are written").
public enum EventTimeText {
    /// The event time as an `Instant` in the local zone (Fluentd's `Time.at(time)` is local time).
    public static func instant(_ time: EventTime) -> FluentdTimeFormat.Instant {
        var secs = time_t(time.seconds)
        var parts = tm()
        localtime_r(&secs, &parts)
        let zone = parts.tm_zone.map { String(cString: $0) } ?? "UTC"
        return .init(wallNanos: Int64(time.seconds) * 1_000_000_000 + Int64(time.nanoseconds), utcOffset: Int(parts.tm_gmtoff),
                     zoneName: zone)
    }

    /// `Time.at(time).to_s`: `2025-12-06 05:46:40 +0000` (record_transformer's `${time}`).
    public static func rubyTimeToS(_ time: EventTime) -> String {
        FluentdTimeFormat.format("%Y-%m-%d %H:%M:%S %z", instant(time))
    }

    /// out_stdout's time: `2025-12-06 05:46:40.000000000 +0000`.
    public static func stdout(_ time: EventTime) -> String {
        FluentdTimeFormat.format("%Y-%m-%d %H:%M:%S.%N %z", instant(time))
    }
}

/// The host name as Ruby's `Socket.gethostname` returns it (gethostname(2), not a resolved FQDN): record_transformer's
/// `${hostname}` and `<inject>`'s default `hostname`.
public enum SystemHostname {
    public static func name() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count) == 0 else { return ProcessInfo.processInfo.hostName }
        let bytes = buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
