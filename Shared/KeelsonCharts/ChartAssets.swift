/// The chart module's files as built into the code: the gateway serves them to the dashboard, the reports inline them.
public enum ChartAssets {
    /// `window.KeelsonChart`: time-series panels (dated axes, hover read-out, zoom, trade markers) and sortable tables.
    public static let script: [UInt8] = PackageResources.chart_js
    public static let style: [UInt8] = PackageResources.chart_css
    /// Draws the charts and tables a report's JSON block describes (`ChartReportPage`).
    static let reportScript: [UInt8] = PackageResources.report_js
}
