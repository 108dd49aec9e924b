import Foundation

/// L2-regularised logistic regression: minimises C × Σ log-loss + ½‖w‖², the intercept not penalised, which is
/// scikit-learn's `LogisticRegression(C=…)` objective. The problem is strictly convex with one optimum, so any
/// correct solver lands on the same coefficients; this one takes full Newton steps (exact Hessian, Cholesky
/// solve, backtracking when a step would not decrease the objective), converging to ~1e-10 in a few iterations.
public struct LogisticRegression: Sendable, Equatable, Codable {
    public var coefficients: [Double]
    public var intercept: Double

    public init(coefficients: [Double], intercept: Double) {
        self.coefficients = coefficients
        self.intercept = intercept
    }

    public struct Fit: Sendable {
        public var model: LogisticRegression
        public var iterations: Int
    }

    /// Fits on standardised features; `labels` are 0 or 1.
    public static func fit(_ matrix: FeatureMatrix, labels: [Double], c: Double, maximumIterations: Int = 100) throws(ModelError) -> Fit {
        guard c > 0, c.isFinite else { throw ModelError("C \(c) is not allowed; C must be a positive number (e.g. C=1.0)") }
        guard matrix.rows > 0, matrix.rows == labels.count else { throw ModelError("there are no rows to train on; give more data") }
        let d = matrix.columns
        let size = d + 1  // coefficients, then the intercept
        var theta = [Double](repeating: 0, count: size)
        var objective = Self.objective(theta, matrix, labels, c)
        var iteration = 0
        while iteration < maximumIterations {
            iteration += 1
            var gradient = [Double](repeating: 0, count: size)
            var hessian = [Double](repeating: 0, count: size * size)
            matrix.values.withUnsafeBufferPointer { x in
                for row in 0..<matrix.rows {
                    let base = row * d
                    var z = theta[d]
                    for j in 0..<d { z += theta[j] * x[base + j] }
                    let p = sigmoid(z)
                    let residual = c * (p - labels[row])
                    let weight = c * p * (1 - p)
                    for j in 0..<d {
                        let xj = x[base + j]
                        gradient[j] += residual * xj
                        let wxj = weight * xj
                        for k in 0...j { hessian[j * size + k] += wxj * x[base + k] }
                        hessian[d * size + j] += wxj
                    }
                    gradient[d] += residual
                    hessian[d * size + d] += weight
                }
            }
            for j in 0..<d {
                gradient[j] += theta[j]
                hessian[j * size + j] += 1
            }
            guard let step = Self.solveSymmetric(hessian, gradient, size: size) else { break }
            var scale = 1.0
            var candidate = theta
            var candidateObjective = objective
            for _ in 0..<50 {
                for j in 0..<size { candidate[j] = theta[j] - scale * step[j] }
                candidateObjective = Self.objective(candidate, matrix, labels, c)
                if candidateObjective <= objective { break }
                scale /= 2
            }
            let change = zip(candidate, theta).map { abs($0 - $1) / (1 + abs($1)) }.max() ?? 0
            theta = candidate
            objective = candidateObjective
            if change < 1e-12 { break }
        }
        return Fit(model: LogisticRegression(coefficients: Array(theta[0..<d]), intercept: theta[d]), iterations: iteration)
    }

    /// The probability of label 1 for one row of standardised features.
    @inlinable
    public func probability(_ row: some Collection<Double>) -> Double {
        var z = intercept
        for (weight, value) in zip(coefficients, row) { z += weight * value }
        return Self.sigmoid(z)
    }

    @inlinable
    static func sigmoid(_ z: Double) -> Double {
        z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
    }

    /// C × Σ log-loss + ½‖w‖², with the log-loss written so that no large |z| overflows.
    static func objective(_ theta: [Double], _ matrix: FeatureMatrix, _ labels: [Double], _ c: Double) -> Double {
        let d = matrix.columns
        var loss = 0.0
        matrix.values.withUnsafeBufferPointer { x in
            for row in 0..<matrix.rows {
                var z = theta[d]
                for j in 0..<d { z += theta[j] * x[row * d + j] }
                // log(1 + e^z) − y z
                loss += max(z, 0) + log1p(exp(-abs(z))) - labels[row] * z
            }
        }
        var penalty = 0.0
        for j in 0..<d { penalty += theta[j] * theta[j] }
        return c * loss + penalty / 2
    }

    /// Solves H x = b for a symmetric positive definite H given by its lower triangle (Cholesky); nil when H is
    /// not positive definite.
    static func solveSymmetric(_ h: [Double], _ b: [Double], size n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = h[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard sum > 0 else { return nil }
                    l[i * n + i] = sum.squareRoot()
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var sum = b[i]
            for k in 0..<i { sum -= l[i * n + k] * y[k] }
            y[i] = sum / l[i * n + i]
        }
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = y[i]
            for k in (i + 1)..<n { sum -= l[k * n + i] * x[k] }
            x[i] = sum / l[i * n + i]
        }
        return x
    }
}
