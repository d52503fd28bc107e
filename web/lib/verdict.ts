import type { Finding, ResourceChange, Review, RiskLevel, Severity } from "@/lib/types";

// The verdict of a review in words a person reads in five seconds: what this plan destroys and
// what risks it introduces, worst first. The engine writes it (risk.verdict and risk.why, the same
// words as the CLI, the Spacelift comment and the notifications); the sentence built here from
// finding titles is the fallback for reviews stored before it did. Pure functions over the review,
// so they are tested without a browser and the server renders the same sentence the client would.

export const SEVERITY_RANK: Record<Severity, number> = { CRITICAL: 4, HIGH: 3, MEDIUM: 2, LOW: 1, INFO: 0 };

/** How a finding relates to this plan (findings stored before the three-way split only say introduced or not). */
export function introductionOf(finding: Finding): NonNullable<Finding["introduction"]> {
  return finding.introduction ?? (finding.introduced ? "introduced" : "pre_existing");
}

/** Introduced or made worse by this plan: what the decision is about. */
export function isIntroduced(finding: Finding): boolean {
  return introductionOf(finding) !== "pre_existing";
}

export function bySeverity(a: Finding, b: Finding): number {
  return SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity];
}

export function isDestroy(action: string): boolean {
  return action === "delete";
}

export function isReplace(action: string): boolean {
  return action.startsWith("replace");
}

// What a resource type is, in a word; stateful kinds first (losing them loses data).
const NOUNS: [RegExp, string, string, boolean][] = [
  [/(db_instance|rds_cluster|sql_database|sql_server|mssql|postgres|mysql|mariadb|cosmosdb|redshift|docdb|neptune|spanner|alloydb|database)/, "database", "databases", true],
  [/(dynamodb_table|bigtable|bigquery_table)/, "table", "tables", true],
  [/(s3_bucket$|storage_bucket$|storage_account$|storage_container$)/, "bucket", "buckets", true],
  [/(ebs_volume|_disk$|managed_disk|persistent_volume|efs_file_system|fsx_|filestore)/, "volume", "volumes", true],
  [/(elasticache|redis|memcache)/, "cache", "caches", true],
  [/(kinesis|msk_cluster|kafka|sqs_queue|pubsub|eventhub|servicebus)/, "queue", "queues", true],
  [/(kms_key|key_vault|secretsmanager_secret|secret_manager_secret)/, "key or secret store", "keys or secret stores", true],
  [/(namespace)/, "namespace", "namespaces", true],
  [/(eks_cluster|container_cluster|kubernetes_cluster|ecs_cluster)/, "cluster", "clusters", false],
  [/(_instance$|virtual_machine|compute_instance)/, "server", "servers", false],
  [/(security_group|firewall|network_security)/, "firewall rule set", "firewall rule sets", false],
  [/(iam_|role|policy)/, "access policy", "access policies", false],
];

function noun(type: string): { one: string; many: string; stateful: boolean } {
  for (const [pattern, one, many, stateful] of NOUNS) if (pattern.test(type)) return { one, many, stateful };
  return { one: "resource", many: "resources", stateful: false };
}

const PRODUCTION = /(^|[^a-z])(prod|production|prd|live)([^a-z]|$)/i;

function counted(count: number, one: string, many: string): string {
  if (count === 1) return `${/^[aeiou]/.test(one) ? "an" : "a"} ${one}`;
  return `${count} ${many}`;
}

/** "a production database and 2 servers" for a list of changes, stateful kinds first; "and more" when
 * the list (the document's first page) holds fewer than the plan's total. */
function describeResources(changes: ResourceChange[], total: number, production: boolean): string {
  const groups = new Map<string, { one: string; many: string; stateful: boolean; count: number; production: boolean }>();
  for (const change of changes) {
    const n = noun(change.type);
    const group = groups.get(n.one) ?? { ...n, count: 0, production };
    group.count += 1;
    group.production ||= PRODUCTION.test(change.address);
    groups.set(n.one, group);
  }
  const parts = [...groups.values()]
    .sort((a, b) => Number(b.stateful) - Number(a.stateful) || b.count - a.count)
    .map((g) => {
      const prod = g.stateful && g.production ? "production " : "";
      return counted(g.count, `${prod}${g.one}`, `${prod}${g.many}`);
    });
  return joinWords(parts.slice(0, 2)) + (parts.length > 2 || total > changes.length ? " and more" : "");
}

