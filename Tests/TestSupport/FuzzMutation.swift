/// Damage to a byte string: a few bytes flipped, inserted, deleted, or cut off the end.
public enum FuzzMutation {
    public static func mutate(_ bytes: [UInt8], _ random: inout SeededRandom) -> [UInt8] {
        var result = bytes
        for _ in 0..<Int.random(in: 1...4, using: &random) where !result.isEmpty {
            let position = Int.random(in: 0..<result.count, using: &random)
            switch Int.random(in: 0..<4, using: &random) {
            case 0: result[position] ^= UInt8(1) << UInt8.random(in: 0...7, using: &random)
            case 1: result.insert(UInt8.random(in: 0...255, using: &random), at: position)
            case 2: result.remove(at: position)
            default: result.removeLast(Int.random(in: 1...min(64, result.count), using: &random))
            }
        }
        return result
    }
}
