import Logging
import Testing

@testable import Agent

/// The formatter against lines captured from real Fluentd 1.16.9 (Debian 12's Ruby 3.1, TZ=UTC), run as
/// docs/agent-parameters.md ("Logging") describes: `<source> @type sample` and `<match> @type forward` to a closed
/// 127.0.0.1 port, supervised (`fluentd -c`), with `--no-supervisor`, with `-v`, and with `<system><log> format json`
/// and `time_format %Y-%m-%d %H:%M:%S.%N`. fixtures/fluentd-logs/ has no README allowing new files, so they are here.
@Suite struct FluentdLogFormatTests {
    /// The instant `yyyy-mm-dd hh:mm:ss.nanos` UTC.
    static func utc(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int, nanos: Int64 = 0) -> FluentdTimeFormat.Instant {
        let secs = FluentdTimeFormat.daysFromCivil(y, mo, d) * 86_400 + Int64(h * 3600 + mi * 60 + s)
        return .init(wallNanos: secs * 1_000_000_000 + nanos)
    }

    @Test("supervised text: a worker's line carries '#0 '")
    func supervisedText() {
        let captured = #"2026-12-07 11:48:12 +0000 [warn]: #0 failed to flush the buffer. retry_times=0 next_retry_time=2026-12-07 11:48:13 +0000 chunk="66209ccc6f51e9d907aa9704b268649a" error_class=Errno::ECONNREFUSED error="Connection refused - connect(2) for \"127.0.0.1\" port 24299""#
        let message = #"failed to flush the buffer. retry_times=0 next_retry_time=2026-12-07 11:48:13 +0000 chunk="66209ccc6f51e9d907aa9704b268649a" error_class=Errno::ECONNREFUSED error="Connection refused - connect(2) for \"127.0.0.1\" port 24299""#
        #expect(FluentdLogFormat().line(level: .warning, time: Self.utc(2026, 12, 7, 11, 48, 12), message: message) == captured)
    }

    @Test("--no-supervisor text: no worker prefix; metadata rendered as Ruby's inspect")
    func standaloneText() {
        let format = FluentdLogFormat(workerID: nil)
        let captured = "2026-12-07 11:47:12 +0000 [info]: starting fluentd worker pid=9441 ppid=9440 worker=0"
        let message = FluentdLogFormat.message("starting fluentd worker", metadata: ["pid": .stringConvertible(9441), "ppid": .stringConvertible(9440), "worker": .stringConvertible(0)])
        #expect(format.line(level: .info, time: Self.utc(2026, 12, 7, 11, 47, 12), message: message) == captured)
        let path = FluentdLogFormat.message("parsing config file is succeeded", metadata: ["path": .string("/tmp/fl/fluent.conf")])
        #expect(format.line(level: .info, time: Self.utc(2026, 12, 7, 11, 47, 12), message: path)
                == #"2026-12-07 11:47:12 +0000 [info]: parsing config file is succeeded path="/tmp/fl/fluent.conf""#)
    }

