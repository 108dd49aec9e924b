import KeelsonPersistence
import Testing

@Suite struct DatabaseURLTests {
    @Test func parsesAFullURL() throws {
        let url = try DatabaseURL(parsing: "postgres://trader:s%40cret@db.internal:6543/keelson?sslmode=require")
        #expect(url == DatabaseURL(host: "db.internal", port: 6543, username: "trader", password: "s@cret", database: "keelson", tlsMode: .require))
        #expect(url.description == "postgres://trader:****@db.internal:6543/keelson")
        #expect(try DatabaseURL(parsing: url.connectionString) == url)
    }

    @Test func defaultsPortAndTLS() throws {
        let url = try DatabaseURL(parsing: "postgresql://keelson@localhost/keelson")
        #expect(url.port == 5432)
        #expect(url.tlsMode == .disable)
        #expect(url.password == nil)
    }

    @Test(arguments: [
        ("mysql://u@h/db", "postgres://"),
        ("postgres://h/db", "no user name"),
        ("postgres://u@h", "no database name"),
        ("postgres://u@h/db?sslmode=maybe", "sslmode"),
        ("not a url", "postgres://"),
    ])
    func rejectsBadURLs(text: String, expected: String) {
        #expect {
            try DatabaseURL(parsing: text)
        } throws: { error in
            "\(error)".contains(expected) && "\(error)".contains(DatabaseURL.expectedForm)
        }
    }
}
