/**
 * One DXLink WebSocket: open, send, wait for a specific reply with a timeout, and the two liveness
 * duties — KEEPALIVE when we have sent nothing for a while, and a receive-side watchdog that declares
 * the socket dead when the server has been silent longer than it promised (a frozen socket never
 * closes by itself). The connection ends exactly once, with an `EndReason`; it never throws into the
 * socket's event loop.
 */
import WsWebSocket from "ws";

const OPEN = 1;

/** The part of the WebSocket API we use; both Bun's native WebSocket and `ws` provide it. */
interface Socket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(text: string): void;
  close(code?: number, reason?: string): void;
  terminate?(): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: { message?: string }) => void) | null;
}

type SocketCtor = new (url: string) => Socket;

/**
 * Bun's built-in WebSocket hands text frames over as strings; the `ws` package (which Bun maps onto
 * the same engine) converts from a Buffer on every frame, measurably slower at high rates. Outside
 * Bun, `ws` is the implementation.
 */
function openSocket(url: string, impl: "auto" | "native" | "ws"): Socket {
  const Native = (globalThis as { WebSocket?: SocketCtor }).WebSocket;
  const useNative =
    impl === "native" || (impl === "auto" && typeof Bun !== "undefined" && Native !== undefined);
  if (useNative && Native) return new Native(url);
  // No permessage-deflate: DXLink servers don't use it and it costs CPU on every frame.
  return new WsWebSocket(url, { perMessageDeflate: false }) as unknown as Socket;
}

export type EndKind =
  | "closed" // the socket closed (server close, network drop)
  | "frame-too-big" // 1009
  | "watchdog" // server silent past its keepalive timeout
  | "server-timeout" // ERROR TIMEOUT
  | "unauthorized" // token expired/revoked mid-stream
  | "auth-rejected" // AUTH answered UNAUTHORIZED
  | "handshake" // a handshake step failed or timed out
  | "token-expiring" // planned: the quote token is about to expire
  | "protocol" // the server reported a protocol error about us
  | "stopped"; // we closed it

export interface EndReason {
  kind: EndKind;
  message: string;
  code?: number;
}

export type Message = Record<string, unknown> & { type: string; channel?: number };

interface Waiter {
  pred: (m: Message) => boolean;
  resolve: (m: Message) => void;
  reject: (e: EndReason) => void;
  timer: ReturnType<typeof setTimeout>;
}

export interface ConnectionHooks {
  onMessage(m: Message, conn: Connection): void;
  /** Raw text length per frame (stats). */
  onFrame?(bytes: number): void;
}

export class Connection {
  readonly ws: Socket;
  lastRecvAt: number;
  lastSentAt: number;
  /** Server silence tolerated before the watchdog fires (server's promised keepaliveTimeout). */
  watchdogMs = 0;
  /** Send a KEEPALIVE after this much outbound silence. */
  keepaliveEveryMs = 0;
  private readonly waiters: Waiter[] = [];
  private ended: EndReason | null = null;
  private readonly endedP: Promise<EndReason>;
  private resolveEnded!: (r: EndReason) => void;
  private timer: ReturnType<typeof setInterval> | null = null;
  readonly openedAt: number;

  constructor(
    url: string,
    private readonly hooks: ConnectionHooks,
    private readonly now: () => number = Date.now,
    impl: "auto" | "native" | "ws" = "auto",
  ) {
    this.openedAt = now();
    this.lastRecvAt = this.openedAt;
    this.lastSentAt = this.openedAt;
    this.endedP = new Promise((r) => {
      this.resolveEnded = r;
    });
    this.ws = openSocket(url, impl);
    this.ws.onmessage = (ev) => this.onRaw(ev.data);
    this.ws.onclose = (ev) => {
      const code = ev.code;
      this.end({
        kind: code === 1009 ? "frame-too-big" : "closed",
        code,
        message: `socket closed (${code}${ev.reason ? ` ${ev.reason}` : ""})`,
      });
    };
    this.ws.onerror = (ev) => {
      // An error is followed by close; record the first message as the reason if we are still opening.
      if (this.ws.readyState !== OPEN)
        this.end({ kind: "closed", message: `connect failed: ${ev.message ?? "WebSocket error"}` });
    };
  }

