import Policy

/// Per-source state with a hard bound on memory and O(1) amortised work per event, whatever the number of sources
/// (a spoofed-source flood brings a new one with every packet; issue 14).
///
/// Entries are kept in the order they were last touched. ``expire(before:)`` drops them from the old end while
/// they are older than the cut-off; a full table evicts its oldest entry for a new one. Touching an entry again
/// leaves a stale mark in the order, skipped when met; the order is compacted once stale marks outnumber live
/// entries, so each touch pays for its own mark once.
struct SourceTable<Value>: Sendable where Value: Sendable {
    private struct Entry: Sendable {
        var value: Value
        var touched: Int64
        var generation: UInt64
    }

    private struct Mark: Sendable {
        let source: IPAddress
        let generation: UInt64
    }

    /// The most sources held at once.
    let capacity: Int
    private var entries: [IPAddress: Entry] = [:]
    private var order: [Mark] = []
    private var head = 0
    private var nextGeneration: UInt64 = 0
    /// Entries evicted to make room (a sign of a flood; statistics).
    private(set) var evicted = 0

    init(capacity: Int) {
        precondition(capacity >= 1, "a source table holds at least one source")
        self.capacity = capacity
    }

    var count: Int { entries.count }

    subscript(source: IPAddress) -> Value? { entries[source]?.value }

    /// Removes and returns the entry of `source` (to change it and ``put(_:_:touched:)`` it back).
    mutating func take(_ source: IPAddress) -> Value? { entries.removeValue(forKey: source)?.value }

    mutating func remove(_ source: IPAddress) { entries.removeValue(forKey: source) }

    /// Sets the entry of `source`, touched at `touched` (milliseconds), evicting the oldest entry if full.
    mutating func put(_ source: IPAddress, _ value: Value, touched: Int64) {
        if entries[source] == nil, entries.count >= capacity { evictOldest() }
        nextGeneration += 1
        entries[source] = Entry(value: value, touched: touched, generation: nextGeneration)
        order.append(Mark(source: source, generation: nextGeneration))
        if order.count - head > 2 * entries.count + 64 { compact() }
    }

    /// Drops entries last touched before `cutoff`, from the oldest; stops at the first newer one.
    mutating func expire(before cutoff: Int64) {
        while head < order.count {
            let mark = order[head]
            if let entry = entries[mark.source], entry.generation == mark.generation {
                guard entry.touched < cutoff else { break }
                entries.removeValue(forKey: mark.source)
            }
            head += 1
        }
        if head > 1024 && head > order.count / 2 { compact() }
    }

    private mutating func evictOldest() {
        while head < order.count {
            let mark = order[head]
            head += 1
            if entries[mark.source]?.generation == mark.generation {
                entries.removeValue(forKey: mark.source)
                evicted += 1
                return
            }
        }
    }

    /// Keeps only the live marks, in order.
    private mutating func compact() {
        order = order[head...].filter { entries[$0.source]?.generation == $0.generation }
        head = 0
    }
}
