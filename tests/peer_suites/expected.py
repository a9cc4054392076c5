"""The peers' own tests that do not pass against `adapters.compat`, each with its reason.

Every entry is a deliberate difference documented in docs/migrating.md, or a test left
out because it cannot run here (Mangum's LocalStack tests need Docker).
`test_peer_suites.py` fails when a listed test passes (the entry is stale) and when a
test fails that is not listed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Suite:
    name: str
    """The folder under .tools/peer-suites (scripts/fetch-peer-suites.sh)."""
    paths: tuple[str, ...]
    """The test files and folders that run, relative to the suite's folder."""
    minimum: float
    """The pass rate the issue asks for (issue 11)."""
    differences: dict[str, str]
    """Test id -> why it fails against the drop-in (a deliberate difference)."""
    left_out: dict[str, str]
    """Test id (or id prefix) -> why it is not run at all."""


APIG_WSGI = Suite(
    name="apig_wsgi",
    paths=("tests/test_apig_wsgi.py",),
    minimum=0.95,
    differences={
        "tests/test_apig_wsgi.py::TestV1Events::test_special_headers": (
            "REMOTE_ADDR: apig-wsgi takes the first X-Forwarded-For hop, which any client "
            "can write; the drop-in gives the address API Gateway reports "
            "(requestContext.identity.sourceIp), or 127.0.0.1 for an event without one"
        ),
        "tests/test_apig_wsgi.py::TestV1Events::test_special_x_forwarded_for": (
            "REMOTE_ADDR, as test_special_headers"
        ),
        "tests/test_apig_wsgi.py::TestV1Events::test_elb_health_check": (
            "an ALB event without Host or X-Forwarded-* headers: apig-wsgi sets SERVER_NAME "
            "and SERVER_PORT to '', which PEP 3333 does not allow (both must be non-empty); "
            "the drop-in gives 'localhost' and '80'"
        ),
    },
    left_out={},
)

_EDGE = "tests/handlers/test_lambda_at_edge.py::"
_LOCALSTACK = (
    "needs Docker and the localstack/localstack:4 image (testcontainers), which this "
    "machine and CI cannot pull (no image registry); the same paths run through the real "
    "Lambda runtime emulator and sam local in tests/emulator and tests/sam"
)

MANGUM = Suite(
    name="mangum",
    paths=(
        "tests/test_http.py",
        "tests/test_adapter.py",
        "tests/test_lifespan.py",
        "tests/handlers",
    ),
    minimum=0.95,
    differences={
        _EDGE + "test_aws_api_gateway_scope_real[GET--multi_value_query_parameters3-None-False-"
        "name=me&name=you&pet=dog-None]": (
            "a Lambda@Edge request with an empty uri: Mangum gives the app path '', which no "
            "router matches and the ASGI spec does not allow; the drop-in gives '/'"
        ),
    },
    left_out={
        "tests/handlers/test_api_gateway.py::test_aws_api_gateway_real_lambda_get": _LOCALSTACK,
        "tests/handlers/test_api_gateway.py::test_aws_api_gateway_real_lambda_post": _LOCALSTACK,
        "tests/handlers/test_http_gateway.py::test_aws_http_gateway_real_lambda_get": _LOCALSTACK,
        "tests/handlers/test_http_gateway.py::test_aws_http_gateway_real_lambda_post": (
            _LOCALSTACK
        ),
    },
)

SUITES = (APIG_WSGI, MANGUM)
