import Agent
import ForwardServer
import Foundation
import NIOCore
import NIOSSL
import Simulator
import Testing

/// `tls_allow_self_signed_cert`: a lone self-signed server certificate is accepted (still checked for validity and
/// host name); anything else is verified as usual.
@Suite("ShellSelfSigned", .serialized)
struct ShellSelfSignedTests {
    let group = ShellTestSupport.group

    func server(_ cert: TestCertificate) async throws -> FakeForwardServer {
        let tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try cert.nioCertificateChain().map { .certificate($0) }, privateKey: .privateKey(try cert.nioPrivateKey()))
        return try await FakeForwardServer.start(group: group, options: .init(tls: try NIOSSLContext(configuration: tls)))
    }

    /// Starts an agent with `verify_connection_at_startup` (so a refused certificate fails the start).
    func connects(to server: FakeForwardServer, name: String, allowSelfSigned: Bool, verifyHostname: Bool = true,
                  caCertPaths: [String] = []) async -> Bool {
        var s = ShellTestSupport.settings(ports: [server.port])
        s.nodes[0].name = name
        var t = TLSClientConfig()
        t.allowSelfSignedCert = allowSelfSigned
        t.verifyHostname = verifyHostname
        t.caCertPaths = caCertPaths
        s.tls = t
        s.forwarder.verifyConnectionAtStartup = true
        guard let agent = try? await ForwardingAgent.start(configuration: s, eventLoopGroup: group) else { return false }
        await agent.stop(flush: false)
        return true
    }

    @Test("self-signed server certificate: refused by default, accepted with tls_allow_self_signed_cert")
    func selfSigned() async throws {
        let server = try await server(try TestCertificateAuthority.selfSignedServer(commonName: "localhost"))
        #expect(await !connects(to: server, name: "localhost", allowSelfSigned: false))
        #expect(await connects(to: server, name: "localhost", allowSelfSigned: true))
        await server.stop()
    }

    @Test("allowed self-signed certificate: the host name is still verified (unless tls_verify_hostname false)")
    func selfSignedWrongName() async throws {
        let server = try await server(try TestCertificateAuthority.selfSignedServer(commonName: "other.example.test"))
        #expect(await !connects(to: server, name: "localhost", allowSelfSigned: true))
        #expect(await connects(to: server, name: "localhost", allowSelfSigned: true, verifyHostname: false))
        await server.stop()
    }

    @Test("allowed self-signed certificates do not admit a chain from an unknown CA, nor an expired self-signed one")
    func onlyDepthZeroIsForgiven() async throws {
        let unknownCA = try TestCertificateAuthority(commonName: "Unknown CA")
        let chained = try await server(try unknownCA.issue(commonName: "localhost"))
        #expect(await !connects(to: chained, name: "localhost", allowSelfSigned: true))
        await chained.stop()
        // The same chain is accepted once its CA is in tls_ca_cert_path (the ordinary path still verifies).
        let caPath = NSTemporaryDirectory() + "fwdlab-selfsigned-\(UUID().uuidString).pem"
        try unknownCA.root.certificatePEM().write(toFile: caPath, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: caPath) }
        let known = try await server(try unknownCA.issue(commonName: "localhost"))
        #expect(await connects(to: known, name: "localhost", allowSelfSigned: true, caCertPaths: [caPath]))
        #expect(await !connects(to: known, name: "elsewhere.test", allowSelfSigned: true, caCertPaths: [caPath]))
        await known.stop()
        let expired = try await server(try TestCertificateAuthority.selfSignedServer(commonName: "localhost", lifetime: -3600))
        #expect(await !connects(to: expired, name: "localhost", allowSelfSigned: true))
        await expired.stop()
    }
}
