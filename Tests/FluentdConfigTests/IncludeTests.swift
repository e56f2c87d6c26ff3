import Foundation
import FluentdConfig
import Testing

@Suite struct IncludeTests {
    @Test func relativeGlobSortedAndNestedDirectories() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write("<system>\n  workers 1\n</system>\n@include conf.d/*.conf\n<match **>\n  @type null\n</match>\n", to: dir + "/main.conf")
        try write("<source>\n  @type b\n</source>\n", to: dir + "/conf.d/20-b.conf")
        try write("<source>\n  @type a\n</source>\n@include ../shared/common.conf\n", to: dir + "/conf.d/10-a.conf")
        try write("<source>\n  @type c\n</source>\n", to: dir + "/conf.d/30-c.conf")
        try write("ignored\n", to: dir + "/conf.d/README.txt")
        try write("<source>\n  @type common\n</source>\n", to: dir + "/shared/common.conf")

        let doc = try ConfigDocument.load(path: dir + "/main.conf", options: testOptions)
        #expect(doc.root.children.map { $0.type ?? $0.name } == ["system", "a", "common", "b", "c", "null"])
        #expect(doc.files.count == 5)
        #expect(doc.files.first == dir + "/main.conf")
        // Locations point into the included file.
        let common = doc.sources[1]
        #expect(common.location.file.hasSuffix("shared/common.conf"))
        #expect(common.location.line == 1)
    }

    @Test func includeInsideSectionMergesParamsAndChildren() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write("<match **>\n  @type forward\n  @include servers.conf\n  after 1\n</match>\n", to: dir + "/main.conf")
        try write("heartbeat_type none\n<server>\n  host h1\n</server>\n", to: dir + "/servers.conf")
        let doc = try ConfigDocument.load(path: dir + "/main.conf", options: testOptions)
        let m = try #require(doc.matches.first)
        #expect(m["heartbeat_type"] == "none")
        #expect(m["after"] == "1")
        #expect(m.child(named: "server")?["host"] == "h1")
        #expect(m.child(named: "server")?.ancestors == ["match **"])
        #expect(m.param("heartbeat_type")?.location.file.hasSuffix("servers.conf") == true)
    }

    @Test func quotedPathsBracesAndFileScheme() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write("@include \"with space/x.conf\"\n@include file://\(dir)/{a,b}.conf\n", to: dir + "/main.conf")
        try write("x 1\n", to: dir + "/with space/x.conf")
        try write("a 1\n", to: dir + "/a.conf")
        try write("b 1\n", to: dir + "/b.conf")
        let doc = try ConfigDocument.load(path: dir + "/main.conf", options: testOptions)
        #expect(doc.root.params.map(\.name) == ["x", "a", "b"])
    }

    @Test func cycleIsDetected() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write("<system>\n</system>\n@include b.conf\n", to: dir + "/a.conf")
        try write("\n@include a.conf\n", to: dir + "/b.conf")
        let e = try #require(throwsConfigError { _ = try ConfigDocument.load(path: dir + "/a.conf", options: testOptions) })
        #expect(e.message.contains("@include cycle: a.conf -> b.conf -> a.conf"))
        #expect(e.file.hasSuffix("b.conf"))
        #expect(e.line == 2)
        // Self-inclusion through a glob.
        try write("@include *.conf\n", to: dir + "/c.conf")
        #expect(throwsConfigError { _ = try ConfigDocument.load(path: dir + "/c.conf", options: testOptions) }?.message.contains("cycle") == true)
    }

    @Test func missingFilesAndEmptyGlobs() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write("k v\n@include nope.conf\n", to: dir + "/main.conf")
        let e = try #require(throwsConfigError { _ = try ConfigDocument.load(path: dir + "/main.conf", options: testOptions) })
        #expect(e.line == 2)
        #expect(e.message.contains("no such file"))
        try write("@include none/*.conf\n", to: dir + "/glob.conf")
        let doc = try ConfigDocument.load(path: dir + "/glob.conf", options: testOptions)
        #expect(doc.warnings.contains { $0.message.contains("matched no files") })
        #expect(throwsConfigError { _ = try ConfigDocument.load(path: dir + "/absent.conf") }?.message.contains("cannot read") == true)
    }

    @Test func errorsInIncludedFileNameThatFile() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write("@include inc.conf\n", to: dir + "/main.conf")
        try write("<source>\n  k v\n", to: dir + "/inc.conf")
        let e = try #require(throwsConfigError { _ = try ConfigDocument.load(path: dir + "/main.conf", options: testOptions) })
        #expect(e.file == dir + "/inc.conf")
        #expect(e.line == 1)
        #expect(e.message.contains("unterminated section <source>"))
    }

    @Test func parseTextUsesBaseDirectoryAndLegacyInclude() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write("x 1\n", to: dir + "/x.conf")
        var o = testOptions
        o.includeBaseDirectory = dir
        let doc = try ConfigDocument.parse(text: "include x.conf\n", options: o)
        #expect(doc.root["x"] == "1")
        #expect(doc.warnings.contains { $0.message.contains("'include' is deprecated") })
        o.allowIncludes = false
        #expect(throwsConfigError { _ = try ConfigDocument.parse(text: "@include x.conf\n", options: o) }?.message.contains("not allowed") == true)
        #expect(throwsConfigError { _ = try ConfigDocument.parse(text: "@include http://example.com/x.conf\n", options: testOptions) }?.message.contains("only local files") == true)
    }
}
