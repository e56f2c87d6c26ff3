#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One reading of CLOCK_MONOTONIC and CLOCK_REALTIME taken back to back.
public struct ClockReading: Sendable, Codable, Equatable {
    public var monotonicNanos: Int64
    public var wallNanos: Int64

    public init(monotonicNanos: Int64, wallNanos: Int64) {
        self.monotonicNanos = monotonicNanos
        self.wallNanos = wallNanos
    }

    /// Reads both clocks now. The wall reading is bracketed by two monotonic readings and paired with their
    /// midpoint, so the pairing error is at most half the bracket (tens of nanoseconds).
    public static func now() -> ClockReading {
        var a = timespec(), w = timespec(), b = timespec()
        clock_gettime(CLOCK_MONOTONIC, &a)
        clock_gettime(CLOCK_REALTIME, &w)
        clock_gettime(CLOCK_MONOTONIC, &b)
        func ns(_ t: timespec) -> Int64 { Int64(t.tv_sec) &* 1_000_000_000 &+ Int64(t.tv_nsec) }
        return ClockReading(monotonicNanos: ns(a) + (ns(b) - ns(a)) / 2, wallNanos: ns(w))
    }
}

/// Maps capture timestamps onto CLOCK_MONOTONIC, the clock a scenario run, the agent's event stream and the
/// receivers' ledgers share.
///
/// Linux stamps captured packets with CLOCK_REALTIME (the kernel's `ktime_get_real`), and pcap files carry that
/// wall time. The wall clock can be slewed by NTP (up to 500 ppm: 15 ms over a 30 s run) or stepped, so a single
/// offset taken at the start is not enough for millisecond comparisons. Two readings, one when the capture starts
/// and one when it stops, give a linear map that absorbs a constant slew; `wallDriftNanos` says how far the two
/// clocks moved apart, so a step during the run is visible instead of silently shifting every packet.
public struct CaptureClockMapping: Sendable, Codable, Equatable {
    public var start: ClockReading
    public var end: ClockReading

    public init(start: ClockReading, end: ClockReading) {
        self.start = start
        self.end = end
    }

    /// How much further the wall clock moved than the monotonic clock between the two readings (0 when they agree).
    public var wallDriftNanos: Int64 {
        (end.wallNanos - start.wallNanos) - (end.monotonicNanos - start.monotonicNanos)
    }

    /// The monotonic time at which the wall clock read `wallNanos` (interpolated; extrapolated outside the readings).
    public func monotonicNanos(wallNanos: Int64) -> Int64 {
        let wallSpan = end.wallNanos - start.wallNanos
        let monoSpan = end.monotonicNanos - start.monotonicNanos
        // A wall clock stepped backwards (or readings too close to measure a rate): fall back to the start offset.
        guard wallSpan > 1_000_000, monoSpan > 0 else { return start.monotonicNanos + (wallNanos - start.wallNanos) }
        let rate = Double(monoSpan) / Double(wallSpan)
        return start.monotonicNanos + Int64((Double(wallNanos - start.wallNanos) * rate).rounded())
    }

    /// Seconds from `origin` (monotonic nanoseconds) to the moment the wall clock read `wallNanos`.
    public func seconds(wallNanos: Int64, sinceMonotonicNanos origin: Int64) -> Double {
        Double(monotonicNanos(wallNanos: wallNanos) - origin) / 1e9
    }
}
