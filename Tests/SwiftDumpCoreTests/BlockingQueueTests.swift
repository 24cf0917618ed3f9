import MariaDBClient
import Testing
import TestSupport

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

    @Test("with an order: the element that goes first among those waiting, ties in the order pushed, whenever pushed")
    func ordered() {
        let queue = BlockingQueue<(size: Int, name: String)>([(5, "a"), (1, "b"), (4, "c")], first: { $0.size > $1.size })
        queue.push((5, "d"))
        #expect(queue.pop()?.name == "a")
        queue.push((9, "e"))
        queue.push((4, "f"))
        var taken: [String] = []
        queue.close()
        while let next = queue.pop() { taken.append(next.name) }
        #expect(taken == ["e", "d", "c", "f", "b"])
        // Against a sort, over many pushes and pops interleaved.
        var random = SeededRandom(state: 3)
        let numbers = BlockingQueue<(value: Int, arrival: Int)>(first: { $0.value < $1.value })
        var model: [(value: Int, arrival: Int)] = []
        for arrival in 0..<3000 {
            let value = Int.random(in: 0..<50, using: &random)
            numbers.push((value, arrival))
            model.append((value, arrival))
            if Int.random(in: 0..<3, using: &random) == 0 {
                let expected = model.indices.min { (model[$0].value, model[$0].arrival) < (model[$1].value, model[$1].arrival) }!
                let popped = numbers.pop()
                #expect(popped?.value == model[expected].value && popped?.arrival == model[expected].arrival)
                model.remove(at: expected)
            }
        }
        numbers.close()
        var rest: [Int] = []
        while let next = numbers.pop() { rest.append(next.arrival) }
        #expect(rest == model.sorted { ($0.value, $0.arrival) < ($1.value, $1.arrival) }.map(\.arrival))
    }
}
