import KeelsonCLI

@main
enum KeelsonMain {
    static func main() async {
        await KeelsonCommand.main()
    }
}
