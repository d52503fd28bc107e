// Small Terraform plans (terraform show -json, format 1.2) used to seed the e2e stack.

type Change = { address: string; type: string; actions: string[]; before: unknown; after: unknown; after_sensitive?: unknown; before_sensitive?: unknown };

function plan(changes: Change[]): Record<string, unknown> {
  return {
    format_version: "1.2",
    terraform_version: "1.9.5",
    applyable: true,
    complete: true,
    errored: false,
    resource_changes: changes.map((c) => ({
      address: c.address,
      mode: "managed",
      type: c.type,
      name: c.address.split(".").at(-1),
      provider_name: "registry.terraform.io/hashicorp/aws",
      change: {
        actions: c.actions,
        before: c.before,
        after: c.after,
        after_unknown: {},
        before_sensitive: c.before_sensitive ?? {},
        after_sensitive: c.after_sensitive ?? {},
      },
    })),
  };
}

const OPEN_SG_RULE = {
  from_port: 22,
  to_port: 22,
  protocol: "tcp",
  cidr_blocks: ["0.0.0.0/0"],
  ipv6_cidr_blocks: [],
  prefix_list_ids: [],
  security_groups: [],
  self: false,
  description: "",
};

/** Deletes a database, opens SSH to the world, grants *:* and rotates a password. */
export function riskyPlan(): Record<string, unknown> {
  return plan([
    {
      address: "aws_db_instance.main",
      type: "aws_db_instance",
      actions: ["delete"],
      before: { identifier: "main", engine: "postgres", deletion_protection: false, skip_final_snapshot: true },
      after: null,
    },
    {
      address: "aws_security_group.bastion",
      type: "aws_security_group",
      actions: ["create"],
      before: null,
      after: { name: "bastion", description: "ssh", ingress: [OPEN_SG_RULE], egress: [], tags: { Name: "bastion" } },
    },
    {
      address: "aws_iam_policy.admin",
      type: "aws_iam_policy",
      actions: ["create"],
      before: null,
      after: {
        name: "admin",
        path: "/",
        policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }),
      },
    },
    {
      address: "aws_db_instance.replica",
      type: "aws_db_instance",
      actions: ["update"],
      before: { identifier: "replica", instance_class: "db.t3.micro", password: "old-password-123", deletion_protection: true },
      after: { identifier: "replica", instance_class: "db.t3.large", password: "new-password-456", deletion_protection: true },
      before_sensitive: { password: true },
      after_sensitive: { password: true },
    },
    {
      address: "aws_db_instance.analytics",
      type: "aws_db_instance",
      actions: ["create"],
      before: null,
      after: { identifier: "analytics", engine: "postgres", instance_class: "db.t3.micro", password: "s3cr3t-analytics-789", storage_encrypted: true },
      after_sensitive: { password: true },
    },
  ]);
}

/** Adds a tag to a bucket. */
export function quietPlan(n: number): Record<string, unknown> {
  return plan([
    {
      address: `aws_s3_bucket.assets_${n}`,
      type: "aws_s3_bucket",
      actions: ["update"],
      before: { bucket: `assets-${n}`, tags: { team: "web" } },
      after: { bucket: `assets-${n}`, tags: { team: "web", cost_center: `cc-${n}` } },
    },
  ]);
}

/** Replaces an instance (destroy first) and creates a queue. */
export function mediumPlan(n: number): Record<string, unknown> {
  return plan([
    {
      address: `aws_instance.worker_${n}`,
      type: "aws_instance",
      actions: ["delete", "create"],
      before: { ami: "ami-11111111", instance_type: "t3.micro" },
      after: { ami: "ami-22222222", instance_type: "t3.micro" },
    },
    {
      address: `aws_sqs_queue.jobs_${n}`,
      type: "aws_sqs_queue",
      actions: ["create"],
      before: null,
      after: { name: `jobs-${n}`, sqs_managed_sse_enabled: true },
    },
  ]);
}

/** A plan whose resource names carry Markdown and HTML aimed at the AI summary. */
export function hostilePlan(): Record<string, unknown> {
  return plan([
    {
      address: "aws_s3_bucket.hostile",
      type: "aws_s3_bucket",
      actions: ["create"],
      before: null,
      after: {
        bucket: "hostile",
        tags: {
          note: "<script>window.__pwned=1</script> [click](javascript:window.__pwned=2) <img src=x onerror=\"window.__pwned=3\">",
        },
      },
    },
  ]);
}
