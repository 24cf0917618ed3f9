import MariaDBClient
import Testing

@Suite("The blocking queue, without a server")
struct BlockingQueueTests {
    /// Counts how many of its instances are alive.
    final class Tracked: Sendable {
        let number: Int
        let alive: Locked<Int>
        init(_ number: Int, alive: Locked<Int>) {
            self.number = number
            self.alive = alive
            alive.withLock { $0 += 1 }
        }
        deinit { alive.withLock { $0 -= 1 } }
    }

    @Test("an element taken is let go of at once, not when the queue compacts (an upload's part is one)")
    func takenElementsAreReleased() {
        let alive = Locked(0)
        let queue = BlockingQueue<Tracked>()
        for number in 0..<10 { queue.push(Tracked(number, alive: alive)) }
        #expect(alive.value == 10)
        for expected in 0..<10 {
            #expect(queue.pop()?.number == expected, "first in, first out")
            #expect(alive.value == 9 - expected, "taken elements live no longer than their taker keeps them")
        }
        for number in 0..<5 { queue.push(Tracked(number, alive: alive)) }
        queue.discardRemaining()
        #expect(alive.value == 0, "discarded elements are let go of")
        queue.close()
        #expect(queue.pop() == nil)
    }

    @Test("a held queue hands out nothing until released, then the untaken elements in the order asked for")
    func heldThenSorted() {
        let queue = BlockingQueue([5, 1, 4], held: true)
        queue.push(2)
        queue.release(sortedBy: <)
        queue.close()
        var taken: [Int] = []
        while let next = queue.pop() { taken.append(next) }
        #expect(taken == [1, 2, 4, 5])
    }
}
