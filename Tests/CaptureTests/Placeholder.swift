import Testing

@Test func moduleLinks() { #expect(Bool(true)) }
