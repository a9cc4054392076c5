"""The request every benchmark sends and the context it passes, in one place.

Imports nothing heavy: `bench.instructions` loads it in processes that run under
callgrind, where every import costs seconds.
"""

from __future__ import annotations

HEADERS = [
    ("Accept", "application/json, text/plain, */*"),
    ("Accept-Encoding", "gzip, deflate, br"),
    ("Accept-Language", "en-GB,en;q=0.9"),
    ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0"),
    ("X-Amzn-Trace-Id", "Root=1-67891233-abcdef012345678912345678"),
    ("X-Forwarded-For", "198.51.100.7"),
    ("X-Forwarded-Port", "443"),
    ("X-Forwarded-Proto", "https"),
]


class FakeContext:
    """The attributes of a Lambda context object that adapters read."""

    aws_request_id = "6f1c0a39-2f83-4c55-9a3e-3c1f7bb7b8a1"
    function_name = "bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    memory_limit_in_mb = 1024
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "2026/11/20/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000
