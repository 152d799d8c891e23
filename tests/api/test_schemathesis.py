"""Property-based requests from the app's own OpenAPI document (schemathesis), on both
backends: whatever the generated input, the app never answers 5xx.

``GRIDMGR_FUZZ_EXAMPLES`` examples per operation (default 5, derandomised) keep this within
the suite's time; ``make fuzz`` runs more.
"""

from __future__ import annotations

import os
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, given, settings

EXAMPLES = int(os.environ.get("GRIDMGR_FUZZ_EXAMPLES", "5"))


def test_generated_requests_get_no_server_error(api):
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    headers = api.auth("admin")
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                errors.append(f"{case.method} {case.formatted_path} {case.query} -> 5xx")

        run()
    print(f"{operations} operations, {sum(statuses.values())} requests: {dict(statuses)}")
    assert operations > 30
    assert not errors, errors[:10]
