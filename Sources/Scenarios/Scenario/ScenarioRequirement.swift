/// A resource a scenario needs; scenarios whose requirements are not met are skipped, never run half-way.
public enum ScenarioRequirement: String, Sendable, Equatable, Codable, CaseIterable {
    /// Root privileges (nftables partitions, live capture).
    case root
    /// The `nft` binary (partitions on loopback).
    case nft
}