    @Test("-v: every text line names log.rb's own line for its level")
    func debugCaller() {
        let format = FluentdLogFormat(workerID: nil, showsCaller: true)
        let t = Self.utc(2026, 12, 7, 12, 9, 11)
        #expect(format.line(level: .debug, time: t, message: "rebuilding weight array lost_weight=0")
                == "2026-12-07 12:09:11 +0000 [debug]: fluent/log.rb:341:debug: rebuilding weight array lost_weight=0")
        #expect(format.line(level: .warning, time: t, message: "both of Plugin @id and path for <storage> are not specified. Using on-memory store.")
                == "2026-12-07 12:09:11 +0000 [warn]: fluent/log.rb:383:warn: both of Plugin @id and path for <storage> are not specified. Using on-memory store.")
        #expect(format.line(level: .info, time: t, message: "fluentd worker is now running worker=0")
                == "2026-12-07 12:09:11 +0000 [info]: fluent/log.rb:362:info: fluentd worker is now running worker=0")
        #expect(format.line(level: .trace, time: t, message: "x").contains("[trace]: fluent/log.rb:319:trace: x"))
    }

    @Test("json: time, level, message and, in a supervised worker, worker_id; sub-second time_format")
    func json() {
        let nanosFormat = "%Y-%m-%d %H:%M:%S.%N"
        let worker = FluentdLogFormat(style: .json, timeFormat: nanosFormat, workerID: 0)
        let message = #"adding forwarding server 'r1' host="127.0.0.1" port=24299 weight=60 plugin_id="object:5b4""#
        #expect(worker.line(level: .info, time: Self.utc(2026, 12, 7, 12, 9, 0, nanos: 371_339_706), message: message)
                == #"{"time":"2026-12-07 12:09:00.371339706","level":"info","message":"adding forwarding server 'r1' host=\"127.0.0.1\" port=24299 weight=60 plugin_id=\"object:5b4\"","worker_id":0}"#)
        let standalone = FluentdLogFormat(style: .json, timeFormat: nanosFormat, workerID: nil)
        let flush = #"failed to flush the buffer. retry_times=0 next_retry_time=2026-12-07 12:08:54 +0000 chunk="6620a16bed4535118a091e222df39eee" error_class=Errno::ECONNREFUSED error="Connection refused - connect(2) for \"127.0.0.1\" port 24299""#
        #expect(standalone.line(level: .warning, time: Self.utc(2026, 12, 7, 12, 8, 53, nanos: 68_833_516), message: flush)
                == #"{"time":"2026-12-07 12:08:53.068833516","level":"warn","message":"failed to flush the buffer. retry_times=0 next_retry_time=2026-12-07 12:08:54 +0000 chunk=\"6620a16bed4535118a091e222df39eee\" error_class=Errno::ECONNREFUSED error=\"Connection refused - connect(2) for \\\"127.0.0.1\\\" port 24299\""}"#)
        // A multi-line message (Fluentd's configuration dump) stays one JSON line; the caller never appears in json.
        let debugJSON = FluentdLogFormat(style: .json, workerID: nil, showsCaller: true)
        #expect(debugJSON.line(level: .debug, time: Self.utc(2026, 12, 7, 0, 0, 0), message: "a\nb")
                == #"{"time":"2026-12-07 00:00:00 +0000","level":"debug","message":"a\nb"}"#)
    }

    @Test("metadata values: strings quoted, numbers and booleans bare, arrays and hashes as Ruby prints them")
    func values() {
        struct Refused: Error, CustomStringConvertible { var description: String { "Connection refused" } }
        let m = FluentdLogFormat.message("m", metadata: [
            "a": .string("say \"hi\"\n"), "b": .stringConvertible(16.06), "c": .stringConvertible(16.0), "d": .stringConvertible(true),
            "e": .array([.string("x"), .stringConvertible(1)]), "f": .dictionary(["k": .string("v")]),
        ])
        #expect(m == #"m a="say \"hi\"\n" b=16.06 c=16.0 d=true e=["x", 1] f={"k"=>"v"}"#)
        #expect(FluentdLogFormat.message("failed", metadata: ["error": .stringConvertible(Refused())])
                == #"failed error_class=Refused error="Connection refused""#)
        #expect(FluentdLogFormat.message("plain", metadata: [:]) == "plain")
        #expect(FluentdLogFormat.levelName(.notice) == "info" && FluentdLogFormat.levelName(.critical) == "fatal")
    }

    @Test("colours only when asked: Fluentd's escape per level around the line")
    func colors() {
        let line = FluentdLogFormat(colored: true).line(level: .warning, time: Self.utc(2026, 1, 1, 0, 0, 0), message: "x")
        #expect(line == "\u{1B}[1;33m2026-01-01 00:00:00 +0000 [warn]: #0 x\u{1B}[0;39m")
    }
}
