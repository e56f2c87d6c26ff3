import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs code on a fresh thread that has joined a network namespace, so sockets it creates live there.
public enum NamespaceThread {
    /// setns(2) is not exported by Swift's Glibc module; look it up once at run time.
    private typealias SetNS = @convention(c) (Int32, Int32) -> Int32
    private static let setnsFunction: SetNS? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns") else { return nil }  // RTLD_DEFAULT
        return unsafeBitCast(symbol, to: SetNS.self)
    }()
    private static let cloneNewNet: Int32 = 0x4000_0000

    /// Runs `body` inside `/run/netns/<namespace>` on its own thread (which ends afterwards, so no other
    /// work ever runs in the namespace by accident) and returns its result.
    public static func run<T: Sendable>(in namespace: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let thread = Thread {
                continuation.resume(with: Result {
                    try enter(namespace)
                    return try body()
                })
            }
            thread.name = "fwdlab-netns-\(namespace)"
            thread.start()
        }
    }

    /// Moves the calling thread into the namespace. Only for threads that are thrown away afterwards.
    static func enter(_ namespace: String) throws {
        guard let setns = setnsFunction else { throw NetworkLabError.namespaceEntryFailed(namespace: namespace, errno: ENOSYS) }
        let fd = open("/run/netns/\(namespace)", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw NetworkLabError.namespaceEntryFailed(namespace: namespace, errno: errno) }
        defer { close(fd) }
        guard setns(fd, cloneNewNet) == 0 else { throw NetworkLabError.namespaceEntryFailed(namespace: namespace, errno: errno) }
    }
}
