/**
 * The previous dataset's (period, symbol) folders this import did not touch are kept as they
 * were (hard-linked into the staging tree), except that folders from before the Categorical text
 * columns are upgraded (see ../bars-schema.ts): a glob scan fails on a dataset that mixes both.
 * A folder is written whole by one import, so its first file tells.
 */
import { barsSymbolDir } from "../../core/bars.ts";
import { isStoredBarsFile } from "../bars-schema.ts";
import { carryOver, type DatasetEntry } from "./output.ts";
import { upgradeBarsFiles, type WriteOptions } from "./parquet.ts";

/** Returns the number of files upgraded; unreadable previous files are kept and reported. */
export function carryOverUntouched(
  untouched: Iterable<DatasetEntry>,
  staging: string,
  o: WriteOptions,
  warnings: string[],
): number {
  let upgraded = 0;
  for (const e of untouched) {
    const target = barsSymbolDir(staging, e.period, e.symbol);
    carryOver(e.dir, target);
    let stored = true;
    try {
      stored = e.files.length === 0 || isStoredBarsFile(e.files[0]!);
    } catch (err) {
      // Not this import's data to judge: keep it as it was (as before), but say so.
      warnings.push(`${e.files[0]}: unreadable, kept as it was (${(err as Error).message.split("\n")[0]})`);
    }
    if (!stored) upgraded += upgradeBarsFiles(target, o);
  }
  return upgraded;
}
