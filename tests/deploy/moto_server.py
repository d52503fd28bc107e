"""moto_server for the Terraform apply test, with what moto leaves out of API Gateway v2 domain names.

AWS fills in each domain name configuration's status, target domain and hosted zone; moto stores
the request as sent, so the AWS provider would wait forever for AVAILABLE and the alias records
would have no target. Run as `python -m tests.deploy.moto_server -H 127.0.0.1 -p PORT`.
"""

from __future__ import annotations

import hashlib
import sys
from typing import Any

from moto.apigatewayv2 import models as apigatewayv2
from moto.server import main

# Regional API Gateway hosted zone (eu-west-1); any fixed id works against moto's Route 53.
REGIONAL_ZONE_ID = "ZLY8HYME6SFDD"

_original_init = apigatewayv2.DomainName.__init__


def _init_like_aws(self: Any, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    digest = hashlib.sha256(self.domain_name.encode()).hexdigest()[:10]
    for configuration in self.domain_name_configurations:
        configuration.setdefault("domainNameStatus", "AVAILABLE")
        configuration.setdefault("apiGatewayDomainName", f"d-{digest}.execute-api.amazonaws.com")
        configuration.setdefault("hostedZoneId", REGIONAL_ZONE_ID)


apigatewayv2.DomainName.__init__ = _init_like_aws  # type: ignore[method-assign]

if __name__ == "__main__":
    main(sys.argv[1:])
