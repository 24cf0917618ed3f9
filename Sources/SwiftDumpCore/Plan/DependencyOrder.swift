/// Orders objects so each comes after the objects it depends on — tables after the tables their
/// foreign keys reference — deferring as few dependencies as possible where they form cycles.
///
/// - Ties are broken by name, so the same schema always gives the same order.
/// - A dependency of a node on itself (a self-referencing table) needs no ordering and is ignored.
/// - In each cycle (strongly connected component) the deferred edges are the fewest that make it
///   acyclic: an exact search for components of up to 16 nodes (a minimum feedback arc set, by
///   dynamic programming over subsets), a greedy rule above that.
public struct DependencyOrder<Node: Hashable & Comparable, EdgeID: Hashable>: Sendable where Node: Sendable, EdgeID: Sendable {
    public struct Edge: Sendable {
        /// The node that must come later (the child table).
        public let dependent: Node
        /// The node that must come first (the referenced table).
        public let dependency: Node
        public let id: EdgeID

        public init(dependent: Node, dependency: Node, id: EdgeID) {
            self.dependent = dependent
            self.dependency = dependency
            self.id = id
        }
    }

    /// Every node, each after its dependencies except through a deferred edge.
    public let order: [Node]
    /// The edges left out to break cycles: their constraints are added after the data.
    public let deferred: Set<EdgeID>

    /// Components larger than this use the greedy rule (2^n states otherwise).
    static var exactLimit: Int { 16 }

    public init(nodes: [Node], edges: [Edge]) {
        let nodeSet = Set(nodes)
        let edges = edges.filter { $0.dependent != $0.dependency && nodeSet.contains($0.dependent) && nodeSet.contains($0.dependency) }
        var deferred = Set<EdgeID>()
        for component in Self.stronglyConnectedComponents(nodes: nodes.sorted(), edges: edges) where component.count > 1 {
            let members = Set(component)
            let inside = edges.filter { members.contains($0.dependent) && members.contains($0.dependency) }
            let sequence = component.count <= Self.exactLimit
                ? Self.exactSequence(component, inside) : Self.greedySequence(component, inside)
            let position = Dictionary(uniqueKeysWithValues: sequence.enumerated().map { ($1, $0) })
            for edge in inside where position[edge.dependency]! > position[edge.dependent]! {
                deferred.insert(edge.id)
            }
        }
        self.deferred = deferred
        self.order = Self.topologicalOrder(nodes: nodes, edges: edges.filter { !deferred.contains($0.id) })
    }

    /// Kahn's algorithm, always taking the smallest ready node.
    static func topologicalOrder(nodes: [Node], edges: [Edge]) -> [Node] {
        var waitingOn: [Node: Int] = [:]
        var dependents: [Node: [Node]] = [:]
        for node in nodes { waitingOn[node] = 0 }
        for edge in edges {
            waitingOn[edge.dependent, default: 0] += 1
            dependents[edge.dependency, default: []].append(edge.dependent)
        }
        var ready = nodes.filter { waitingOn[$0] == 0 }.sorted(by: >)
        var order: [Node] = []
        order.reserveCapacity(nodes.count)
        while let next = ready.popLast() {
            order.append(next)
            for dependent in dependents[next] ?? [] {
                waitingOn[dependent]! -= 1
                if waitingOn[dependent] == 0 {
                    // Keep `ready` sorted descending so popLast gives the smallest.
                    let index = ready.firstIndex { $0 < dependent } ?? ready.endIndex
                    ready.insert(dependent, at: index)
                }
            }
        }
        precondition(order.count == nodes.count, "the graph still has a cycle after deferring edges")
        return order
    }

    /// Tarjan's algorithm, iteratively (a long chain of tables must not exhaust the stack).
    static func stronglyConnectedComponents(nodes: [Node], edges: [Edge]) -> [[Node]] {
        var successors: [Node: [Node]] = [:]
        for edge in edges { successors[edge.dependent, default: []].append(edge.dependency) }
        var index: [Node: Int] = [:]
        var lowLink: [Node: Int] = [:]
        var onStack = Set<Node>()
        var stack: [Node] = []
        var components: [[Node]] = []
        var counter = 0
        for root in nodes where index[root] == nil {
            var work: [(node: Node, next: Int)] = [(root, 0)]
            index[root] = counter; lowLink[root] = counter; counter += 1
            stack.append(root); onStack.insert(root)
            while var frame = work.popLast() {
                let neighbours = successors[frame.node] ?? []
                if frame.next < neighbours.count {
                    let neighbour = neighbours[frame.next]
                    frame.next += 1
                    work.append(frame)
                    if index[neighbour] == nil {
                        index[neighbour] = counter; lowLink[neighbour] = counter; counter += 1
                        stack.append(neighbour); onStack.insert(neighbour)
                        work.append((neighbour, 0))
                    } else if onStack.contains(neighbour) {
                        lowLink[frame.node] = min(lowLink[frame.node]!, index[neighbour]!)
                    }
                    continue
                }
                if let parent = work.last {
                    lowLink[parent.node] = min(lowLink[parent.node]!, lowLink[frame.node]!)
                }
                if lowLink[frame.node] == index[frame.node] {
                    var component: [Node] = []
                    while let member = stack.popLast() {
                        onStack.remove(member)
                        component.append(member)
                        if member == frame.node { break }
                    }
                    components.append(component.sorted())
                }
            }
        }
        return components
    }

    /// The sequence of a component's nodes with the fewest edges whose dependency comes after
    /// its dependent. best[S] is the fewest such edges placing exactly the set S first.
    static func exactSequence(_ component: [Node], _ edges: [Edge]) -> [Node] {
        let count = component.count
        let position = Dictionary(uniqueKeysWithValues: component.enumerated().map { ($1, $0) })
        // dependentsMask[v]: the nodes that depend on v; placing v after them costs one each.
        var dependentsOf = [[Int]](repeating: [], count: count)
        for edge in edges { dependentsOf[position[edge.dependency]!].append(position[edge.dependent]!) }
        let full = (1 << count) - 1
        var best = [Int](repeating: Int.max, count: 1 << count)
        var choice = [Int](repeating: -1, count: 1 << count)
        best[0] = 0
        for placed in 0..<full where best[placed] != Int.max {
            for node in 0..<count where placed & (1 << node) == 0 {
                let cost = best[placed] + dependentsOf[node].reduce(0) { $0 + (placed & (1 << $1) != 0 ? 1 : 0) }
                let next = placed | (1 << node)
                // Ties: the first (smallest-named) node to go next wins, keeping the result stable.
                if cost < best[next] {
                    best[next] = cost
                    choice[next] = node
                }
            }
        }
        var sequence: [Node] = []
        var remaining = full
        while remaining != 0 {
            let node = choice[remaining]
            sequence.append(component[node])
            remaining &= ~(1 << node)
        }
        return sequence.reversed()
    }

    /// For large components: repeatedly place the node whose placing breaks the fewest edges
    /// (the fewest unplaced dependencies), smallest name first.
    static func greedySequence(_ component: [Node], _ edges: [Edge]) -> [Node] {
        var unplaced = Set(component)
        var sequence: [Node] = []
        while !unplaced.isEmpty {
            let next = unplaced.min { left, right in
                let leftCost = edges.filter { $0.dependent == left && unplaced.contains($0.dependency) }.count
                let rightCost = edges.filter { $0.dependent == right && unplaced.contains($0.dependency) }.count
                return leftCost != rightCost ? leftCost < rightCost : left < right
            }!
            sequence.append(next)
            unplaced.remove(next)
        }
        return sequence
    }
}
