"""How every AWS call retries: botocore's standard mode, 4 attempts in all (the first and 3 retries).

Standard mode retries throttling, 500/502/503/504 and connection errors with exponential back-off
(https://docs.aws.amazon.com/boto3/latest/guide/retries.html). ``max_attempts`` in a Config's
``retries`` counts the retries after the first attempt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from botocore.config import _RetryDict

RETRIES_AFTER_FIRST = 3
ATTEMPTS = RETRIES_AFTER_FIRST + 1
RETRIES: _RetryDict = {"mode": "standard", "max_attempts": RETRIES_AFTER_FIRST}
