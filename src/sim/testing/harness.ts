/** Small helpers for tests that talk to an in-process sim over real HTTP on 127.0.0.1. */
import { type SimOptions, type SimServer, startSim } from "../index.ts";

export const UA = "ttapi-test/0.1.0";

export interface Harness {
  sim: SimServer;
  token: string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  json<T = unknown>(path: string): Promise<T>;
}

export async function grant(sim: SimServer, extra: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sim.url}/oauth/token`, {
    method: "POST",
    headers: { "user-agent": UA, "content-type": "application/json" },
    body: JSON.stringify({
      grant_type: "refresh_token",
      refresh_token: sim.refreshToken,
      client_secret: sim.clientSecret,
      ...extra,
    }),
  });
}

export async function harness(options: SimOptions = {}): Promise<Harness> {
  const sim = await startSim(options);
  const r = await grant(sim);
  const body = (await r.json()) as { access_token: string };
  const token = body.access_token;
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${sim.url}${path}`, {
      headers: { "user-agent": UA, authorization: `Bearer ${token}`, ...headers },
    });
  return {
    sim,
    token,
    get,
    async json<T>(path: string): Promise<T> {
      const res = await get(path);
      if (res.status !== 200) throw new TypeError(`GET ${path} → ${res.status}: ${await res.text()}`);
      return (await res.json()) as T;
    },
  };
}
