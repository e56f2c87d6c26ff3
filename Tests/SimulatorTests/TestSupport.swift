import ForwardProtocol
import ForwardServer
import Foundation
import NIOCore
import Simulator

#if canImport(Glibc)
import Glibc
#endif

/// Starts a receiver on an ephemeral loopback port for the duration of `body`.
func withReceiver<T>(_ configure: (inout ReceiverSettings) -> Void = { _ in },
                     _ body: (ForwardReceiver) async throws -> T) async throws -> T {
    var settings = ReceiverSettings(name: "test-receiver")
    settings.logger.logLevel = .critical
    configure(&settings)
    let receiver = try await ForwardReceiver.start(settings)
    do {
        let r = try await body(receiver)
        await receiver.stop()
        return r
    } catch {
        await receiver.stop()
        throw error
    }
}
