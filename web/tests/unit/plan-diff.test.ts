import { describe, expect, it } from "vitest";

import { actionOutcome, actionStyle, diffSummary, resourceDiff } from "@/lib/plan-diff";

describe("resourceDiff", () => {
  it("folds values known only after apply into a count and keeps real changes as lines", () => {
    const diff = resourceDiff({
      address: "aws_instance.web",
      type: "aws_instance",
      action: "update",
      changed: [
        { path: "arn", before: null, after: "(known after apply)" },
        { path: "private_ip", before: "10.0.0.4", after: "(known after apply)" },
        { path: "instance_type", before: "t3.micro", after: "t3.large" },
        { path: "user_data", before: "(redacted)", after: "(redacted)" },
        { path: "tags.env", before: null, after: "prod" },
        { path: "tags.old", before: "x", after: null },
      ],
    });
    expect(diff.knownAfterApply).toBe(1);
    expect(diff.lines.map((l) => [l.path, l.kind, l.unknownAfter, l.sensitive])).toEqual([
      ["private_ip", "change", true, false],
      ["instance_type", "change", false, false],
      ["user_data", "change", false, true],
      ["tags.env", "add", false, false],
      ["tags.old", "remove", false, false],
    ]);
    expect(diffSummary(diff)).toBe("5 attributes change, + 1 known after apply");
  });

  it("speaks Terraform's symbols", () => {
    expect(actionStyle("replace_destroy_first")).toEqual({ symbol: "-/+", word: "replace (destroy first)" });
    expect(actionStyle("delete").symbol).toBe("-");
    expect(diffSummary({ lines: [], knownAfterApply: 0 })).toBe("no attribute changes");
  });

  it("says what happens to a resource in words that follow \"will be\"", () => {
    expect(actionOutcome("replace_destroy_first")).toBe("replaced (destroyed first)");
    expect(actionOutcome("update")).toBe("updated in place");
    expect(actionOutcome("no-op")).toBeNull();
    expect(actionOutcome("constructor")).toBeNull();
  });
});
