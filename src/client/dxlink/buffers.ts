/**
 * Consumer-side buffering. The socket reader hands each decoded batch to listeners synchronously and
 * never waits for a consumer; consumers that process asynchronously put a bounded buffer in between:
 *
 *  - `BoundedBatchQueue`: FIFO of batches capped by event count. On overflow the oldest batches are
 *    dropped and counted, except batches that complete a history snapshot (SNAPSHOT_END/SNIP), which
 *    are never dropped: losing a snapshot's tail leaves consumers waiting forever.
 *  - `LatestValueStore`: latest event per (type, symbol) — the right mode for quotes a UI or a
 *    snapshot job reads at its own pace. Overwritten-before-read updates are counted as conflated.
 */
import { batchToEvents, type CompactBatch, toNumber } from "./codec.ts";
import { type DxEvent, EventFlags } from "./events.ts";

export function batchEndsSnapshot(batch: CompactBatch): boolean {
  const fi = batch.fields.indexOf("eventFlags");
  if (fi < 0) return false;
  const width = batch.fields.length;
  const mask = EventFlags.SNAPSHOT_END | EventFlags.SNAPSHOT_SNIP;
  for (let i = fi; i < batch.values.length; i += width) {
    const f = toNumber(batch.values[i]);
    if (f !== null && (f & mask) !== 0) return true;
  }
  return false;
}

export class BoundedBatchQueue implements AsyncIterable<CompactBatch> {
  private readonly items: CompactBatch[] = [];
  private head = 0;
  private events = 0;
  private waiter: (() => void) | null = null;
  private closed = false;
  /** Events dropped because the queue was full. */
  dropped = 0;
  droppedBatches = 0;

  constructor(readonly maxEvents: number) {}

  get size(): number {
    return this.events;
  }

  push(batch: CompactBatch): void {
    if (this.closed) return;
    this.items.push(batch);
    this.events += batch.count;
    while (this.events > this.maxEvents && this.head < this.items.length - 1) {
      // Drop the oldest droppable batch (never a snapshot-completing one).
      let idx = this.head;
      while (idx < this.items.length - 1 && batchEndsSnapshot(this.items[idx]!)) idx++;
      if (idx >= this.items.length - 1) break;
      const [victim] = this.items.splice(idx, 1);
      this.events -= victim!.count;
      this.dropped += victim!.count;
      this.droppedBatches++;
    }
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    this.wake();
  }

  /** The next batch, or null when the queue is closed and empty. */
  async next(): Promise<CompactBatch | null> {
    for (;;) {
      if (this.head < this.items.length) {
        const b = this.items[this.head]!;
        this.items[this.head++] = undefined as unknown as CompactBatch;
        this.events -= b.count;
        return b;
      }
      if (this.closed) return null;
      await new Promise<void>((r) => {
        this.waiter = r;
      });
    }
  }

  /** Take everything queued now, without waiting. */
  drain(): CompactBatch[] {
    const out = this.items.slice(this.head);
    this.items.length = 0;
    this.head = 0;
    this.events = 0;
    return out;
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<CompactBatch> {
    for (;;) {
      const b = await this.next();
      if (b === null) return;
      yield b;
    }
  }
}

interface Slot {
  type: string;
  fields: readonly string[];
  /** This event's values only: a slot never keeps a whole batch alive. */
  values: unknown[];
  read: boolean;
}

export class LatestValueStore {
  private readonly slots = new Map<string, Slot>();
  private readonly changed = new Set<string>();
  /** Updates that replaced a value nobody had read yet. */
  conflated = 0;
  updates = 0;

  /** Record every event of a batch (batches without eventSymbol cannot be keyed and are skipped). */
  push(batch: CompactBatch): void {
    const si = batch.fields.indexOf("eventSymbol");
    if (si < 0) return;
    const width = batch.fields.length;
    const src = batch.values;
    for (let e = 0; e < batch.count; e++) {
      const base = e * width;
      const symbol = src[base + si];
      if (typeof symbol !== "string") continue;
      const key = `${batch.type}\u0001${symbol}`;
      const slot = this.slots.get(key);
      if (slot && slot.fields === batch.fields) {
        // Same field list: overwrite in place, no allocation per update.
        if (!slot.read) this.conflated++;
        for (let f = 0; f < width; f++) slot.values[f] = src[base + f];
        slot.read = false;
      } else {
        if (slot && !slot.read) this.conflated++;
        this.slots.set(key, {
          type: batch.type,
          fields: batch.fields,
          values: src.slice(base, base + width),
          read: false,
        });
      }
      this.changed.add(key);
      this.updates++;
    }
  }

  get size(): number {
    return this.slots.size;
  }

  /** The latest event for (type, symbol), or undefined. */
  get(type: string, symbol: string): DxEvent | undefined {
    const slot = this.slots.get(`${type}\u0001${symbol}`);
    if (!slot) return undefined;
    slot.read = true;
    return eventOf(slot);
  }

  /** The events that changed since the last call (each symbol once, latest value). */
  takeChanged(): DxEvent[] {
    const out: DxEvent[] = [];
    for (const key of this.changed) {
      const slot = this.slots.get(key)!;
      slot.read = true;
      out.push(eventOf(slot));
    }
    this.changed.clear();
    return out;
  }
}

function eventOf(slot: Slot): DxEvent {
  return batchToEvents({ type: slot.type, fields: slot.fields, values: slot.values, count: 1 })[0]!;
}