function joinWords(parts: string[]): string {
  if (parts.length <= 1) return parts[0] ?? "";
  return `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}

/** What a network finding exposes, in words. */
function networkSubject(title: string): string {
  if (/database|5432|3306|1433|postgres|mysql/i.test(title)) return /postgres|5432/i.test(title) ? "PostgreSQL" : "a database port";
  if (/\bssh\b|\b22\b/i.test(title)) return "SSH";
  if (/rdp|admin port/i.test(title)) return "admin ports";
  return "network access";
}

/** What a clause is about: one clause per subject, so one exposure seen by several rules is said once. */
function clauseTopic(finding: Finding, clause: string): string {
  if (finding.category !== "network") return clause;
  const subject = networkSubject(`${finding.title} ${finding.message ?? ""}`);
  return `network:${subject === "PostgreSQL" ? "a database port" : subject}`;
}

/** A verb phrase for what an introduced finding does, or null when it adds nothing to the sentence. */
export function findingClause(finding: Finding): string | null {
  const title = `${finding.title} ${finding.message ?? ""}`;
  switch (finding.category) {
    case "network": {
      const what = networkSubject(title);
      return /internet|0\.0\.0\.0|all ipv4|public|anywhere/i.test(title) ? `opens ${what} to the internet` : `widens ${what}`;
    }
    case "iam":
      return /admin|\*:\*|full/i.test(title) ? "grants full admin rights" : "widens access permissions";
    case "secrets":
      return "puts a secret where it can be read";
    case "security":
      if (/public/i.test(title)) return "makes data public";
      if (/privileged|host namespace|escalation/i.test(title)) return "runs privileged containers";
      if (/encrypt/i.test(title)) return "turns off encryption";
      if (/injection/i.test(title)) return "carries instructions aimed at the AI reviewer";
      return "weakens a security setting";
    case "cost":
      return "raises costs";
    case "reliability":
      return "puts availability at risk";
    case "drift":
      return "overwrites changes made outside Terraform";
    case "plan_health":
      return /incomplete|deferred/i.test(title) ? "leaves changes for a later plan" : /check|condition/i.test(title) ? "fails a check" : "has plan problems";
    case "change":
      if (/deletable/i.test(title)) return "leaves a database deletable with no final snapshot";
      if (/deletion protection/i.test(title)) return "turns off deletion protection";
      if (/snapshot/i.test(title)) return "skips the final snapshot";
      if (/force_destroy/i.test(title)) return "allows a bucket to be emptied on destroy";
      if (/downtime|destroy first/i.test(title)) return "causes downtime";
      return null; // deletes and replaces are said from the changes themselves
    default:
      return null;
  }
}

export interface VerdictCounts {
  destroyed: number;
  replaced: number;
  introducedHighPlus: number;
  introduced: number;
  posture: number;
  changed: number;
}

/** One reason of the engine's verdict: a concern ("Network exposure") and what the plan does about it. */
export type VerdictReason = NonNullable<NonNullable<Review["risk"]>["why"]>[number];

export interface Verdict {
  level: RiskLevel | null;
  /** The banner's word: "Critical risk", "Low risk", "Review failed", ... */
  headline: string;
  sentence: string;
  /** Where the sentence comes from: the engine's verdict, or this module's words for reviews stored before it. */
  source: "engine" | "dashboard";
  /** The engine's reasons by concern, worst first (empty for reviews stored before them). */
  why: VerdictReason[];
  counts: VerdictCounts;
  /** The worst introduced findings, worst first. */
  worst: Finding[];
  destructive: ResourceChange[];
  errored: boolean;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const LEVEL_WORDS: Record<RiskLevel, string> = {
  CRITICAL: "Critical risk",
  HIGH: "High risk",
  MEDIUM: "Medium risk",
  LOW: "Low risk",
};

/** The verdict of a review: banner word, one plain sentence, the counts that matter, the worst findings. */
export function verdictOf(review: Review, worstLimit = 3): Verdict {
  const findings = review.findings ?? [];
  const introduced = findings.filter(isIntroduced).sort(bySeverity);
  const changes = review.changes ?? [];
  const destroyedChanges = changes.filter((c) => isDestroy(c.action));
  const replacedChanges = changes.filter((c) => isReplace(c.action));
  const summary = review.summary;
  // The document holds only the first pages of findings and changes: the counts come from the
  // API's totals over all of them (the plan's summary, the review's finding counts).
  const introducedCounts = review.introduced_counts ?? {};
  const counts: VerdictCounts = {
    destroyed: summary?.delete ?? 0,
    replaced: summary?.replace ?? 0,
    introducedHighPlus: (introducedCounts.HIGH ?? 0) + (introducedCounts.CRITICAL ?? 0),
    introduced: Object.values(introducedCounts).reduce((sum, n) => sum + n, 0),
    posture: review.posture_count,
    changed: (summary?.create ?? 0) + (summary?.update ?? 0) + (summary?.delete ?? 0) + (summary?.replace ?? 0),
  };
  const errored = review.plan?.errored === true;
  const level = review.risk?.level ?? null;
  const why = review.status === "COMPLETED" ? (review.risk?.why ?? []) : [];
  const base = { level, counts, worst: introduced.slice(0, worstLimit), destructive: [...destroyedChanges, ...replacedChanges], errored, why, source: "dashboard" as const };

  if (review.status === "FAILED") {
    return { ...base, headline: "Review failed", sentence: `The review could not finish${review.error ? `: ${review.error}` : "."}`.replace(/([^.])$/, "$1.") };
  }
  if (review.status !== "COMPLETED") {
    return { ...base, headline: "Review running", sentence: "The plan is being reviewed; the verdict appears here when it completes." };
  }

  const headline = level ? LEVEL_WORDS[level] : "Not scored";
  // The engine says the verdict once for every output (CLI, comment, notifications, here); the words
  // below are only for reviews stored before it did.
  const engineSentence = review.risk?.verdict?.trim();
  if (engineSentence) return { ...base, headline, sentence: engineSentence, source: "engine" };

  const production = PRODUCTION.test(`${review.title ?? ""} ${review.spacelift?.stack_id ?? ""} ${review.spacelift?.stack_name ?? ""}`);
  const clauses: string[] = [];
  if (destroyedChanges.length > 0) clauses.push(`destroys ${describeResources(destroyedChanges, counts.destroyed, production)}`);
  else if (counts.destroyed > 0) clauses.push(`destroys ${counted(counts.destroyed, "resource", "resources")}`);
  if (replacedChanges.length > 0) clauses.push(`replaces ${describeResources(replacedChanges, counts.replaced, production)}`);
  else if (counts.replaced > 0) clauses.push(`replaces ${counted(counts.replaced, "resource", "resources")}`);
  const topics = new Set<string>();
  const serious = introduced.filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK.MEDIUM);
  for (const finding of serious) {
    const clause = findingClause(finding);
    if (!clause) continue;
    const topic = clauseTopic(finding, clause);
    if (topics.has(topic)) continue;
    topics.add(topic);
    clauses.push(clause);
    if (clauses.length >= 3) break;
  }

  let sentence: string;
  if (clauses.length > 0) {
    sentence = `${capitalise(joinWords(clauses.slice(0, 3)))}.`;
  } else if (counts.changed === 0) {
    sentence = "Changes no resources.";
  } else {
    sentence = `Changes ${counted(counts.changed, "resource", "resources")}; nothing risky is introduced.`;
  }
  if (counts.posture > 0 && counts.introduced === 0) {
    sentence += ` ${counts.posture} pre-existing issue${counts.posture === 1 ? " is" : "s are"} noted apart.`;
  }
  if (errored) sentence = `Terraform could not finish this plan, so it is never safe to apply. ${sentence}`;
  return { ...base, headline, sentence };
}

/** Why Approve is not offered, or null when it may be. */
export function approveBlocked(review: Review): string | null {
  if (review.status !== "COMPLETED") return "Approve and Reject are available once the review has completed.";
  if (review.plan?.errored) return "Terraform could not finish this plan, so it cannot be approved. Fix the plan and run it again, or reject it.";
  return null;
}

/** True when approving needs a written reason and an explicit confirmation. */
export function approveNeedsConfirmation(review: Review): boolean {
  const level = review.risk?.level;
  return level === "HIGH" || level === "CRITICAL";
}

/** The first paragraph of the AI summary (headings skipped), cut at a sentence near maxChars. */
export function aiLead(summaryMd: string | null | undefined, maxChars = 320): string | null {
  if (!summaryMd) return null;
  const paragraphs = summaryMd
    .split(/\n\s*\n/)
    .map((p) =>
      p
        .split("\n")
        .filter((line) => !/^\s*#{1,6}\s/.test(line))
        .join(" ")
        .trim(),
    )
    .filter((p) => p.length > 0);
  const first = paragraphs[0];
  if (!first) return null;
  if (first.length <= maxChars) return first;
  const cut = first.slice(0, maxChars);
  const sentenceEnd = Math.max(cut.lastIndexOf(". "), cut.lastIndexOf("! "), cut.lastIndexOf("? "));
  return sentenceEnd > maxChars / 3 ? cut.slice(0, sentenceEnd + 1) : `${cut.replace(/\s+\S*$/, "")}…`;
}

/** Whether the plan changes any resource: Terraform marks a plan with nothing to change `applyable: false`,
 * which alone is no problem (the engine's Plan.not_applyable says the same). */
export function changesResources(summary: Review["summary"]): boolean {
  if (!summary) return true; // unknown: keep the plan's own flag
  const s = summary;
  return [s.create, s.update, s.delete, s.replace, s.read, s.import, s.move, s.forget].some((n) => (n ?? 0) > 0);
}

/** The plan's health in words for the review's facts ("ok", "errored, incomplete", ...). */
export function planHealth(review: Pick<Review, "plan" | "summary">): string {
  const plan = review.plan;
  if (!plan) return "—";
  const parts = [plan.errored ? "errored" : "ok"];
  if (plan.applyable === false && changesResources(review.summary)) parts.push("not applyable");
  if (plan.complete === false) parts.push("incomplete");
  return parts.join(", ");
}
