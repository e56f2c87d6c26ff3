import Foundation

/// A small SVG plotting frame: time on x (run seconds), a value on y, with axes, fault bands and markers.
struct SVGChart {
    let id: String
    let title: String
    let width = 920.0
    let height = 240.0
    let left = 56.0, right = 16.0, top = 28.0, bottom = 30.0
    let duration: Double
    let yMax: Double
    let yLabel: String
    private(set) var body = ""

    init(id: String, title: String, duration: Double, yMax: Double, yLabel: String) {
        self.id = id
        self.title = title
        self.duration = max(duration, 0.001)
        self.yMax = yMax > 0 && yMax.isFinite ? yMax : 1
        self.yLabel = yLabel
    }

    func x(_ t: Double) -> Double { left + (width - left - right) * min(max(t / duration, 0), 1) }
    func y(_ v: Double) -> Double { top + (height - top - bottom) * (1 - min(max(v / yMax, 0), 1)) }
    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    mutating func band(from: Double, to: Double, label: String) {
        let x0 = x(from), x1 = x(to)
        body += "<rect class=\"fault-band\" x=\"\(Self.f(x0))\" y=\"\(Self.f(top))\" width=\"\(Self.f(max(1, x1 - x0)))\" height=\"\(Self.f(height - top - bottom))\" fill=\"#f4b400\" fill-opacity=\"0.18\"><title>\(HTMLText.escape(label))</title></rect>\n"
    }

    mutating func marker(at t: Double, cssClass: String, color: String, label: String) {
        let xv = Self.f(x(t))
        body += "<line class=\"\(cssClass)\" x1=\"\(xv)\" x2=\"\(xv)\" y1=\"\(Self.f(top))\" y2=\"\(Self.f(height - bottom))\" stroke=\"\(color)\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"><title>\(HTMLText.escape(label))</title></line>\n"
    }

    mutating func hline(_ v: Double, cssClass: String, color: String, label: String) {
        let yv = Self.f(y(v))
        body += "<line class=\"\(cssClass)\" x1=\"\(Self.f(left))\" x2=\"\(Self.f(width - right))\" y1=\"\(yv)\" y2=\"\(yv)\" stroke=\"\(color)\" stroke-width=\"1.2\" stroke-dasharray=\"6 4\"><title>\(HTMLText.escape(label))</title></line>\n"
    }

    /// A polyline; nil values break the line (e.g. phi while detached).
    mutating func series(_ points: [(Double, Double?)], cssClass: String, color: String, label: String) {
        var segments: [[String]] = [[]]
        for (t, v) in points {
            if let v { segments[segments.count - 1].append("\(Self.f(x(t))),\(Self.f(y(v)))") }
            else if !segments[segments.count - 1].isEmpty { segments.append([]) }
        }
        for s in segments where !s.isEmpty {
            body += "<polyline class=\"\(cssClass)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.6\" points=\"\(s.joined(separator: " "))\"><title>\(HTMLText.escape(label))</title></polyline>\n"
        }
    }

    mutating func rect(from: Double, to: Double, row: Int, rows: Int, cssClass: String, color: String, label: String) {
        let h = (height - top - bottom) / Double(max(rows, 1))
        let y0 = top + h * Double(row) + 2
        body += "<rect class=\"\(cssClass)\" x=\"\(Self.f(x(from)))\" y=\"\(Self.f(y0))\" width=\"\(Self.f(max(1, x(to) - x(from))))\" height=\"\(Self.f(max(1, h - 4)))\" fill=\"\(color)\"><title>\(HTMLText.escape(label))</title></rect>\n"
    }

    mutating func rowLabel(_ text: String, row: Int, rows: Int) {
        let h = (height - top - bottom) / Double(max(rows, 1))
        body += "<text x=\"4\" y=\"\(Self.f(top + h * (Double(row) + 0.5) + 4))\" font-size=\"11\">\(HTMLText.escape(text))</text>\n"
    }

    func render(legend: [(String, String)]) -> String {
        var s = "<svg id=\"\(id)\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(HTMLText.escape(title))\">\n"
        s += "<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"#fff\"/>\n"
        s += "<text x=\"\(Self.f(left))\" y=\"16\" font-size=\"13\" font-weight=\"bold\">\(HTMLText.escape(title))</text>\n"
        // Axes and ticks.
        s += "<line x1=\"\(Self.f(left))\" x2=\"\(Self.f(left))\" y1=\"\(Self.f(top))\" y2=\"\(Self.f(height - bottom))\" stroke=\"#444\"/>\n"
        s += "<line x1=\"\(Self.f(left))\" x2=\"\(Self.f(width - right))\" y1=\"\(Self.f(height - bottom))\" y2=\"\(Self.f(height - bottom))\" stroke=\"#444\"/>\n"
        let step = Self.tickStep(duration)
        var t = 0.0
        var n = 0
        while t <= duration + 1e-9, n < 200 {
            s += "<text x=\"\(Self.f(x(t)))\" y=\"\(Self.f(height - bottom + 14))\" font-size=\"10\" text-anchor=\"middle\">\(ScenarioFormat.number(t))s</text>\n"
            t += step
            n += 1
        }
        for frac in [0.0, 0.5, 1.0] {
            s += "<text x=\"\(Self.f(left - 4))\" y=\"\(Self.f(y(yMax * frac) + 4))\" font-size=\"10\" text-anchor=\"end\">\(ScenarioFormat.number(yMax * frac))</text>\n"
        }
        s += "<text x=\"12\" y=\"\(Self.f(top - 6))\" font-size=\"10\">\(HTMLText.escape(yLabel))</text>\n"
        s += body
        var lx = width - right - 8
        for (name, color) in legend.reversed() {
            let w = Double(name.count) * 6.5 + 18
            lx -= w
            s += "<rect x=\"\(Self.f(lx))\" y=\"8\" width=\"10\" height=\"10\" fill=\"\(color)\"/><text x=\"\(Self.f(lx + 13))\" y=\"17\" font-size=\"11\">\(HTMLText.escape(name))</text>\n"
        }
        s += "</svg>\n"
        return s
    }

    static func tickStep(_ d: Double) -> Double {
        for s in [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600] where d / s <= 12 { return s }
        return (d / 10).rounded(.up)
    }
}
