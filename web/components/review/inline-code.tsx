import { splitInlineCode } from "@/lib/inline-code";

/** Text with its `code spans` drawn as code; everything stays text (no Markdown parser, no HTML). */
export function InlineCode({ text }: { text: string }) {
  return (
    <>
      {splitInlineCode(text).map((part, i) =>
        part.code ? (
          <code key={i} className="bg-muted rounded px-1 font-mono text-[0.9em] break-all">
            {part.text}
          </code>
        ) : (
          <span key={i}>{part.text}</span>
        ),
      )}
    </>
  );
}
