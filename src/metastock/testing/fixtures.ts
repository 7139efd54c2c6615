/** Test helpers: locate the committed MetaStock fixtures and extract the atem databases. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { internalError } from "../../core/errors.ts";

export const METASTOCK_FIXTURES = join(import.meta.dir, "..", "..", "..", "fixtures", "metastock");
export const DATABASES = ["msdir_stooq", "msdir_equis_b", "msdir_bbfinance"] as const;

/** Extract every `msdir_*.tar.xz` into a fresh temp dir; returns that dir. */
export function extractDatabases(): string {
  const dir = mkdtempSync(join(tmpdir(), "ttapi-msdir-"));
  for (const db of DATABASES) {
    const r = spawnSync("tar", ["-xJf", join(METASTOCK_FIXTURES, `${db}.tar.xz`), "-C", dir]);
    if (r.status !== 0) throw internalError(`tar -xJf failed for ${db}: ${r.stderr}`);
  }
  return dir;
}

export interface ExpectedRow {
  symbol: string;
  date: string;
  time: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  openint: string;
}

export function expectedRows(db: string): ExpectedRow[] {
  const text = readFileSync(join(METASTOCK_FIXTURES, "expected", `${db}.csv`), "utf8").trim();
  return text
    .split("\n")
    .slice(1)
    .map((l) => {
      const [symbol, date, time, open, high, low, close, volume, openint] = l.split(",");
      return { symbol, date, time, open, high, low, close, volume, openint } as ExpectedRow;
    });
}

/** The expected file's formatting of one of our rows, for exact comparison. */
export function formatRow(r: {
  symbol: string;
  date: string;
  time: number | null;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  openint: number | null;
}): ExpectedRow {
  const t = r.time === null || r.time < 0 ? 0 : r.time;
  const hh = String(Math.floor(t / 10000)).padStart(2, "0");
  const mm = String(Math.floor(t / 100) % 100).padStart(2, "0");
  const ss = String(t % 100).padStart(2, "0");
  return {
    symbol: r.symbol,
    date: r.date,
    time: `${hh}:${mm}:${ss}`,
    open: r.open.toFixed(5),
    high: r.high.toFixed(5),
    low: r.low.toFixed(5),
    close: r.close.toFixed(5),
    volume: Math.round(r.volume).toString(),
    openint: r.openint === null || Number.isNaN(r.openint) ? "-0" : Math.round(r.openint).toString(),
  };
}
