// Many integer ids in one short log line.

/** Ids as compact ranges, "0-3, 7, 9-12", cut short after `limit` ranges. */
export function ranges(ids: Iterable<number>, limit = 10): string {
  const parts: string[] = [];
  const sorted = [...ids].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.length > limit ? `${parts.slice(0, limit).join(", ")}, ... (${parts.length - limit} more ranges)` : parts.join(", ");
}
