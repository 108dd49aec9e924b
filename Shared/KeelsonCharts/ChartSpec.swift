import Foundation

/// What `KeelsonChart.timeSeries` draws: stacked panels over one time axis. The JSON shape is chart.js's spec.
public struct TimeSeriesChart: Encodable, Sendable {
    /// The id of the element the chart is drawn into.
    public var container: String
    public var panels: [Panel]
    /// Dashed lines across every panel (a halt, a fold boundary), labelled on hover.
    public var events: [Event]

    public init(container: String, panels: [Panel], events: [Event] = []) {
        self.container = container
        self.panels = panels
        self.events = events
    }

    public struct Panel: Encodable, Sendable {
        public var title: String
        public var unit: String
        public var height: Int
        public var series: [Series]
        public var markers: [Marker]

        public init(title: String, unit: String, height: Int = 220, series: [Series], markers: [Marker] = []) {
            self.title = title
            self.unit = unit
            self.height = height
            self.series = series
            self.markers = markers
        }
    }

    public struct Series: Encodable, Sendable {
        public enum Kind: String, Encodable, Sendable {
            case line
            /// Filled between the line and zero: a drawdown.
            case area
        }

        public var name: String
        public var kind: Kind
        public var className: String
        public var points: [Point]

        public init(name: String, kind: Kind = .line, className: String, points: [Point]) {
            self.name = name
            self.kind = kind
            self.className = className
            self.points = points
        }
    }

    /// `[milliseconds since 1970, value]`; an exact value is a decimal string the read-out shows as it is.
    public struct Point: Encodable, Sendable {
        public var time: Date
        public var value: Value

        public init(_ time: Date, _ value: Value) {
            self.time = time
            self.value = value
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.unkeyedContainer()
            try container.encode((time.timeIntervalSince1970 * 1000).rounded())
            switch value {
            case .number(let number): try container.encode(number.isFinite ? number : 0)
            case .exact(let text): try container.encode(text)
            }
        }
    }

    public enum Value: Sendable {
        case number(Double)
        case exact(String)
    }

    public struct Marker: Encodable, Sendable {
        public enum Kind: String, Encodable, Sendable { case entry, exit }
        public var time: Date
        public var value: Double
        public var kind: Kind
        public var label: String

        public init(time: Date, value: Double, kind: Kind, label: String) {
            self.time = time
            self.value = value
            self.kind = kind
            self.label = label
        }

        enum CodingKeys: String, CodingKey { case t, v, kind, label }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode((time.timeIntervalSince1970 * 1000).rounded(), forKey: .t)
            try container.encode(value.isFinite ? value : 0, forKey: .v)
            try container.encode(kind, forKey: .kind)
            try container.encode(label, forKey: .label)
        }
    }

    public struct Event: Encodable, Sendable {
        public var time: Date
        public var label: String

        public init(time: Date, label: String) {
            self.time = time
            self.label = label
        }

        enum CodingKeys: String, CodingKey { case t, label }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode((time.timeIntervalSince1970 * 1000).rounded(), forKey: .t)
            try container.encode(label, forKey: .label)
        }
    }
}

/// What `KeelsonChart.sortableTable` draws: a table whose headers sort it.
public struct SortableTable: Encodable, Sendable {
    public var container: String
    public var columns: [Column]
    /// Each row's cells by column key, as text (numbers as exact decimals).
    public var rows: [[String: String]]
    public var empty: String

    public init(container: String, columns: [Column], rows: [[String: String]], empty: String) {
        self.container = container
        self.columns = columns
        self.rows = rows
        self.empty = empty
    }

    public struct Column: Encodable, Sendable {
        public var key: String
        public var label: String
        public var numeric: Bool

        public init(key: String, label: String, numeric: Bool = false) {
            self.key = key
            self.label = label
            self.numeric = numeric
        }
    }
}
