/// A set of small non-negative integers — ranks — with insert, remove and the smallest member
/// in O(log₆₄ n): a bitmap of the members and, above it, a bitmap of its non-empty words, and
/// so on up to one word. The restore's scheduler keeps its runnable tables in these, so each
/// decision costs the same for 10 tables and for 100,000.
struct RankSet: Sendable {
    /// `levels[0]`: a bit per rank; `levels[k + 1]`: a bit per non-empty word of `levels[k]`.
    private var levels: [[UInt64]] = [[0]]
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    func contains(_ rank: Int) -> Bool {
        let word = rank >> 6
        return word < levels[0].count && levels[0][word] & (1 << UInt64(rank & 63)) != 0
    }

    mutating func insert(_ rank: Int) {
        precondition(rank >= 0, "ranks are not negative")
        grow(toHold: rank)
        var index = rank
        for level in levels.indices {
            let word = index >> 6
            let bit: UInt64 = 1 << UInt64(index & 63)
            let wasEmpty = levels[level][word] == 0
            if level == 0 {
                if levels[0][word] & bit != 0 { return }
                count += 1
            }
            levels[level][word] |= bit
            // The words above already know of a non-empty word.
            if !wasEmpty { return }
            index = word
        }
    }

    mutating func remove(_ rank: Int) {
        guard contains(rank) else { return }
        count -= 1
        var index = rank
        for level in levels.indices {
            let word = index >> 6
            levels[level][word] &= ~(1 << UInt64(index & 63))
            if levels[level][word] != 0 { return }
            index = word
        }
    }

    /// The smallest rank in the set.
    var first: Int? {
        guard count > 0 else { return nil }
        var index = 0
        for level in levels.indices.reversed() {
            index = index << 6 | levels[level][index].trailingZeroBitCount
        }
        return index
    }

    /// Adds words until `rank` fits (doubling, so it happens seldom), and builds the levels
    /// above again from the bits below; the top level stays one word.
    private mutating func grow(toHold rank: Int) {
        let needed = (rank >> 6) + 1
        guard needed > levels[0].count else { return }
        var below = levels[0] + [UInt64](repeating: 0, count: max(needed, 2 * levels[0].count) - levels[0].count)
        var rebuilt = [below]
        while below.count > 1 {
            var above = [UInt64](repeating: 0, count: (below.count + 63) >> 6)
            for (index, word) in below.enumerated() where word != 0 { above[index >> 6] |= 1 << UInt64(index & 63) }
            rebuilt.append(above)
            below = above
        }
        levels = rebuilt
    }
}
