@testable import SwiftDumpCore
import Testing
import TestSupport

@Suite("RankSet: the scheduler's sets of runnable tables")
struct RankSetTests {
    @Test("inserts, removes and the smallest member agree with Set<Int>, across the levels of the bitmap", arguments: [64, 5_000, 300_000])
    func matchesSet(range: Int) {
        var random = SeededRandom(state: UInt64(range))
        var ranks = RankSet()
        var model = Set<Int>()
        for _ in 0..<20_000 {
            let rank = Int.random(in: 0..<range, using: &random)
            if Bool.random(using: &random) || model.count < 3 {
                ranks.insert(rank)
                model.insert(rank)
            } else {
                // Remove a member half the time, else something that may not be one.
                let victim = Bool.random(using: &random) ? model.randomElement(using: &random)! : rank
                ranks.remove(victim)
                model.remove(victim)
            }
            #expect(ranks.count == model.count)
            #expect(ranks.first == model.min())
            #expect(ranks.contains(rank) == model.contains(rank))
        }
        // Emptied in increasing order through `first`.
        var drained: [Int] = []
        while let first = ranks.first {
            drained.append(first)
            ranks.remove(first)
        }
        #expect(drained == model.sorted())
        #expect(ranks.isEmpty)
    }

    @Test("a rank far beyond the others grows every level and is found")
    func growth() {
        var ranks = RankSet()
        ranks.insert(7)
        ranks.insert(64 * 64 * 64 + 5)
        #expect(ranks.first == 7)
        ranks.remove(7)
        #expect(ranks.first == 64 * 64 * 64 + 5)
        #expect(!ranks.contains(64 * 64 * 64 + 4))
        ranks.insert(0)
        #expect(ranks.first == 0)
        #expect(ranks.count == 2)
    }
}
