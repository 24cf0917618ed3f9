import SwiftDumpCore
import Testing
import TestSupport

private typealias Order = DependencyOrder<String, Int>

/// `count` tables with random foreign keys (cycles and self-references included).
private func randomGraph(count: Int, edges edgeCount: Int, seed: UInt64) -> (nodes: [String], edges: [Order.Edge]) {
    var random = SeededRandom(state: seed)
    let nodes = (0..<count).map { "t\(String($0 + 1000).dropFirst())" }
    let edges = (0..<edgeCount).map { id in
        Order.Edge(dependent: nodes.randomElement(using: &random)!, dependency: nodes.randomElement(using: &random)!, id: id)
    }
    return (nodes, edges)
}

/// Checks the promise: every node once, each after its dependencies unless the edge is deferred.
private func expectValid(_ result: Order, nodes: [String], edges: [Order.Edge], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.order.sorted() == nodes.sorted(), sourceLocation: sourceLocation)
    let position = Dictionary(uniqueKeysWithValues: result.order.enumerated().map { ($1, $0) })
    for edge in edges where edge.dependent != edge.dependency && !result.deferred.contains(edge.id) {
        #expect(position[edge.dependency]! < position[edge.dependent]!, "\(edge.dependent) before its parent \(edge.dependency)", sourceLocation: sourceLocation)
    }
    for id in result.deferred {
        let edge = edges.first { $0.id == id }!
        #expect(edge.dependent != edge.dependency, "a self-reference was deferred", sourceLocation: sourceLocation)
    }
}

/// The fewest edges any order must break: tried over every permutation (small graphs only).
private func bruteForceMinimum(nodes: [String], edges: [Order.Edge]) -> Int {
    let real = edges.filter { $0.dependent != $0.dependency }
    var best = Int.max
    func permute(_ prefix: [String], _ rest: [String]) {
        if rest.isEmpty {
            let position = Dictionary(uniqueKeysWithValues: prefix.enumerated().map { ($1, $0) })
            best = min(best, real.filter { position[$0.dependency]! > position[$0.dependent]! }.count)
            return
        }
        for (index, node) in rest.enumerated() {
            var remaining = rest
            remaining.remove(at: index)
            permute(prefix + [node], remaining)
        }
    }
    permute([], nodes)
    return best
}

@Suite("Foreign-key-safe order")
struct DependencyOrderTests {
    @Test("a child whose name sorts first still comes after its parent; ties go by name")
    func parentsFirst() {
        let edges = [Order.Edge(dependent: "a_child", dependency: "z_parent", id: 1),
                     Order.Edge(dependent: "m_grandchild", dependency: "a_child", id: 2)]
        let result = Order(nodes: ["m_grandchild", "a_child", "b_free", "z_parent"], edges: edges)
        #expect(result.order == ["b_free", "z_parent", "a_child", "m_grandchild"])
        #expect(result.deferred.isEmpty)
    }

    @Test("a self-referencing table needs nothing deferred")
    func selfReference() {
        let result = Order(nodes: ["tree"], edges: [Order.Edge(dependent: "tree", dependency: "tree", id: 1)])
        #expect(result.order == ["tree"] && result.deferred.isEmpty)
    }

    @Test("a two-table cycle defers one constraint; a three-table cycle defers one")
    func cycles() {
        let two = [Order.Edge(dependent: "store", dependency: "staff", id: 1), Order.Edge(dependent: "staff", dependency: "store", id: 2)]
        let result = Order(nodes: ["staff", "store"], edges: two)
        #expect(result.deferred.count == 1)
        expectValid(result, nodes: ["staff", "store"], edges: two)

        let three = [Order.Edge(dependent: "a", dependency: "b", id: 1), Order.Edge(dependent: "b", dependency: "c", id: 2),
                     Order.Edge(dependent: "c", dependency: "a", id: 3), Order.Edge(dependent: "d", dependency: "a", id: 4)]
        let result3 = Order(nodes: ["a", "b", "c", "d"], edges: three)
        #expect(result3.deferred.count == 1)
        expectValid(result3, nodes: ["a", "b", "c", "d"], edges: three)
    }

    @Test("two constraints between the same pair in both directions: the order breaks the fewest")
    func parallelEdges() {
        let edges = [Order.Edge(dependent: "a", dependency: "b", id: 1), Order.Edge(dependent: "a", dependency: "b", id: 2),
                     Order.Edge(dependent: "b", dependency: "a", id: 3)]
        let result = Order(nodes: ["a", "b"], edges: edges)
        #expect(result.deferred == [3])
        expectValid(result, nodes: ["a", "b"], edges: edges)
    }

    @Test("on random small graphs the deferred set is as small as any order allows", arguments: 0..<60)
    func minimalOnSmallGraphs(seed: UInt64) {
        let (nodes, edges) = randomGraph(count: 6, edges: 10, seed: seed)
        let result = Order(nodes: nodes, edges: edges)
        expectValid(result, nodes: nodes, edges: edges)
        #expect(result.deferred.count == bruteForceMinimum(nodes: nodes, edges: edges), "seed \(seed)")
    }

    @Test("random schemas of 50 tables with cycles: valid, stable whatever the input order", arguments: 0..<20)
    func fiftyTables(seed: UInt64) {
        let (nodes, edges) = randomGraph(count: 50, edges: 90, seed: seed &+ 1000)
        let result = Order(nodes: nodes, edges: edges)
        expectValid(result, nodes: nodes, edges: edges)
        var random = SeededRandom(state: seed)
        let shuffled = Order(nodes: nodes.shuffled(using: &random), edges: edges.shuffled(using: &random))
        #expect(shuffled.order == result.order)
        #expect(shuffled.deferred == result.deferred)
        // Only edges inside a cycle are ever deferred: without them the rest is acyclic, and each
        // deferred edge closes a cycle (its dependency reaches back to its dependent).
        for id in result.deferred {
            let edge = edges.first { $0.id == id }!
            var reached = Set([edge.dependency])
            var frontier = [edge.dependency]
            while let node = frontier.popLast() {
                for next in edges where next.dependent == node && !reached.contains(next.dependency) {
                    reached.insert(next.dependency)
                    frontier.append(next.dependency)
                }
            }
            #expect(reached.contains(edge.dependent), "edge \(id) was deferred without closing a cycle")
        }
    }

    @Test("a component larger than the exact limit still gives a valid order")
    func largeComponent() {
        // A ring of 40 tables plus chords: one strongly connected component.
        let nodes = (0..<40).map { "r\(String($0 + 100))" }
        var edges = (0..<40).map { Order.Edge(dependent: nodes[$0], dependency: nodes[($0 + 1) % 40], id: $0) }
        edges += (0..<40).map { Order.Edge(dependent: nodes[$0], dependency: nodes[($0 + 7) % 40], id: 100 + $0) }
        let result = Order(nodes: nodes, edges: edges)
        expectValid(result, nodes: nodes, edges: edges)
        #expect(!result.deferred.isEmpty)
    }
}
