/** Levenshtein distance, two rows. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (!a.length) return b.length;
  if (!b.length) return a.length;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  let current = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length]!;
}

/** A name a client may have meant, and the other spellings it may have been asked by (e.g. the original name). */
export interface SuggestionCandidate {
  name: string;
  aliases?: readonly string[];
}

function scoreOne(needle: string, hay: string): number | undefined {
  if (needle.length >= 3 && hay.length >= 3 && (hay.includes(needle) || needle.includes(hay))) {
    return Math.abs(hay.length - needle.length) / 1000; // shared substring: ahead of any typo
  }
  const distance = editDistance(needle, hay);
  const tolerance = Math.max(2, Math.floor(Math.max(needle.length, hay.length) / 3));
  return distance <= tolerance ? 1 + distance : undefined;
}

/**
 * Up to `limit` candidates closest to `wanted`: one sharing a substring with it ranks first, then by edit
 * distance; candidates too far away to be a plausible mistake are left out.
 */
export function closestMatches(wanted: string, candidates: Iterable<SuggestionCandidate>, limit = 3): string[] {
  const needle = wanted.toLowerCase();
  const scored: Array<{ name: string; score: number }> = [];
  for (const candidate of candidates) {
    let best: number | undefined;
    for (const key of [candidate.name, ...(candidate.aliases ?? [])]) {
      const score = scoreOne(needle, key.toLowerCase());
      if (score !== undefined && (best === undefined || score < best)) best = score;
    }
    if (best !== undefined) scored.push({ name: candidate.name, score: best });
  }
  scored.sort((x, y) => x.score - y.score || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  return scored.slice(0, limit).map((s) => s.name);
}
