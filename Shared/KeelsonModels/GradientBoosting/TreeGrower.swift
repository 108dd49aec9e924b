/// Grows one tree on binned features, best leaf first (the leaf whose split gains most is split next) until the
/// tree has `leaves` leaves or no split gains anything, as scikit-learn's histogram grower does. A node's
/// histogram (sum of gradients, hessians and rows per bin and feature) is built from its rows only for the
/// smaller child; the larger child's is the parent's minus it.
struct TreeGrower {
    let bins: [UInt8]
    let rows: Int
    let binCounts: [Int]
    let offsets: [Int]
    let settings: BoostingSettings

    static let minimumHessian = 1e-3

    struct Histogram {
        var gradients: [Double]
        var hessians: [Double]
        var counts: [Int32]

        init(size: Int) {
            gradients = [Double](repeating: 0, count: size)
            hessians = [Double](repeating: 0, count: size)
            counts = [Int32](repeating: 0, count: size)
        }

        func subtracting(_ other: Histogram) -> Histogram {
            var result = self
            for index in gradients.indices {
                result.gradients[index] -= other.gradients[index]
                result.hessians[index] -= other.hessians[index]
                result.counts[index] -= other.counts[index]
            }
            return result
        }
    }

    struct Split {
        var gain: Double
        var feature: Int
        var bin: Int
    }

    struct Node {
        var treeIndex: Int
        var start: Int
        var end: Int
        var depth: Int
        var gradient: Double
        var hessian: Double
        var histogram: Histogram?
        var split: Split?
        var count: Int { end - start }
    }

    init(bins: [UInt8], rows: Int, binCounts: [Int], settings: BoostingSettings) {
        self.bins = bins
        self.rows = rows
        self.binCounts = binCounts
        var offsets: [Int] = []
        var total = 0
        for count in binCounts {
            offsets.append(total)
            total += count
        }
        self.offsets = offsets
        self.settings = settings
    }

    /// Grows a tree over the rows in `indices` (reordered in place so each leaf's rows are contiguous) and
    /// returns it with, per leaf, the range of `indices` it holds.
    func grow(
        indices: inout [Int32], gradients: [Double], hessians: [Double], thresholds: [[Double]]
    ) -> (tree: RegressionTree, leafRanges: [(node: Int, range: Range<Int>)]) {
        var tree = RegressionTree()
        var rootGradient = 0.0
        var rootHessian = 0.0
        for index in indices {
            rootGradient += gradients[Int(index)]
            rootHessian += hessians[Int(index)]
        }
        var nodes: [Node] = []
        func makeNode(start: Int, end: Int, depth: Int, gradient: Double, hessian: Double, histogram: Histogram?) -> Int {
            let treeIndex = tree.addLeaf(-settings.learningRate * gradient / (hessian + settings.l2))
            nodes.append(Node(treeIndex: treeIndex, start: start, end: end, depth: depth, gradient: gradient, hessian: hessian, histogram: histogram))
            return nodes.count - 1
        }
        let root = makeNode(start: 0, end: indices.count, depth: 0, gradient: rootGradient, hessian: rootHessian, histogram: nil)
        nodes[root].histogram = histogram(indices[0..<indices.count], gradients, hessians)
        nodes[root].split = bestSplit(nodes[root])
        var candidates = nodes[root].split == nil ? [] : [root]
        var leaves = 1
        while leaves < settings.leaves, !candidates.isEmpty {
            // Highest gain first; on a tie the earliest node, so growth is deterministic.
            let pick = candidates.indices.max { nodes[candidates[$0]].split!.gain < nodes[candidates[$1]].split!.gain }!
            let parent = candidates.remove(at: pick)
            let split = nodes[parent].split!
            let base = split.feature * rows
            var middle = nodes[parent].start
            for position in nodes[parent].start..<nodes[parent].end where Int(bins[base + Int(indices[position])]) <= split.bin {
                indices.swapAt(position, middle)
                middle += 1
            }
            let parentHistogram = nodes[parent].histogram!
            nodes[parent].histogram = nil
            var leftGradient = 0.0
            var leftHessian = 0.0
            let featureOffset = offsets[split.feature]
            for bin in 0...split.bin {
                leftGradient += parentHistogram.gradients[featureOffset + bin]
                leftHessian += parentHistogram.hessians[featureOffset + bin]
            }
            let depth = nodes[parent].depth + 1
            let left = makeNode(
                start: nodes[parent].start, end: middle, depth: depth, gradient: leftGradient, hessian: leftHessian, histogram: nil)
            let right = makeNode(
                start: middle, end: nodes[parent].end, depth: depth, gradient: nodes[parent].gradient - leftGradient,
                hessian: nodes[parent].hessian - leftHessian, histogram: nil)
            let (smaller, larger) = nodes[left].count <= nodes[right].count ? (left, right) : (right, left)
            let smallerHistogram = histogram(indices[nodes[smaller].start..<nodes[smaller].end], gradients, hessians)
            nodes[smaller].histogram = smallerHistogram
            nodes[larger].histogram = parentHistogram.subtracting(smallerHistogram)
            tree.split(
                nodes[parent].treeIndex, feature: split.feature, threshold: thresholds[split.feature][split.bin], left: nodes[left].treeIndex,
                right: nodes[right].treeIndex)
            leaves += 1
            for child in [left, right] {
                if let split = bestSplit(nodes[child]) {
                    nodes[child].split = split
                    candidates.append(child)
                } else {
                    nodes[child].histogram = nil
                }
            }
        }
        var leafRanges: [(node: Int, range: Range<Int>)] = []
        for node in nodes where tree.feature[node.treeIndex] < 0 { leafRanges.append((node.treeIndex, node.start..<node.end)) }
        return (tree, leafRanges)
    }

