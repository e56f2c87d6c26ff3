import ForwardProtocol
import ForwardLabTestSupport
import ForwardServer
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import Simulator
import Testing

@Suite("Receiver: TLS (docs/forward-protocol.md, 'Server TLS')")
struct ReceiverTLSTests {
    @Test("Generated self-signed certificate (insecure): TLS 1.2 client delivers and gets its ack")
    func generatedCertificate() async throws {
        try await withReceiver({ $0.tls = ReceiverTLSSettings(insecure: true) }) { receiver in
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            let client = try await NIOTestClient.connect(port: receiver.port, tls: tls)
            try await client.send(Wire.packed(seqs: [1, 2], chunk: "tls1"))
            #expect(await client.read(count: Wire.ack("tls1").count, timeout: .seconds(10)) == Wire.ack("tls1"))
            #expect(receiver.ledger.events().compactMap(\.seq) == [1, 2])
            await client.close()
        }
    }

    @Test("cert_path from the test CA: verified client with hostname check; TLS 1.3-only client is refused (1.2 only)")
    func caIssuedCertificate() async throws {
        let ca = try TestCertificateAuthority()
        let server = try ca.issue(commonName: "localhost", subjectAltNames: ["localhost", "127.0.0.1"])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fwdlab-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let paths = try server.write(to: dir, name: "server")
        try await withReceiver({
            $0.tls = ReceiverTLSSettings(certPath: paths.certificatePath, privateKeyPath: paths.privateKeyPath)
        }) { receiver in
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates([try ca.root.nioCertificate()])
            let client = try await NIOTestClient.connect(port: receiver.port, tls: tls, serverName: "localhost")
            try await client.send(Wire.packed(seqs: [5], chunk: "v"))
            #expect(await client.read(count: Wire.ack("v").count, timeout: .seconds(10)) == Wire.ack("v"))
            await client.close()

            var only13 = tls
            only13.minimumTLSVersion = .tlsv13
            let refused = try await NIOTestClient.connect(port: receiver.port, tls: only13, serverName: "localhost")
            #expect(await refused.waitForClose(timeout: .seconds(10)))
            #expect(await receiver.ledger.wait(forRejections: 1, timeout: .seconds(5)))
            #expect(receiver.ledger.rejectionCountsByReason()[.tls] == 1)
        }
    }

    @Test("Plaintext client on a TLS port: connection closed, rejection logged with peer and reason")
    func plaintextOnTLS() async throws {
        try await withReceiver({ $0.tls = ReceiverTLSSettings(insecure: true) }) { receiver in
            let client = try RawClient(port: receiver.port)
            client.send(Wire.packed(seqs: [1], chunk: "p"))
            #expect(client.waitForClose(timeout: 10))
            #expect(await receiver.ledger.wait(forRejections: 1, timeout: .seconds(5)))
            let rejection = try #require(receiver.ledger.rejections().first)
            #expect(rejection.reason == .tls)
            #expect(rejection.peer.hasPrefix("127.0.0.1:"))
            #expect(receiver.ledger.count == 0)
        }
    }

    @Test("Test PKI: expired and wrong-hostname certificates are rejected by a verifying client")
    func badCertificates() async throws {
        let ca = try TestCertificateAuthority()
        for cert in [try ca.issueExpired(), try ca.issueWrongHostname()] {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fwdlab-tls-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let paths = try cert.write(to: dir, name: "bad")
            try await withReceiver({
                $0.tls = ReceiverTLSSettings(certPath: paths.certificatePath, privateKeyPath: paths.privateKeyPath)
            }) { receiver in
                var tls = TLSConfiguration.makeClientConfiguration()
                tls.trustRoots = .certificates([try ca.root.nioCertificate()])
                let client = try await NIOTestClient.connect(port: receiver.port, tls: tls, serverName: "localhost")
                try? await client.send(Wire.packed(seqs: [1], chunk: "z"))
                #expect(await client.waitForClose(timeout: .seconds(10)))
                #expect(receiver.ledger.count == 0)
            }
        }
    }

    /// Counts accepts and completed TLS handshakes.
    final class HandshakeCounter: ReceiverFaultHooks {
        let counts = NIOLockedValueBox((accepted: 0, established: 0))
        func onAccept(_ connection: ReceiverConnectionInfo) -> ReceiverAcceptDecision {
            counts.withLockedValue { $0.accepted += 1 }
            return .proceed
        }
        func onTLSEstablished(_ connection: ReceiverConnectionInfo) { counts.withLockedValue { $0.established += 1 } }
    }

    @Test("onTLSEstablished: called once a handshake completes, not for one the client rejects (a transport heartbeat's answer)")
    func handshakeHook() async throws {
        let ca = try TestCertificateAuthority()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fwdlab-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let paths = try ca.issueExpired().write(to: dir, name: "old")
        let good = try ca.issue(commonName: "localhost", subjectAltNames: ["localhost"]).write(to: dir, name: "good")
        let hooks = HandshakeCounter()
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates([try ca.root.nioCertificate()])
        try await withReceiver({
            $0.tls = ReceiverTLSSettings(certPath: good.certificatePath, privateKeyPath: good.privateKeyPath)
            $0.hooks = hooks
        }) { receiver in
            let client = try await NIOTestClient.connect(port: receiver.port, tls: tls, serverName: "localhost")
            try await client.send(Wire.packed(seqs: [1], chunk: "h"))
            #expect(await client.read(count: Wire.ack("h").count, timeout: .seconds(10)) == Wire.ack("h"))
            await client.close()
        }
        #expect(hooks.counts.withLockedValue { $0 } == (accepted: 1, established: 1))
        let rejected = HandshakeCounter()
        try await withReceiver({
            $0.tls = ReceiverTLSSettings(certPath: paths.certificatePath, privateKeyPath: paths.privateKeyPath)
            $0.hooks = rejected
        }) { receiver in
            let client = try await NIOTestClient.connect(port: receiver.port, tls: tls, serverName: "localhost")
            try? await client.send(Wire.packed(seqs: [1], chunk: "z"))
            #expect(await client.waitForClose(timeout: .seconds(10)))
            #expect(await receiver.ledger.wait(forRejections: 1, timeout: .seconds(5)))
        }
        #expect(rejected.counts.withLockedValue { $0 } == (accepted: 1, established: 0))
    }
}
