import ForwardProtocol

/// out_stdout's line (formatter_stdout.rb): `time tag: record\n`, the time as `%Y-%m-%d %H:%M:%S.%N %z` in the local
/// zone, the record as JSON (`output_type json`) or Ruby's inspect (`hash`). Checked byte for byte against Fluentd
/// 1.16.9 (docs/pipeline.md, "stdout").
public enum StdoutFormat {
    public static func line(tag: String, time: EventTime, record: [MessagePackPair], type: StdoutOutputConfig.OutputType) -> String {
        let body = type == .json ? RubyValueText.json(.map(record)) : RubyValueText.inspect(.map(record))
        return "\(EventTimeText.stdout(time)) \(tag): \(body)\n"
    }
}
