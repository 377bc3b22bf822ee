/** What every pattern's `wire.ts` parser returns: the decoded message, or why it was refused. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

export const accept = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const reject = <T = never>(reason: string): Parsed<T> => ({ ok: false, reason });
