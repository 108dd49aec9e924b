import KeelsonServiceKit
import Testing

@Suite struct InternalTokensTests {
    @Test func acceptsEveryConfiguredTokenAndSendsTheFirst() throws {
        let tokens = try InternalTokens(["new-token-0123456789abcdef", " old-token-0123456789abcdef "])
        #expect(tokens.outgoing == "new-token-0123456789abcdef")
        #expect(tokens.accepts("new-token-0123456789abcdef"))
        #expect(tokens.accepts("old-token-0123456789abcdef"))
        #expect(!tokens.accepts("new-token-0123456789abcdeF"))
        #expect(!tokens.accepts(""))
        #expect(!tokens.accepts("new-token"))
    }

    @Test func refusesNoTokenAndShortTokens() {
        #expect(throws: ConfigurationError.self) { try InternalTokens([]) }
        #expect(throws: ConfigurationError.self) { try InternalTokens([" ", ""]) }
        #expect { try InternalTokens(["long-enough-token-123456", "short"]) } throws: { error in
            "\(error)".contains("token 2") && "\(error)".contains("KEELSON_INTERNAL_TOKENS")
        }
    }

    @Test func loadsACommaSeparatedList() throws {
        let environment = EnvironmentReader(["KEELSON_INTERNAL_TOKENS": "aaaaaaaaaaaaaaaaaaaa,bbbbbbbbbbbbbbbbbbbb"])
        let tokens = try InternalTokens.load(from: environment, searchingFrom: "/")
        #expect(tokens.count == 2)
        #expect(tokens.accepts("bbbbbbbbbbbbbbbbbbbb"))
    }

    @Test func generatedSecretsAreLongRandomHex() {
        let first = SecretGenerator.token()
        let second = SecretGenerator.token()
        #expect(first.count == 64)
        #expect(first != second)
        #expect(first.allSatisfy { $0.isHexDigit })
    }
}
