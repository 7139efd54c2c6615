/**
 * `ttapi sim`: run the simulated exchange (TastyTrade REST + DXLink) on 127.0.0.1 until
 * SIGINT/SIGTERM. Prints where it listens and the demo OAuth credentials it accepts: those are
 * the sim's own fixed values, not user secrets, so printing them is the point.
 */
import { defineCommand } from "citty";
import { usageError } from "../../core/errors.ts";
import { globalArgs, runAction } from "../context.ts";

export default defineCommand({
  meta: { name: "sim", description: "run the simulated TastyTrade REST + DXLink exchange on 127.0.0.1" },
  args: {
    ...globalArgs,
    port: { type: "string", description: "TCP port (0 = pick a free one)", default: "0", valueHint: "N" },
    seed: {
      type: "string",
      description: "market seed: same seed, same bytes",
      default: "ttapi",
      valueHint: "S",
    },
    today: {
      type: "string",
      description:
        "the market's today: now (default, so `ttapi run` against it finds current data) or a fixed date",
      valueHint: "now|YYYY-MM-DD",
    },
    "candle-echo": {
      type: "string",
      description:
        "how DXLink names candles in its data: subscribed (default) or canonical (SPY{=d} for SPY{=1d})",
      valueHint: "subscribed|canonical",
    },
    sandbox: {
      type: "boolean",
      description: "behave like the sandbox (cert) host: no Accept-Version, 502 on market metrics/quotes",
    },
    faults: {
      type: "string",
      description:
        "fault spec, e.g. rate-limit,errors=0.2,reset=0.05,latency=20ms,truncate=0.01,goaway=100,revoke=60s,drop-ws=2s,freeze-ws=30s,slow-ws",
      valueHint: "SPEC",
    },
    "token-ttl": {
      type: "string",
      description: "access-token lifetime in seconds",
      default: "900",
      valueHint: "SECONDS",
    },
    "quote-token-ttl": {
      type: "string",
      description: "quote-token lifetime in seconds",
      default: "86400",
      valueHint: "SECONDS",
    },
    "client-secret": {
      type: "string",
      description: "OAuth client secret the sim accepts (default sim-secret)",
      valueHint: "X",
    },
    "refresh-token": {
      type: "string",
      description: "OAuth refresh token the sim accepts (default sim-refresh)",
      valueHint: "Y",
    },
    live: { type: "boolean", description: "REST snapshots follow the wall clock instead of today's close" },
    json: { type: "boolean", description: "print the endpoints and credentials as one JSON line on stdout" },
  },
  run: ({ args }) =>
    runAction("sim", args, async ({ signal, log }) => {
      const port = intArg(args.port, "--port", 0, 65535);
      const tokenTtlSec = intArg(args["token-ttl"], "--token-ttl", 1, 365 * 86400);
      const quoteTokenTtlSec = intArg(args["quote-token-ttl"], "--quote-token-ttl", 1, 365 * 86400);
      const echo = args["candle-echo"] ?? "subscribed";
      if (echo !== "subscribed" && echo !== "canonical")
        throw usageError(`--candle-echo must be subscribed or canonical, got "${echo}"`, {
          hint: "e.g. --candle-echo canonical",
        });
      const { startSim } = await import("../../platform/sim.ts");
      const sim = await startSim({
        port,
        seed: args.seed,
        // The wall-clock date by default: a client counts its candle window back from today, so a
        // fixed past date would serve nothing it asks for.
        today: args.today || "now",
        ...(args.sandbox ? { environment: "sandbox" as const } : {}),
        ...(echo === "canonical" ? { dxlink: { dialect: { candleEcho: "canonical" as const } } } : {}),
        ...(args.faults ? { faults: args.faults } : {}),
        tokenTtlSec,
        quoteTokenTtlSec,
        ...(args["client-secret"] ? { clientSecret: args["client-secret"] } : {}),
        ...(args["refresh-token"] ? { refreshToken: args["refresh-token"] } : {}),
        ...(args.live ? { marketNow: Date.now } : {}),
      });
      const info = {
        url: sim.url,
        wsUrl: sim.wsUrl,
        clientSecret: sim.clientSecret,
        refreshToken: sim.refreshToken,
        seed: args.seed,
        today: sim.universe.today,
        faults: args.faults ?? "",
      };
      if (args.json) process.stdout.write(`${JSON.stringify(info)}\n`);
      else {
        process.stderr.write(
          [
            `ttapi sim listening (seed ${info.seed}, today ${info.today}${info.faults ? `, faults ${info.faults}` : ""})`,
            `  REST base URL   ${sim.url}`,
            `  DXLink URL      ${sim.wsUrl}`,
            `  client secret   ${sim.clientSecret}`,
            `  refresh token   ${sim.refreshToken}`,
            `  try: TTAPI_ENV=${args.sandbox ? "sandbox" : "sim"} TTAPI_API_URL=${sim.url} TT_CLIENT_SECRET=${sim.clientSecret} TT_REFRESH_TOKEN=${sim.refreshToken} ttapi run`,
            "  Ctrl-C stops",
            "",
          ].join("\n"),
        );
      }
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener("abort", () => resolve(), { once: true });
      });
      const s = sim.stats;
      await sim.stop();
      log.info("sim stopped", { requests: s.requests, bytesOut: s.bytesOut, faults: s.faults });
      process.stderr.write(
        `ttapi sim stopped: ${s.requests} requests, ${s.bytesOut} bytes out, faults ${JSON.stringify(s.faults)}\n`,
      );
      return 0;
    }),
});

function intArg(value: unknown, flag: string, min: number, max: number): number {
  const text = String(value ?? "");
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw usageError(`${flag} "${text}" must be an integer from ${min} to ${max}`, {
      hint: `e.g. ${flag} ${min === 0 ? 8080 : 900}`,
    });
  }
  return Number(text);
}
