import Testing

@testable import KeelsonPersistence

@Suite struct SQLScriptTests {
    @Test func splitsOnSemicolonsOutsideQuotesAndComments() {
        let script = """
            CREATE TABLE a (x text DEFAULT ';');  -- a comment; with a semicolon
            /* block; comment */ INSERT INTO "we;ird" VALUES ('it''s');
            CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$;
            """
        let statements = SQLScript.statements(in: script)
        #expect(statements.count == 3)
        #expect(statements[0] == "CREATE TABLE a (x text DEFAULT ';')")
        #expect(statements[1].hasSuffix("INSERT INTO \"we;ird\" VALUES ('it''s')"))
        #expect(statements[2] == "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$")
    }

    @Test func everyEmbeddedMigrationSplitsIntoStatements() {
        for migration in MigrationCatalog.all {
            #expect(!SQLScript.statements(in: migration.up).isEmpty)
            #expect(!SQLScript.statements(in: migration.down).isEmpty)
        }
    }
}
