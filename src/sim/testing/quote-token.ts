/**
 * A DXLink quote-token provider for tests: asks the sim's `/api-quote-tokens` on every call, as
 * the client does on every (re)connect, and passes on the token, the DXLink URL and its expiry.
 * Structurally a client `QuoteTokenProvider` (the sim does not import client types).
 */
export function quoteTokenProvider(sim: {
  url: string;
}): () => Promise<{ token: string; dxlinkUrl: string; expiresAt: number }> {
  return async () => {
    const res = await fetch(`${sim.url}/api-quote-tokens`);
    const body = (await res.json()) as {
      data: { token: string; "dxlink-url": string; "expires-at"?: string };
    };
    const expiresAt = Date.parse(body.data["expires-at"] ?? "");
    return {
      token: body.data.token,
      dxlinkUrl: body.data["dxlink-url"],
      expiresAt: Number.isNaN(expiresAt) ? Date.now() + 86_400_000 : expiresAt,
    };
  };
}
