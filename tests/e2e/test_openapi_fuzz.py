"""schemathesis over the whole OpenAPI document of the running service (fixed seed, a few hundred requests): no
5xx, no status the document does not declare, no response outside its schema — as an admin by token (who may
reach every route) and anonymously. A request that writes (POST) is generated too: it must answer 4xx, never 5xx.
"""

from __future__ import annotations

import asyncio
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from bridge.bootstrap import access, build
from core.access import Role
from tests.e2e.harness import RunningBridge
from tests.fixtures.dashboard import PASSWORD

EXAMPLES = 25  # per operation and identity: ~30 operations × 2 identities × 25 ≈ 1,500 requests
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


async def admin_token(bridge: RunningBridge) -> str:
    b = await build(bridge.settings)
    try:
        acc = access(b).accounts
        await acc.create_user("quantri", PASSWORD, Role.ADMIN)
        return await acc.issue_token("quantri", "schemathesis")  # type: ignore[no-any-return]
    finally:
        await b.close()


def run_schemathesis(base: str, headers: dict[str, str], statuses: list[int]) -> list[str]:
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == "/api/bot/webhook":
            continue

        @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            response = case.call(base_url=base, headers=headers, timeout=30)
            statuses.append(response.status_code)
            case.validate_response(response, checks=CHECKS)

        try:
            check()
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:800]}")
    return failures


async def test_the_whole_api_answers_within_its_schema(bridge: RunningBridge) -> None:
    token = await admin_token(bridge)
    base = f"http://127.0.0.1:{bridge.settings.api.port}"
    for headers in ({"Authorization": f"Bearer {token}"}, {}):
        statuses: list[int] = []
        failures = await asyncio.to_thread(run_schemathesis, base, headers, statuses)
        assert not failures, "\n\n".join(failures)
        assert len(statuses) >= 300 and all(s < 500 for s in statuses)
        assert ({200, 422} if headers else {401}) <= set(statuses), sorted(set(statuses))
