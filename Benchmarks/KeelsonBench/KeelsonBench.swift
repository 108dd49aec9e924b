/// `make bench`: prints figures; nothing here asserts on time.
@main
enum KeelsonBench {
    static func main() throws {
        for line in try IndicatorBenchmarks.runAll() { print(line) }
    }
}
