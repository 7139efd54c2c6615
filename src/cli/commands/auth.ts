/**
 * `ttapi auth login|status|logout`: store the OAuth client secret + refresh token (flags, env or a
 * hidden prompt) in a 0600 credentials file under the config dir, show the environment and token
 * expiry (never a secret), and forget credentials and cached tokens.
 */
import { defineCommand } from "citty";
import { xdgConfigHome } from "../../core/config.ts";
import { apiArgs, globalArgs, runAction } from "../context.ts";

const json = { json: { type: "boolean", description: "machine-readable output on stdout" } } as const;

/** Read one line from the terminal without echoing it (secrets must not end up in scrollback). */
async function readHidden(label: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(label);
  if (!stdin.isTTY) {
    // Piped input: read the next line.
    for await (const line of console) return line.trim();
    return "";
  }
  return await new Promise<string>((resolve) => {
    let value = "";
    stdin.setRawMode(true);
    stdin.resume();
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString("utf8")) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off("data", onData);
          process.stderr.write("\n");
          resolve(value.trim());
          return;
        }
        if (ch === "\u0003") {
          stdin.setRawMode(false);
          process.stderr.write("\n");
          process.exit(130);
        }
        if (ch === "\u007f") value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on("data", onData);
  });
}

function describeExpiry(expiresAt: number | null, hasCredentials = true): string {
  if (expiresAt === null)
    return hasCredentials
      ? "no cached access token (one is obtained on the next API call)"
      : "none (no credentials to obtain one with)";
  const s = Math.round((expiresAt - Date.now()) / 1000);
  return s > 0
    ? `access token expires ${new Date(expiresAt).toISOString()} (in ${s} s)`
    : `cached access token expired ${new Date(expiresAt).toISOString()}`;
}

const login = defineCommand({
  meta: {
    name: "login",
    description: "store the OAuth client secret + refresh token (verified with one token grant)",
  },
  args: {
    ...globalArgs,
    ...apiArgs,
    ...json,
    "client-secret": {
      type: "string",
      description: "OAuth client secret (default: TT_CLIENT_SECRET, else prompt)",
      valueHint: "SECRET",
    },
    "refresh-token": {
      type: "string",
      description: "OAuth refresh token (default: TT_REFRESH_TOKEN, else prompt)",
      valueHint: "TOKEN",
    },
    "client-id": { type: "string", description: "OAuth client id (optional)", valueHint: "ID" },
    verify: {
      type: "boolean",
      description: "verify with one token grant before storing (--no-verify to skip)",
      default: true,
    },
  },
  run: ({ args }) =>
    runAction(
      "auth",
      args,
      async ({ config, dataDir, signal }) => {
        const { authLogin } = await import("../../platform/auth.ts");
        let clientSecret = config["api.client-secret"];
        let refreshToken = config["api.refresh-token"];
        if (!clientSecret) clientSecret = await readHidden("client secret: ");
        if (!refreshToken) refreshToken = await readHidden("refresh token: ");
        const { file, status } = await authLogin(config, dataDir, xdgConfigHome(), {
          clientSecret,
          refreshToken,
          clientId: config["api.client-id"] || null,
          verify: args.verify !== false,
          signal,
        });
        if (args.json) process.stdout.write(`${JSON.stringify({ ...status, stored: file })}\n`);
        else {
          process.stderr.write(`credentials for ${status.env} (${status.baseUrl}) stored in ${file}\n`);
          if (status.checked) process.stderr.write(`verified: ${describeExpiry(status.tokenExpiresAt)}\n`);
        }
      },
      {
        "client-secret": "api.client-secret",
        "refresh-token": "api.refresh-token",
        "client-id": "api.client-id",
      },
    ),
});

const status = defineCommand({
  meta: {
    name: "status",
    description: "show the environment, where credentials come from and when the token expires",
  },
  args: {
    ...globalArgs,
    ...apiArgs,
    ...json,
    check: { type: "boolean", description: "obtain/validate a token now (one grant if none is cached)" },
  },
  run: ({ args }) =>
    runAction("auth", args, async ({ config, dataDir, signal }) => {
      const { authStatus } = await import("../../platform/auth.ts");
      const s = await authStatus(config, dataDir, xdgConfigHome(), { check: Boolean(args.check), signal });
      const hasCredentials = s.credentialSource !== "none";
      // The same exit code with and without --json: 77 (auth) when there is nothing to log in with.
      const code = hasCredentials ? 0 : 77;
      if (args.json) {
        process.stdout.write(
          `${JSON.stringify({ ...s, hasCredentials, tokenExpiresAt: s.tokenExpiresAt === null ? null : new Date(s.tokenExpiresAt).toISOString() })}\n`,
        );
        return code;
      }
      const source =
        s.credentialSource === "config"
          ? "flags/environment/config file"
          : s.credentialSource === "credentials-file"
            ? s.credentialsFile
            : s.credentialSource === "sim-defaults"
              ? "the sim's default credentials"
              : "none (run `ttapi auth login`)";
      process.stdout.write(
        `environment: ${s.env}\nurl: ${s.baseUrl}\ncredentials: ${source}\ntoken: ${describeExpiry(s.tokenExpiresAt, hasCredentials)}${s.checked ? " (checked now)" : ""}\n`,
      );
      return code;
    }),
});

const logout = defineCommand({
  meta: {
    name: "logout",
    description: "forget the stored credentials of the environment and every cached access token",
  },
  args: { ...globalArgs, ...apiArgs, ...json },
  run: ({ args }) =>
    runAction("auth", args, async ({ config, dataDir }) => {
      const { authLogout } = await import("../../platform/auth.ts");
      const r = authLogout(config, dataDir, xdgConfigHome());
      if (args.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else
        process.stderr.write(
          `${r.removedCredentials ? `removed the ${config["api.env"]} credentials` : `no stored ${config["api.env"]} credentials`}; removed ${r.removedTokens} cached token(s)\n`,
        );
    }),
});

export default defineCommand({
  meta: { name: "auth", description: "store credentials and show token status (login, status, logout)" },
  subCommands: { login, status, logout },
});
