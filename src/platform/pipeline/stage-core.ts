/** Stage 1, Core Data: accounts, balances, positions and the DXLink quote token. */
import pl from "nodejs-polars";
import { type QuoteToken, quoteTokenExpiry, quoteTokenUsable, type TastyClient } from "../../client/index.ts";
import { registerSecret } from "../../core/redact.ts";
import { type ArtifactValue, artifactTask } from "./artifact-task.ts";
import type { StageContext } from "./context.ts";
import type { TaskDef } from "./graph.ts";

/** Account numbers and tokens are private: their files are readable by the owner only. */
const PRIVATE = 0o600;

function accountNumbers(v: ArtifactValue): string[] {
  const nums = v.frame().getColumn("account_number").toArray() as string[];
  for (const n of nums) registerSecret(n);
  return nums;
}

const noAccounts = () => pl.DataFrame([pl.Series("account_number", [] as string[], pl.Utf8)]);

export function quoteTokenFromValue(v: ArtifactValue): QuoteToken {
  return quoteTokenFromFrame(v.frame());
}

function quoteTokenFromFrame(df: pl.DataFrame): QuoteToken {
  const token = String(df.getColumn("token").get(0));
  registerSecret(token);
  return {
    token,
    dxlinkUrl: String(df.getColumn("dxlink_url").get(0)),
    level: (df.getColumn("level").get(0) as string | null) ?? null,
    receivedAt: Number(df.getColumn("received_at").get(0)),
    // Tokens cached before `expires-at` was kept have no such column.
    expiresAt: df.columns.includes("expires_at")
      ? ((df.getColumn("expires_at").get(0) as number | null) ?? null)
      : null,
  };
}

export function coreTasks(sc: StageContext): TaskDef[] {
  const { env } = sc;
  const params = () => ({ source: sc.params.source });
  /** One frame per account, stacked: balances and positions are fetched the same way. */
  const perAccount = (
    key: "balances" | "positions",
    unit: string,
    fetch: (client: TastyClient, account: string, signal: AbortSignal) => Promise<pl.DataFrame>,
  ) =>
    artifactTask(env, {
      id: `core.${key}`,
      stage: "core",
      label: key,
      deps: ["core.accounts"],
      ref: { kind: "accounts", key },
      unit,
      mode: PRIVATE,
      params,
      staleIfError: true,
      compute: async (ctx) => {
        const { client } = await sc.api();
        const nums = accountNumbers(ctx.input<ArtifactValue>("core.accounts"));
        const frames = await Promise.all(nums.map((n) => fetch(client, n, ctx.signal)));
        return { frame: frames.length ? pl.concat(frames, { how: "vertical" }) : noAccounts() };
      },
    });
  return [
    artifactTask(env, {
      id: "core.accounts",
      stage: "core",
      label: "accounts",
      deps: [],
      ref: { kind: "accounts", key: "accounts" },
      unit: "accounts",
      mode: PRIVATE,
      params,
      staleIfError: true,
      onReuse: accountNumbers,
      compute: async (ctx) => ({
        frame: await (await sc.api()).client.frames.accounts({ signal: ctx.signal }),
      }),
    }),
    perAccount("balances", "accounts", (client, n, signal) => client.frames.balances(n, { signal })),
    perAccount("positions", "positions", (client, n, signal) =>
      client.frames.positions(n, { includeMarks: true }, { signal }),
    ),
    artifactTask(env, {
      id: "core.quote-token",
      stage: "core",
      label: "quote token",
      deps: [],
      ref: { kind: "quote-token", key: "token" },
      unit: "tokens",
      mode: PRIVATE,
      params,
      // Within the cache TTL but past (or near) its own `expires-at`: fetch a fresh one now, not
      // after DXLink refused it (the stored one would fail every --cached run until the TTL ends).
      validate: (m) => {
        const t = quoteTokenFromFrame(env.store.readFrame({ kind: "quote-token", key: "token" }, m));
        return quoteTokenUsable(t)
          ? null
          : `the stored quote token expires at ${new Date(quoteTokenExpiry(t)).toISOString()}`;
      },
      onReuse: (v) => void quoteTokenFromValue(v),
      compute: async (ctx) => {
        const t = await (await sc.api()).client.quoteToken({ signal: ctx.signal });
        registerSecret(t.token);
        const frame = pl.DataFrame([
          pl.Series("token", [t.token]),
          pl.Series("dxlink_url", [t.dxlinkUrl]),
          pl.Series("level", [t.level], pl.Utf8),
          pl.Series("received_at", [t.receivedAt], pl.Float64),
          pl.Series("expires_at", [t.expiresAt], pl.Float64),
        ]);
        return { frame };
      },
    }),
  ];
}
