import Testing

@testable import Agent

/// `time_format` against Ruby 3.1's `Time#strftime` (expected strings printed by Ruby for the same instants).
@Suite struct FluentdTimeFormatTests {
    @Test("every directive against Ruby's output")
    func directives() {
        let t = FluentdTimeFormat.Instant(wallNanos: 1_765_108_092_123_456_789)
        let pattern = "%a %A %b %B %e %j %k %I %l %p %P %s %u %w %T %F %D %R %r %C %y %3N %L %6N %N %12N %-m %:z %Z %%"
        #expect(FluentdTimeFormat.format(pattern, t)
                == "Sun Sunday Dec December  7 341 11 11 11 AM am 1765108092 7 0 11:48:12 2025-12-07 12/07/25 11:48 11:48:12 AM 20 25 123 123 123456 123456789 123456789000 12 +00:00 UTC %")
    }

    @Test("offsets and truncated fractions")
    func offsets() {
        let late = FluentdTimeFormat.Instant(wallNanos: 1_765_108_092_999_999_999, utcOffset: 9 * 3600, zoneName: "JST")
        #expect(FluentdTimeFormat.format("%Y-%m-%d %H:%M:%S.%3N %z %:z", late) == "2025-12-07 20:48:12.999 +0900 +09:00")
        let west = FluentdTimeFormat.Instant(wallNanos: 1_765_108_092_000_000_005, utcOffset: -(5 * 3600 + 1800))
        #expect(FluentdTimeFormat.format("%Y-%m-%d %H:%M:%S.%N %z", west) == "2025-12-07 06:18:12.000000005 -0530")
        #expect(FluentdTimeFormat.format("%F %j %a", .init(wallNanos: 951_782_400 * 1_000_000_000)) == "2000-02-29 060 Tue")
    }

    @Test("directives the agent does not know are reported (a config error)")
    func unsupported() {
        #expect(FluentdTimeFormat.unsupportedDirective(in: FluentdLogFormat.defaultTimeFormat) == nil)
        #expect(FluentdTimeFormat.unsupportedDirective(in: "%Y-%m-%d %H:%M:%S.%N") == nil)
        #expect(FluentdTimeFormat.unsupportedDirective(in: "%Y %G") == "%G")
        #expect(FluentdTimeFormat.unsupportedDirective(in: "trailing %") == "%")
        #expect(FluentdTimeFormat.format("%Q", .init(wallNanos: 0)) == "%Q")
    }
}
