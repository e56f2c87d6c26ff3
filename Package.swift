// swift-tools-version:6.1
import PackageDescription

// CI (.ci/run sets FWDLAB_WERROR=1) builds the project's own targets with warnings as errors; dependencies are
// built without it.
let werror = Context.environment["FWDLAB_WERROR"].map { !$0.isEmpty && $0 != "0" } ?? false
let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)] + (werror ? [.unsafeFlags(["-warnings-as-errors"])] : [])

let package = Package(
    name: "ForwardLab",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "fwdlab", targets: ["fwdlab"]),
        .library(name: "ForwardProtocol", targets: ["ForwardProtocol"]),
        .library(name: "ForwardServer", targets: ["ForwardServer"]),
        .library(name: "Agent", targets: ["Agent"]),
        .library(name: "Simulator", targets: ["Simulator"]),
        .library(name: "Capture", targets: ["Capture"]),
        .library(name: "Scenarios", targets: ["Scenarios"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // libpcap, linked as a system library (Debian: libpcap-dev).
        .systemLibrary(name: "CPcap", path: "Sources/CPcap", providers: [.apt(["libpcap-dev"])]),
        // c-ares, for DNS queries to a chosen nameserver (Debian: libc-ares-dev).
        .systemLibrary(name: "CCares", path: "Sources/CCares", providers: [.apt(["libc-ares-dev"])]),
        // libzstd, for zstd CompressedPackedForward (Fluentd 1.19's `compress zstd`; Debian: libzstd-dev).
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", providers: [.apt(["libzstd-dev"])]),

        // The wire: MessagePack on ByteBuffer, the four forward modes, acks, handshake, heartbeats.
        .target(
            name: "ForwardProtocol",
            dependencies: [
                "CZstd",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // Fluentd's configuration syntax, shared by the agent and the fake receivers.
        .target(name: "FluentdConfig", swiftSettings: strict),
        // A blocking loopback TCP client with bounded reads: the receiver differential's and the wire tests' one client.
        .target(name: "LoopbackClient", swiftSettings: strict),
        // in_forward: the server code shared by the simulator's receivers and the agent's forward input.
        .target(
            name: "ForwardServer",
            dependencies: [
                "ForwardProtocol", "FluentdConfig",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Agent",
            dependencies: [
                "ForwardProtocol", "FluentdConfig", "ForwardServer", "CCares",
                .product(name: "X509", package: "swift-certificates"),
                // <service_discovery> @type file reads YAML server lists.
                .product(name: "Yams", package: "Yams"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Atomics", package: "swift-atomics"),
                // prometheus_output_monitor's series (Monitor/PrometheusOutputMonitor.swift).
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Simulator",
            dependencies: [
                "ForwardProtocol", "FluentdConfig", "ForwardServer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Capture",
            dependencies: ["CPcap", "ForwardProtocol", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        .target(
            name: "Scenarios",
            dependencies: [
                "Agent", "Simulator", "Capture", "ForwardProtocol", "ForwardServer", "FluentdConfig", "LoopbackClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "fwdlab",
            dependencies: [
                "Scenarios", "Agent", "Simulator", "Capture", "ForwardProtocol", "ForwardServer", "FluentdConfig",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Atomics", package: "swift-atomics"),
            ],
            swiftSettings: strict
        ),
        // Fuzz targets (docs/fuzzing.md). The normal build is a corpus replayer (`fwdlab-fuzz TARGET FILE...`);
        // tools/fuzz.sh builds it again with -D FUZZING and libFuzzer (-sanitize=fuzzer,address) in .build-fuzz.
        .executableTarget(
            name: "fwdlab-fuzz",
            dependencies: [
                "ForwardProtocol", "ForwardServer", "FluentdConfig", "Scenarios", "Simulator", "Capture",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/FuzzTargets",
            swiftSettings: strict
        ),
        .testTarget(name: "ForwardProtocolTests", dependencies: ["ForwardProtocol", .product(name: "NIOCore", package: "swift-nio")], swiftSettings: strict),
        .testTarget(name: "FluentdConfigTests", dependencies: ["FluentdConfig"], swiftSettings: strict),
        // Helpers more than one test target needs: polling, a raw loopback client, wire requests and acks, Python's fluent-logger.
        .target(
            name: "ForwardLabTestSupport",
            dependencies: ["ForwardProtocol", "ForwardServer", "LoopbackClient", .product(name: "NIOCore", package: "swift-nio")],
            path: "Tests/TestSupport",
            swiftSettings: strict),
        .testTarget(
            name: "ForwardServerTests",
            dependencies: ["ForwardServer", "ForwardProtocol", "FluentdConfig", "ForwardLabTestSupport",
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            swiftSettings: strict),
        .testTarget(
            name: "AgentTests",
            dependencies: ["Agent", "Simulator", "ForwardServer", "ForwardProtocol", "FluentdConfig", "ForwardLabTestSupport",
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .testTarget(
            name: "SimulatorTests",
            dependencies: ["Simulator", "ForwardServer", "ForwardProtocol", "ForwardLabTestSupport",
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "NIOTLS", package: "swift-nio"), .product(name: "Atomics", package: "swift-atomics")],
            swiftSettings: strict),
        .testTarget(name: "CaptureTests", dependencies: ["Capture"], swiftSettings: strict),
        .testTarget(
            name: "ScenariosTests",
            dependencies: ["Scenarios", "Agent", "Simulator", "ForwardServer", "Capture", "ForwardProtocol", "ForwardLabTestSupport",
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            swiftSettings: strict),
    ]
)
