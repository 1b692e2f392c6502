/** What a row is held to: its ratio (or, for memory, its own value) against a bound from the targets. */
export interface RowTarget {
  on: 'ratio' | 'value';
  op: '<=' | '>=';
  bound: number;
}

/**
 * One row of the bench: a value of Switchboard's and the same measure of a reference, taken in the same run,
 * and their ratio. Ratios travel between machines; the absolute values do not.
 */
export interface ComparisonRow {
  id: string;
  measure: string;
  unit: 'ms' | 'calls/s' | 'MiB';
  subject: { label: string; value: number };
  reference: { label: string; value: number };
  /** subject ÷ reference. */
  ratio: number;
  target?: RowTarget;
  /** Whether the target is met (absent without a target). */
  met?: boolean;
  /** Every sample behind the two values, for the JSON. */
  samples?: { subject: number[]; reference: number[] };
}

export function compare(
  id: string,
  measure: string,
  unit: ComparisonRow['unit'],
  subject: ComparisonRow['subject'],
  reference: ComparisonRow['reference'],
  target?: RowTarget,
  samples?: ComparisonRow['samples'],
): ComparisonRow {
  const ratio = subject.value / reference.value;
  const row: ComparisonRow = { id, measure, unit, subject, reference, ratio, ...(samples ? { samples } : {}) };
  if (!target) return row;
  const measured = target.on === 'ratio' ? ratio : subject.value;
  return { ...row, target, met: target.op === '<=' ? measured <= target.bound : measured >= target.bound };
}

export function describeTarget(target: RowTarget | undefined, unit: ComparisonRow['unit']): string {
  if (!target) return '';
  const op = target.op === '<=' ? '≤' : '≥';
  return target.on === 'ratio' ? `${op} ${target.bound}×` : `${op} ${target.bound} ${unit}`;
}

/** The median of a list of numbers (NaN for none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
