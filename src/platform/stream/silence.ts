/**
 * Frozen-feed detection for the recorder. A socket that goes silent without closing is only caught
 * by the DXLink keepalive watchdog after the server's keepalive timeout (60 s by default, 75 s with
 * margin): a recording lost most of its events that way with no warning. This monitor learns the
 * feed's own cadence (a moving average of the gaps between data batches) and declares the feed
 * silent once nothing has arrived for `factor` × that cadence (at least `minSilenceMs`), so a
 * frozen socket is noticed within a few seconds and the recorder reconnects.
 *
 * A legitimately quiet feed (market closed) must not cause a reconnect loop: the monitor arms only
 * after `armAfter` batches on the current connection, and each gap that follows shortly after the
 * previous one doubles the limit (back to normal after `steadyMs` of flowing data).
 */

export interface SilenceGap {
  /** Epoch ms of the last data before the gap. */
  from: number;
  /** Epoch ms of the first data after it (or of the recording's end). */
  to: number;
}

export interface SilenceOptions {
  minSilenceMs?: number;
  maxSilenceMs?: number;
  factor?: number;
  armAfter?: number;
  steadyMs?: number;
}

export class SilenceMonitor {
  readonly gaps: SilenceGap[] = [];
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly armAfter: number;
  private readonly steadyMs: number;
  private lastAt = 0;
  private batches = 0;
  private avgMs = 0;
  private open: SilenceGap | null = null;
  private backoff = 1;
  private flowingSince = 0;

  constructor(o: SilenceOptions = {}) {
    this.minMs = o.minSilenceMs ?? 2_000;
    this.maxMs = o.maxSilenceMs ?? 60_000;
    this.factor = o.factor ?? 8;
    this.armAfter = o.armAfter ?? 5;
    this.steadyMs = o.steadyMs ?? 60_000;
  }

  /** A data batch arrived at `t`. */
  onData(t: number): void {
    if (this.open) {
      this.open.to = t;
      this.open = null;
      this.flowingSince = t;
    }
    if (this.batches > 0) {
      const dt = Math.max(0, t - this.lastAt);
      this.avgMs = this.batches === 1 ? dt : this.avgMs * 0.8 + dt * 0.2;
    }
    if (this.flowingSince === 0) this.flowingSince = t;
    if (this.backoff > 1 && t - this.flowingSince >= this.steadyMs) this.backoff = 1;
    this.lastAt = t;
    this.batches++;
  }

  /** A new connection: its first batches are a snapshot burst, not the cadence. */
  onConnected(): void {
    this.batches = 0;
    this.avgMs = 0;
  }

  /** The silence limit now (ms), or null while not armed. */
  limitMs(): number | null {
    if (this.batches < this.armAfter) return null;
    const base = Math.min(this.maxMs, Math.max(this.minMs, this.factor * this.avgMs));
    return Math.min(this.maxMs, base * this.backoff);
  }

  /**
   * Call periodically. Returns a description when the feed has just been declared silent (the
   * caller reconnects); null otherwise. A gap is declared once.
   */
  check(t: number): string | null {
    if (this.open) return null;
    const limit = this.limitMs();
    if (limit === null || t - this.lastAt <= limit) return null;
    this.open = { from: this.lastAt, to: t };
    this.gaps.push(this.open);
    // Declared again soon after the last one: be slower to call the next one (quiet market?).
    if (this.gaps.length > 1 && this.flowingSince > 0 && this.lastAt - this.flowingSince < this.steadyMs)
      this.backoff = Math.min(32, this.backoff * 2);
    this.batches = 0;
    return `no data for ${t - this.lastAt} ms (expected about every ${Math.round(this.avgMs)} ms; limit ${Math.round(limit)} ms)`;
  }

  /** Close an open gap at the end of the recording. */
  end(t: number): void {
    if (this.open) {
      this.open.to = Math.max(this.open.to, t);
      this.open = null;
    }
  }

  /** Total silent time (ms) over all gaps. */
  silentMs(): number {
    return this.gaps.reduce((s, g) => s + Math.max(0, g.to - g.from), 0);
  }
}
