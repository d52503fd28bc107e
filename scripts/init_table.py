"""Create the table and its indexes if missing (docker-compose table-init step)."""

from __future__ import annotations

from app.core.settings import get_settings
from app.storage.bootstrap import ensure_table
from app.storage.client import dynamodb_client


def main() -> int:
    settings = get_settings()
    client = dynamodb_client(settings.aws_region, settings.dynamodb_endpoint_url)
    created = ensure_table(client, settings.resolved_table_name)
    print(("created " if created else "exists ") + settings.resolved_table_name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
