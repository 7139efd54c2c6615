import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import fc from "fast-check";
import { clearSecrets, redact, redactValue, registerSecret } from "./redact.ts";

// setDefaultTimeout is per file: a generous ceiling for loaded 2-core CI machines (a hang still fails).
setDefaultTimeout(60_000);

afterEach(clearSecrets);

describe("redact", () => {
  test("masks registered secrets wherever they appear", () => {
    registerSecret("s3cr3t-client-value");
    expect(redact("posting client_secret s3cr3t-client-value now")).not.toContain("s3cr3t-client-value");
  });

  test("masks bearer tokens, JWTs, secret keys in JSON, query strings and account paths", () => {
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTYifQ.c2lnbmF0dXJlLXZhbHVl";
    const cases = [
      `Authorization: Bearer abc.def-ghi`,
      `token ${jwt}`,
      `{"refresh_token":"rt-123456","client_secret":"cs-99999"}`,
      `{"access-token":"tok-abcdef"}`,
      `POST /oauth/token grant_type=refresh_token&refresh_token=rt-123456&client_secret=cs-99999`,
      `GET /accounts/5WT12345/balances`,
      `account 5WT12345 is closed`,
      `{"account-number":"ZZZ-custom"}`,
    ];
    for (const c of cases) {
      const r = redact(c);
      for (const leaked of [
        "abc.def-ghi",
        jwt,
        "rt-123456",
        "cs-99999",
        "tok-abcdef",
        "5WT12345",
        "ZZZ-custom",
      ]) {
        expect(r).not.toContain(leaked);
      }
      expect(r).toContain("[REDACTED]");
    }
  });

  test("masks password and passwd values in JSON, query strings, key=value text and structured values", () => {
    const texts = [
      `{"password":"hunter2-pw","user":"ann"}`,
      `{"Passwd": "hunter2-pw"}`,
      `POST /sessions login=ann&password=hunter2-pw&remember-me=true`,
      `db url passwd=hunter2-pw;host=x`,
      `{"PASSWORD":"hunter2-pw"}`,
    ];
    for (const t of texts) {
      const r = redact(t);
      expect([t, r.includes("hunter2-pw")]).toEqual([t, false]);
      expect(r).toContain("[REDACTED]");
    }
    expect(redact(`login=ann&password=hunter2-pw`)).toBe("login=ann&password=[REDACTED]");
    const v = redactValue({ login: "ann", password: "hunter2-pw", nested: { Passwd: "hunter2-pw", n: 1 } });
    expect(v).toEqual({ login: "ann", password: "[REDACTED]", nested: { Passwd: "[REDACTED]", n: 1 } });
  });

  test("leaves ordinary text alone", () => {
    const s = "GET /instruments/equities?symbol[]=AAPL&symbol[]=MSFT 200 in 12ms";
    expect(redact(s)).toBe(s);
  });

  test("deep-redacts structured values by key", () => {
    const v = redactValue({
      headers: { Authorization: "Bearer xyz", "User-Agent": "ttapi/0.1.0" },
      nested: [{ token: "t" }],
    });
    expect(JSON.stringify(v)).not.toContain("xyz");
    expect(JSON.stringify(v)).toContain("ttapi/0.1.0");
    expect((v as { nested: { token: string }[] }).nested[0]?.token).toBe("[REDACTED]");
  });

  test("property: a registered secret never survives, whatever surrounds it", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 6, maxLength: 40 }),
        fc.string(),
        fc.string(),
        (secret, pre, post) => {
          fc.pre(secret.trim().length >= 6);
          clearSecrets();
          registerSecret(secret);
          expect(redact(pre + secret + post)).not.toContain(secret);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("argv and URL user-info", () => {
  test("values of secret-bearing options are masked, in every spelling", () => {
    const argv =
      "sim --client-secret s3cr3t-XYZ --refresh-token=r3fr3sh-XYZ --password 'p a s s' -token abc123 --port 0 --token-ttl 900 --quote-token-ttl 60";
    const out = redact(argv);
    for (const s of ["s3cr3t-XYZ", "r3fr3sh-XYZ", "p a s s", "abc123"]) expect(out).not.toContain(s);
    expect(out).toContain("--port 0 --token-ttl 900 --quote-token-ttl 60");
    expect(out).toContain("--client-secret [REDACTED]");
  });

  test("user-info in URLs is masked; host, port and path stay", () => {
    const out = redact("GET http://alice:hunter2@127.0.0.1:8080/path?x=1 and wss://tok@h/x");
    expect(out).toBe("GET http://[REDACTED]@127.0.0.1:8080/path?x=1 and wss://[REDACTED]@h/x");
    expect(redact("mail me at a@b.c, see http://host/a@b")).toBe("mail me at a@b.c, see http://host/a@b");
  });
});
