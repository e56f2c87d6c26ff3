import ForwardProtocol
import ForwardLabTestSupport
import ForwardServer
import Foundation
import NIOSSL
import Simulator
import Testing

/// in_forward over TLS without `client_cert_auth` (docs/fluentd-model.md, "Release profiles"): 1.16.9 asks for a
/// client certificate and fails the handshake on an untrusted one (measured: alert "unknown ca"), 1.18.0 acks it; a
/// client without a certificate, or a server with `insecure true`, is accepted by both.
@Suite("Receiver: client certificates without client_cert_auth, per release profile")
struct ReceiverClientCertificateTests {
    struct PKI {
        let ca: TestCertificateAuthority
        let dir: String
        let server: (certificatePath: String, privateKeyPath: String)
        let caPath: String
    }

    static func pki() throws -> PKI {
        let ca = try TestCertificateAuthority()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fwdlab-ccert-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let server = try ca.issue(commonName: "localhost", subjectAltNames: ["localhost", "127.0.0.1"]).write(to: dir, name: "server")
        let caPath = (dir as NSString).appendingPathComponent("ca.pem")
        try ca.root.certificatePEM().write(toFile: caPath, atomically: true, encoding: .utf8)
        return PKI(ca: ca, dir: dir, server: server, caPath: caPath)
    }

    /// Sends one acked request with `clientCertificate` (nil: none); true when the ack came back.
    static func delivers(profile: FluentdReleaseProfile, pki: PKI, insecure: Bool = false, clientCertificate: TestCertificate?) async throws -> Bool {
        try await withReceiver({
            $0.adopt(profile)
            $0.tls = insecure ? ReceiverTLSSettings(insecure: true)
                : ReceiverTLSSettings(caPath: pki.caPath, certPath: pki.server.certificatePath, privateKeyPath: pki.server.privateKeyPath)
        }) { receiver in
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            if let c = clientCertificate {
                tls.certificateChain = try c.nioCertificateChain().map { .certificate($0) }
                tls.privateKey = .privateKey(try c.nioPrivateKey())
            }
            let client = try await NIOTestClient.connect(port: receiver.port, tls: tls)
            defer { Task { await client.close() } }
            try? await client.send(Wire.packed(seqs: [1], chunk: "cc"))
            let answer = await client.read(count: Wire.ack("cc").count, timeout: .seconds(5))
            return answer == Wire.ack("cc") && receiver.ledger.count == 1
        }
    }

    @Test("1.16: an untrusted client certificate fails the handshake; a trusted one or none is accepted")
    func v116VerifiesWhatIsPresented() async throws {
        let pki = try Self.pki()
        defer { try? FileManager.default.removeItem(atPath: pki.dir) }
        let untrusted = try TestCertificateAuthority(commonName: "Other CA").issue(commonName: "client", usage: .client)
        let trusted = try pki.ca.issue(commonName: "client", usage: .client)
        #expect(try await !Self.delivers(profile: .v1_16, pki: pki, clientCertificate: untrusted))
        #expect(try await Self.delivers(profile: .v1_16, pki: pki, clientCertificate: trusted))
        #expect(try await Self.delivers(profile: .v1_16, pki: pki, clientCertificate: nil))
        // insecure: Fluentd skips its default parameters, so nothing is verified.
        #expect(try await Self.delivers(profile: .v1_16, pki: pki, insecure: true, clientCertificate: untrusted))
    }

    @Test("1.18 and 1.19: no client certificate is asked for, an untrusted one is accepted")
    func laterReleasesDoNotAsk() async throws {
        let pki = try Self.pki()
        defer { try? FileManager.default.removeItem(atPath: pki.dir) }
        let untrusted = try TestCertificateAuthority(commonName: "Other CA").issue(commonName: "client", usage: .client)
        #expect(try await Self.delivers(profile: .v1_18, pki: pki, clientCertificate: untrusted))
        #expect(try await Self.delivers(profile: .v1_19, pki: pki, clientCertificate: untrusted))
    }
}
