import Foundation
import KeelsonExchanges
import Testing

@Suite("Binance request signing")
struct BinanceSignerTests {
    let signer = BinanceSigner(secret: "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j")

    @Test("the documented ASCII vector")
    func asciiVector() {
        let payload = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
        #expect(signer.signature(query: payload) == "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71")
        #expect(signer.isValid(signature: "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71", payload: payload))
    }

    @Test("the documented non-ASCII vector: percent-encoded before signing, whether given raw or encoded")
    func nonASCIIVector() {
        let expected = "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"
        let encoded =
            "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
        #expect(signer.signature(query: encoded) == expected)
        #expect(
            signer.signature(query: "symbol=１２３４５６&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559")
                == expected)
        let query = BinanceQuery([
            ("symbol", "１２３４５６"), ("side", "BUY"), ("type", "LIMIT"), ("timeInForce", "GTC"), ("quantity", "1"), ("price", "0.1"),
            ("recvWindow", "5000"), ("timestamp", "1499827319559"),
        ])
        #expect(query.encoded == encoded)
    }

    @Test("the payload is the query string immediately followed by the body")
    func queryThenBody() {
        let whole = signer.signature(
            query: "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC", body: "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559")
        #expect(
            whole
                == signer.signature(
                    payload: "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTCquantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"))
    }

    @Test("credentials never show the secret, and only the start of the key")
    func credentialsAreRedacted() {
        let credentials = BinanceCredentials(
            apiKey: "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
            secret: "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j")
        var dumped = ""
        dump(credentials, to: &dumped)
        for text in [String(describing: credentials), String(reflecting: credentials), "\(credentials)", dumped] {
            #expect(!text.contains("NhqPtmdSJYdK"))
            #expect(!text.contains("vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"))
        }
    }
}