    /// The node's gradients and hessians are gathered into row order once, so each feature's pass reads them in
    /// sequence; the passes run on raw buffers (this loop is most of the training time).
    private func histogram(_ members: ArraySlice<Int32>, _ gradients: [Double], _ hessians: [Double]) -> Histogram {
        var histogram = Histogram(size: offsets.last! + binCounts.last!)
        let count = members.count
        var orderedGradients = [Double](repeating: 0, count: count)
        var orderedHessians = [Double](repeating: 0, count: count)
        members.withUnsafeBufferPointer { rows in
            gradients.withUnsafeBufferPointer { g in
                hessians.withUnsafeBufferPointer { h in
                    for k in 0..<count {
                        orderedGradients[k] = g[Int(rows[k])]
                        orderedHessians[k] = h[Int(rows[k])]
                    }
                }
            }
            bins.withUnsafeBufferPointer { binned in
                orderedGradients.withUnsafeBufferPointer { g in
                    orderedHessians.withUnsafeBufferPointer { h in
                        histogram.gradients.withUnsafeMutableBufferPointer { sumG in
                            histogram.hessians.withUnsafeMutableBufferPointer { sumH in
                                histogram.counts.withUnsafeMutableBufferPointer { counts in
                                    for feature in binCounts.indices {
                                        let column = binned.baseAddress! + feature * self.rows
                                        let offset = offsets[feature]
                                        for k in 0..<count {
                                            let slot = offset &+ Int(column[Int(rows[k])])
                                            sumG[slot] += g[k]
                                            sumH[slot] += h[k]
                                            counts[slot] &+= 1
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return histogram
    }

    private func bestSplit(_ node: Node) -> Split? {
        if let depthLimit = settings.depth, node.depth >= depthLimit { return nil }
        guard node.count >= 2 * settings.minSamplesLeaf, let histogram = node.histogram else { return nil }
        let lambda = settings.l2
        let parentScore = node.gradient * node.gradient / (node.hessian + lambda)
        var best: Split?
        for feature in binCounts.indices {
            let offset = offsets[feature]
            var leftGradient = 0.0
            var leftHessian = 0.0
            var leftCount = 0
            for bin in 0..<(binCounts[feature] - 1) {
                leftGradient += histogram.gradients[offset + bin]
                leftHessian += histogram.hessians[offset + bin]
                leftCount += Int(histogram.counts[offset + bin])
                let rightCount = node.count - leftCount
                if leftCount < settings.minSamplesLeaf { continue }
                if rightCount < settings.minSamplesLeaf { break }
                let rightHessian = node.hessian - leftHessian
                if leftHessian < Self.minimumHessian || rightHessian < Self.minimumHessian { continue }
                let rightGradient = node.gradient - leftGradient
                let gain =
                    leftGradient * leftGradient / (leftHessian + lambda) + rightGradient * rightGradient / (rightHessian + lambda) - parentScore
                if gain > (best?.gain ?? 0) { best = Split(gain: gain, feature: feature, bin: bin) }
            }
        }
        return best
    }
}
