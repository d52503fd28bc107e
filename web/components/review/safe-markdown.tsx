import ReactMarkdown, { defaultUrlTransform, type Components } from "react-markdown";

// Model output can carry text copied from the plan, so it is treated as hostile:
// - no rehype-raw, and skipHtml: raw HTML (<script>, <img onerror>, ...) is never turned into elements;
// - every URL passes through safeUrl: only http(s), mailto and relative links survive;
// - images are not loaded (no request to a URL chosen by a plan author), only their alt text shows.

const SAFE_PROTOCOL = /^(https?:|mailto:)/i;

export function safeUrl(url: string): string {
  // Browsers ignore control characters and whitespace inside a scheme ("java\tscript:"), so strip them first.
  const compact = url.replace(/[\u0000-\u0020\u007f-\u009f]/g, "");
  const colon = compact.indexOf(":");
  const slash = compact.search(/[/?#]/);
  const hasScheme = colon !== -1 && (slash === -1 || colon < slash);
  if (hasScheme && !SAFE_PROTOCOL.test(compact)) return "";
  return defaultUrlTransform(url);
}

const components: Components = {
  a: ({ href, children }) =>
    href ? (
      <a href={href} target="_blank" rel="noopener noreferrer nofollow ugc" className="text-primary underline underline-offset-4">
        {children}
      </a>
    ) : (
      <span data-unsafe-link="removed">{children}</span>
    ),
  img: ({ alt }) => <span className="text-muted-foreground">[image: {alt || "no description"}]</span>,
};

export function SafeMarkdown({ children }: { children: string }) {
  return (
    <div className="prose-sm max-w-none space-y-2 [overflow-wrap:anywhere] [&_code]:rounded [&_code]:bg-muted [&_code]:px-1 [&_h1]:text-lg [&_h1]:font-semibold [&_h2]:font-semibold [&_h3]:font-medium [&_li]:ml-5 [&_ol]:list-decimal [&_pre]:whitespace-pre-wrap [&_pre]:rounded [&_pre]:bg-muted [&_pre]:p-2 [&_ul]:list-disc" data-testid="ai-summary">
      <ReactMarkdown skipHtml urlTransform={safeUrl} components={components}>
        {children}
      </ReactMarkdown>
    </div>
  );
}
