import { render } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { SafeMarkdown, safeUrl } from "@/components/review/safe-markdown";

const HOSTILE = [
  "## Summary",
  "",
  "<script>window.__pwned = true</script>",
  "",
  '<img src=x onerror="window.__pwned = true">',
  "",
  "[click me](javascript:window.__pwned=true) and [data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
  "",
  "[tab](java\tscript:alert(1)) [upper](JAVASCRIPT:alert(1)) [entity](&#106;avascript:alert(1))",
  "",
  "[docs](https://developer.hashicorp.com/terraform) and [rel](/reviews)",
  "",
  "![tracker](https://evil.example/pixel.png)",
].join("\n");

describe("SafeMarkdown", () => {
  it("renders model output inert: no script, no raw HTML, no javascript: or data: links", () => {
    const { container } = render(<SafeMarkdown>{HOSTILE}</SafeMarkdown>);
    expect(container.querySelector("script")).toBeNull();
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("[onerror]")).toBeNull();
    const hrefs = [...container.querySelectorAll("a")].map((a) => a.getAttribute("href") ?? "");
    for (const href of hrefs) {
      expect(href.toLowerCase().replace(/\s/g, "")).not.toMatch(/^(javascript|data|vbscript):/);
      expect(href).not.toBe("");
    }
    expect(hrefs).toContain("https://developer.hashicorp.com/terraform");
    expect(hrefs).toContain("/reviews");
    expect(container.textContent).toContain("click me");
    expect(container.querySelector("h2")?.textContent).toBe("Summary");
    expect((window as unknown as { __pwned?: boolean }).__pwned).toBeUndefined();
  });

  // Every link form (inline, reference, collapsed, shortcut, image, autolink) with every hostile target
  // form (case, whitespace, entities, percent-encoding, zero-width and full-width look-alikes).
  const TARGETS = [
    "javascript:window.__pwned=1",
    "JaVaScRiPt:window.__pwned=1",
    "java\tscript:window.__pwned=1",
    "&#106;avascript:window.__pwned=1",
    "jav&#x61;script:window.__pwned=1",
    "java%73cript:window.__pwned=1",
    "javascript\u200b:window.__pwned=1",
    "ｊａｖａｓｃｒｉｐｔ:window.__pwned=1",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD4=",
    "file:///etc/passwd",
  ];
  const FORMS = [
    (t: string) => `[x](${t})`,
    (t: string) => `[x](<${t}>)`,
    (t: string) => `![x](${t})`,
    (t: string) => `[x][r]\n\n[r]: ${t}`,
    (t: string) => `![x][r]\n\n[r]: ${t}`,
    (t: string) => `[r][]\n\n[r]: <${t}> "t"`,
    (t: string) => `[r]\n\n[r]: ${t}`,
    (t: string) => `<${t}>`,
    (t: string) => `<a href="${t}">x</a> <!-- ${t} -->`,
  ];
  it.each(FORMS.flatMap((form) => TARGETS.map((target) => [form(target)])))("%j renders inert", (text) => {
    const { container } = render(<SafeMarkdown>{text}</SafeMarkdown>);
    expect(container.querySelector("img, script, iframe, object, embed, [onerror], [onload]")).toBeNull();
    for (const a of container.querySelectorAll("a")) {
      const href = (a.getAttribute("href") ?? "").toLowerCase();
      expect(href).toMatch(/^(https?:|mailto:|\/|#)/);
    }
    expect(container.innerHTML).not.toContain("<!--");
  });

  it("opens safe external links without giving the target a window handle", () => {
    const { container } = render(<SafeMarkdown>{"[x](https://example.com)"}</SafeMarkdown>);
    const a = container.querySelector("a");
    expect(a?.getAttribute("rel")).toContain("noopener");
    expect(a?.getAttribute("target")).toBe("_blank");
  });
});

describe("safeUrl", () => {
  it.each([
    ["javascript:alert(1)", ""],
    ["JaVaScRiPt:alert(1)", ""],
    ["java\tscript:alert(1)", ""],
    [" javascript:alert(1)", ""],
    ["data:text/html,<script>", ""],
    ["vbscript:msgbox", ""],
    ["https://example.com/a?b=c", "https://example.com/a?b=c"],
    ["mailto:ops@example.com", "mailto:ops@example.com"],
    ["/reviews/1", "/reviews/1"],
    ["#section", "#section"],
  ])("%j -> %j", (input, expected) => {
    expect(safeUrl(input)).toBe(expected);
  });
});