  get isEnded(): boolean {
    return this.ended !== null;
  }

  /** Resolves once, when the connection is over. */
  whenEnded(): Promise<EndReason> {
    return this.endedP;
  }

  open(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.ws.readyState === OPEN) return resolve();
      const t = setTimeout(() => {
        const r: EndReason = {
          kind: "handshake",
          message: `WebSocket connect timed out after ${timeoutMs} ms`,
        };
        this.end(r);
        reject(r);
      }, timeoutMs);
      this.ws.onopen = () => {
        clearTimeout(t);
        resolve();
      };
      void this.endedP.then((r) => {
        clearTimeout(t);
        reject(r);
      });
    });
  }

  /** Start the keepalive/watchdog clock (after SETUP told us the server's timeouts). */
  startLiveness(): void {
    if (this.timer) return;
    const tick = Math.max(
      20,
      Math.min(1000, Math.floor(Math.min(this.watchdogMs, this.keepaliveEveryMs) / 4)),
    );
    this.timer = setInterval(() => this.checkLiveness(), tick);
  }

  private checkLiveness(): void {
    const t = this.now();
    if (this.watchdogMs > 0 && t - this.lastRecvAt > this.watchdogMs) {
      this.end({
        kind: "watchdog",
        message: `no message from the server for ${t - this.lastRecvAt} ms (limit ${this.watchdogMs} ms)`,
      });
      return;
    }
    if (this.keepaliveEveryMs > 0 && t - this.lastSentAt >= this.keepaliveEveryMs)
      this.send({ type: "KEEPALIVE", channel: 0 });
  }

  send(m: object): void {
    this.sendText(JSON.stringify(m));
  }

  sendText(text: string): void {
    if (this.ended || this.ws.readyState !== OPEN) return;
    this.lastSentAt = this.now();
    this.ws.send(text);
  }

  /** Wait for the next message matching `pred` (registered before the request is sent). */
  waitFor(pred: (m: Message) => boolean, timeoutMs: number, what: string): Promise<Message> {
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        pred,
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.waiters.indexOf(w);
          if (i >= 0) this.waiters.splice(i, 1);
          reject({ kind: "handshake", message: `no ${what} within ${timeoutMs} ms` } satisfies EndReason);
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }

  private onRaw(data: unknown): void {
    if (this.ended) return;
    this.lastRecvAt = this.now();
    const text =
      typeof data === "string" ? data : Buffer.isBuffer(data) ? data.toString("utf8") : String(data);
    this.hooks.onFrame?.(text.length);
    let m: Message;
    try {
      m = JSON.parse(text);
    } catch {
      return; // Not JSON: ignore (the server would be the one in breach); keep the socket.
    }
    if (m === null || typeof m !== "object" || typeof m.type !== "string") return;
    for (let i = 0; i < this.waiters.length; i++) {
      const w = this.waiters[i]!;
      if (w.pred(m)) {
        this.waiters.splice(i, 1);
        clearTimeout(w.timer);
        w.resolve(m);
        break;
      }
    }
    this.hooks.onMessage(m, this);
  }

  /** End the connection (idempotent): stop timers, fail waiters, drop the socket. */
  end(reason: EndReason, graceful = false): void {
    if (this.ended) return;
    this.ended = reason;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(reason);
    }
    try {
      if (graceful && this.ws.readyState === OPEN) this.ws.close(1000, "client closing");
      else if (this.ws.terminate) this.ws.terminate();
      else this.ws.close();
    } catch {
      // already closed
    }
    this.resolveEnded(reason);
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }
}
