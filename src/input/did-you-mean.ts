import { distance } from 'fastest-levenshtein';

/**
 * The candidate `input` was most likely meant to be, or undefined when none is close: a
 * case-insensitive match, or one within a third of the candidate's length in edits (at least
 * one edit), so "tabel-booking" finds "table-booking" but "udp" finds none of rest, ws, webrtc.
 */
export function closestName(input: string, candidates: readonly string[]): string | undefined {
  const sameButCase = candidates.find((candidate) => candidate.toLowerCase() === input.toLowerCase());
  if (sameButCase !== undefined) return sameButCase;
  let best: { candidate: string; edits: number } | undefined;
  for (const candidate of candidates) {
    const edits = distance(input.toLowerCase(), candidate.toLowerCase());
    const allowed = Math.max(1, Math.floor(candidate.length / 3));
    if (edits <= allowed && (best === undefined || edits < best.edits)) best = { candidate, edits };
  }
  return best?.candidate;
}

/** `; did you mean "x"?` when a candidate is close, else ''. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const match = closestName(input, candidates);
  return match === undefined ? '' : `; did you mean "${match}"?`;
}
