import FluentdConfig
import Testing

@Suite struct EmbeddedRubyTests {
    func eval(_ code: String) throws -> String? {
        try parse("k \"#{\(code)}\"").root["k"]
    }

    @Test func environment() throws {
        #expect(try eval("ENV['FWDLAB_PORT']") == "25000")
        #expect(try eval(#"ENV["FWDLAB_SHARED_KEY"]"#) == "k3y")
        #expect(try eval("ENV['NOT_SET']") == "")
        #expect(try eval("ENV['NOT_SET'] || 'fallback'") == "fallback")
        #expect(try eval("ENV['EMPTY'] || 'fallback'") == "")  // "" is truthy in Ruby
        #expect(try eval("ENV.fetch('NOT_SET', 'd')") == "d")
        #expect(try eval("ENV.fetch('FWDLAB_PORT')") == "25000")
        #expect(throwsConfigError { _ = try eval("ENV.fetch('NOT_SET')") }?.message.contains("key not found") == true)
        #expect(try eval("::ENV['FWDLAB_PORT']") == "25000")
    }

    @Test func hostnameForms() throws {
        #expect(try eval("Socket.gethostname") == "node7.dc1.example.com")
        #expect(try eval("Socket.gethostname.split('.')[0]") == "node7")
        #expect(try eval(#"Socket.gethostname.split(".").first"#) == "node7")
        #expect(try eval("Socket.gethostname.split('.')[-1]") == "com")
        #expect(try eval("hostname") == "node7.dc1.example.com")
        #expect(try eval("worker_id") == "3")
        #expect(try eval("hostname.upcase") == "NODE7.DC1.EXAMPLE.COM")
    }

    @Test func interpolationMixesWithText() throws {
        #expect(try parse("k \"pre-#{worker_id}-mid-#{ENV['FWDLAB_PORT']}-post\"").root["k"] == "pre-3-mid-25000-post")
        #expect(try parse("k \"#{}\"").root["k"] == "")
        #expect(try parse(##"k "#{"}"}""##).root["k"] == "}")
    }

    @Test func filesDirsAndInterfaces() throws {
        #expect(try eval("Dir.pwd") == "/srv/fwdlab")
        #expect(try eval("File.join(Dir.pwd, 'test', 'tmp')") == "/srv/fwdlab/test/tmp")
        #expect(try eval("File.expand_path './tmp/data.log'") == "/srv/fwdlab/tmp/data.log")
        #expect(try eval("File.expand_path('../x', '/a/b')") == "/a/x")
        #expect(try eval("File.expand_path('~/x')") == "/home/fl/x")
        #expect(try eval("'worker' + worker_id") == "worker3")
        let ip = "Socket.getifaddrs.select{|i| i.addr.ipv4? }.reject{|i| i.addr.ip_address == '127.0.0.1' }.first.addr.ip_address"
        #expect(try eval(ip) == "192.168.1.75")
        #expect(try eval("Socket.getifaddrs.map{|i| i.name}.join(',')") == "lo,eth0,eth0")
    }

    @Test func anythingElseIsAClearError() throws {
        for code in ["test", "1+", "system('ls')", "`id`", "File.read('/etc/passwd')", "ENV", "x = 1", "Time.now",
                     "[1].each { |x| x }", "use_nil", "Socket.gethostname.gsub('.', '-')", "#", "ENV['A'"] {
            let e = try #require(parseError("<s>\n  k \"#{\(code)}\"\n</s>"), "\(code)")
            #expect(e.line == 2, "\(code)")
            #expect(e.message.contains("embedded Ruby") || e.message.contains("unterminated"), "\(code): \(e.message)")
        }
    }

    @Test func systemHostnameIsAvailable() throws {
        let doc = try ConfigDocument.parse(text: "k \"#{Socket.gethostname}\"", options: ConfigParseOptions(environment: [:]))
        #expect(doc.root["k"]?.isEmpty == false)
    }
}
