// Inline code in plain text ("Add `lifecycle { prevent_destroy = true }`"): the one piece of Markdown
// the engine's remediation and messages use. Split here and drawn as <code> text by React, so nothing
// in the text can become a link, an image or HTML.

export interface TextPart {
  text: string;
  code: boolean;
}

/** The text in parts, code spans marked: a run of n backticks opens a span that the next run of exactly n
 * backticks closes (CommonMark's rule); an unmatched run stays as it is. */
export function splitInlineCode(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let plain = "";
  let i = 0;
  while (i < text.length) {
    if (text[i] !== "`") {
      plain += text[i];
      i += 1;
      continue;
    }
    let width = 0;
    while (text[i + width] === "`") width += 1;
    const close = findRun(text, i + width, width);
    if (close === -1) {
      plain += "`".repeat(width);
      i += width;
      continue;
    }
    if (plain) parts.push({ text: plain, code: false });
    plain = "";
    let body = text.slice(i + width, close).replace(/\n/g, " ");
    // CommonMark strips one space from both sides when both have one (so `` `x` `` can show backticks).
    if (body.length > 2 && body.startsWith(" ") && body.endsWith(" ") && body.trim()) body = body.slice(1, -1);
    parts.push({ text: body, code: true });
    i = close + width;
  }
  if (plain) parts.push({ text: plain, code: false });
  return parts;
}

function findRun(text: string, from: number, width: number): number {
  let i = from;
  while (i < text.length) {
    if (text[i] !== "`") {
      i += 1;
      continue;
    }
    let run = 0;
    while (text[i + run] === "`") run += 1;
    if (run === width) return i;
    i += run;
  }
  return -1;
}
