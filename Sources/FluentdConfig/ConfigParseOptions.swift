import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Knobs for parsing: the environment and hostname seen by `"#{...}"`, and how `@include` behaves.
public struct ConfigParseOptions: Sendable {
    /// Variables visible to `ENV['NAME']`; defaults to the process environment.
    public var environment: [String: String]
    /// What `Socket.gethostname` / `hostname` return; nil means the machine's hostname.
    public var hostname: String?
    /// What `worker_id` returns; nil means `SERVERENGINE_WORKER_ID` from `environment`, else "".
    public var workerID: String?
    /// What `Dir.pwd` returns; nil means the process's current directory.
    public var currentDirectory: String?
    /// What `Socket.getifaddrs` returns; nil means the machine's IPv4/IPv6 interface addresses.
    public var interfaceAddresses: [InterfaceAddress]?
    /// Whether `"#{...}"` is evaluated; when false it is an error (as in Fluentd without an eval context).
    public var allowEmbeddedCode: Bool
    /// Whether `@include` is followed; when false it is an error (useful for untrusted text).
    public var allowIncludes: Bool
    /// Directory for relative `@include` paths in `parse(text:)`; nil means the directory of `file`, else `currentDirectory`.
    public var includeBaseDirectory: String?
    /// Nesting limit for includes, on top of cycle detection.
    public var maxIncludeDepth: Int
    /// `<system>` parameters set on the command line (`fwdlab agent --fluentd-version`): they replace the file's
    /// values, in a `<system>` section added when the file has none, so a reload keeps them.
    public var systemParameters: [String: String] = [:]

    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        hostname: String? = nil,
        workerID: String? = nil,
        currentDirectory: String? = nil,
        interfaceAddresses: [InterfaceAddress]? = nil,
        allowEmbeddedCode: Bool = true,
        allowIncludes: Bool = true,
        includeBaseDirectory: String? = nil,
        maxIncludeDepth: Int = 32
    ) {
        self.environment = environment
        self.hostname = hostname
        self.workerID = workerID
        self.currentDirectory = currentDirectory
        self.interfaceAddresses = interfaceAddresses
        self.allowEmbeddedCode = allowEmbeddedCode
        self.allowIncludes = allowIncludes
        self.includeBaseDirectory = includeBaseDirectory
        self.maxIncludeDepth = maxIncludeDepth
    }

    var resolvedHostname: String { hostname ?? Self.systemHostname() }
    var resolvedWorkerID: String { workerID ?? environment["SERVERENGINE_WORKER_ID"] ?? "" }
    var resolvedInterfaceAddresses: [InterfaceAddress] { interfaceAddresses ?? Self.systemInterfaceAddresses() }
    var resolvedCurrentDirectory: String { currentDirectory ?? FileManager.default.currentDirectoryPath }

    /// gethostname(2), which is what Ruby's `Socket.gethostname` calls (no DNS lookup, unlike ProcessInfo.hostName).
    static func systemHostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// getifaddrs(3), IPv4 and IPv6 entries only, in the order the system lists them.
    static func systemInterfaceAddresses() -> [InterfaceAddress] {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0, let first = head else { return [] }
        defer { freeifaddrs(head) }
        var out: [InterfaceAddress] = []
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let sa = entry.pointee.ifa_addr, let namePtr = entry.pointee.ifa_name else { continue }
            let family = Int32(sa.pointee.sa_family)
            var text = [CChar](repeating: 0, count: 64)
            let ok: Bool
            if family == AF_INET {
                ok = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    var addr = sin.pointee.sin_addr
                    return inet_ntop(AF_INET, &addr, &text, socklen_t(text.count)) != nil
                }
            } else if family == AF_INET6 {
                ok = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    var addr = sin6.pointee.sin6_addr
                    return inet_ntop(AF_INET6, &addr, &text, socklen_t(text.count)) != nil
                }
            } else {
                continue
            }
            guard ok else { continue }
            let address = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            out.append(InterfaceAddress(interface: String(cString: namePtr), address: address, isIPv4: family == AF_INET))
        }
        return out
    }

    /// One network interface address, as `Socket.getifaddrs` would report it.
    public struct InterfaceAddress: Sendable, Hashable {
        public var interface: String
        public var address: String
        public var isIPv4: Bool

        public init(interface: String, address: String, isIPv4: Bool) {
            self.interface = interface
            self.address = address
            self.isIPv4 = isIPv4
        }
    }
}
