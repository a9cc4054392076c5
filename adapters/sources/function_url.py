"""Lambda Function URLs: payload 2.0 from a `*.lambda-url.<region>.on.aws` domain.

With `InvokeMode: RESPONSE_STREAM` a Function URL streams the response: the function sends
the HTTP integration prelude (status, headers, cookies as JSON), eight NUL bytes, then the
raw body ("Invoking Lambda function URLs", "Response streaming for Lambda functions").
"""

from __future__ import annotations

from .apigateway_v2 import HttpApiV2Source, v2_event

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .._types import Event
    from ..testing import ExampleRequest


class FunctionUrlSource(HttpApiV2Source):
    name = "Lambda Function URL"
    key = "function-url"
    streams = True
    function_url = True  # recognised by the domain (HttpApiV2Source.matches)
    # The Function URL page shows `rawQueryString` both with and without a leading "?".
    query_may_start_with_question_mark = True

    def example_event(self, request: ExampleRequest) -> Event:
        return v2_event(request, "$default")
