/**
 * A memo that forgets its oldest entries past a size: the sim's per-symbol caches (instrument
 * lookups, greeks and trading activity at the last instant asked) are pure functions of their key,
 * so a forgotten entry only costs recomputing it. Unbounded, they kept an entry for every option a
 * run ever subscribed — ~175k in a full demo run, ~100 MB of heap beside the client's own.
 *
 * Eviction is first-in first-out through a ring of keys: dropping a Map's first key instead
 * (`keys().next()`) walks over the slots of every key deleted before it, which made a full demo's
 * option pass 50 % slower.
 */
export class BoundedMemo<K, V> {
  readonly #entries = new Map<K, V>();
  readonly #ring: (K | undefined)[];
  #next = 0;

  constructor(readonly limit: number) {
    this.#ring = new Array(Math.max(1, limit));
  }

  get(key: K): V | undefined {
    return this.#entries.get(key);
  }

  set(key: K, value: V): void {
    const m = this.#entries;
    if (!m.has(key)) {
      const oldest = this.#ring[this.#next];
      if (oldest !== undefined) m.delete(oldest);
      this.#ring[this.#next] = key;
      this.#next = (this.#next + 1) % this.#ring.length;
    }
    m.set(key, value);
  }

  get size(): number {
    return this.#entries.size;
  }
}
