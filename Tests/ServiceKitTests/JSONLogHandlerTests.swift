import Foundation
import KeelsonServiceKit
import Logging
import Synchronization
import Testing

@Suite struct JSONLogHandlerTests {
    final class Lines: Sendable {
        let storage = Mutex<[String]>([])
        func append(_ line: String) { storage.withLock { $0.append(line) } }
        var all: [String] { storage.withLock { $0 } }
    }

    @Test func writesOneJSONObjectPerLineWithMetadata() throws {
        let lines = Lines()
        var logger = Logger(label: "keelson-engine") { label in JSONLogHandler(label: label, output: lines.append) }
        logger[metadataKey: "request_id"] = "r-1"
        logger.info("order sent", metadata: ["order_id": "o-42", "quantity": .stringConvertible(3)])
        logger.debug("not shown at info")

        #expect(lines.all.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines.all[0].utf8)) as? [String: Any])
        #expect(object["message"] as? String == "order sent")
        #expect(object["level"] as? String == "info")
        #expect(object["service"] as? String == "keelson-engine")
        #expect(object["request_id"] as? String == "r-1")
        #expect(object["order_id"] as? String == "o-42")
        #expect(object["quantity"] as? String == "3")
        #expect((object["time"] as? String)?.hasSuffix("Z") == true)
        #expect(!lines.all[0].contains("\n"))
    }
}
