// Text from the wire (ids, previews, reasons) on its way into a log line. The log escapes every
// message with `escapeText`, so no peer can end a line, start a fake one ("verdict: PASS",
// "RESULT {...}") or colour a terminal; `clip` also cuts a long id for human eyes (RESULT keeps it whole).

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

// C0 controls, DEL, C1 controls, and the Unicode line and paragraph separators.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** `text` on one line: every control character shown escaped (`\n`, `\x1b`, `\u2028`). */
export const escapeText = (text: string) =>
  text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return NAMED[c] ?? (code > 0xff ? `\\u${code.toString(16).padStart(4, "0")}` : `\\x${code.toString(16).padStart(2, "0")}`);
  });

/** The longest id a human log line shows in full. */
const CLIP_CHARS = 40;

/** `text` escaped and, past `max` characters, cut with an ellipsis: for ids and reasons in human lines. */
export function clip(text: string, max = CLIP_CHARS): string {
  const escaped = escapeText(text);
  return escaped.length > max ? `${escaped.slice(0, max - 1)}…` : escaped;
}
