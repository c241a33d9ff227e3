/**
 * Explain's trace in words, for the ops CLI and the console alike: in the
 * order of the decision table (docs/api.md, "How it decides"), each check a
 * question with its answer — "yes — decides", or "no" and what the gate saw
 * ("no: rule PE: enforce at 100%, bucket 37 → enforce") — and the table's
 * row shown on the first of that row's checks only, since a row may hold
 * several (row 1: the token, a sign-out, the device's key). Before, each
 * line read "enforcement off — pass" (as if enforcement were off) and row
 * numbers repeated out of order.
 */

export interface TraceStep {
  row: number;
  check: string;
  matched: boolean;
  detail?: string | undefined;
}

export type TraceLine = {
  /** The decision table's row, or '' for another check of the row above. */
  row: string;
  check: string;
  answer: string;
};

export function traceLines(trace: readonly TraceStep[]): TraceLine[] {
  const ordered = trace.toSorted((a, b) => a.row - b.row);
  return ordered.map((step, index) => ({
    row: index > 0 && ordered[index - 1]!.row === step.row ? '' : String(step.row),
    check: step.check,
    answer: `${step.matched ? 'yes — decides' : 'no'}${step.detail ? `: ${step.detail}` : ''}`,
  }));
}
