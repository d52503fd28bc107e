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
