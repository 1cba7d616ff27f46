"""The fault table both surfaces run: what the service (or the network) does, and what must follow.

Each case names the scripted faults (the fake answers normally once they are used up), whether the
job must end done or failed, how many requests reach the service (retries included), and words
the person must read. `cli` overrides an expectation where the command line differs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.fakes.faults import Fault


@dataclass(frozen=True)
class Case:
    id: str
    faults: tuple[Fault, ...]
    done: bool
    requests: int
    words: str = ""  # in the job's message (case-insensitive); nothing for a job that succeeded
    base_url: str | None = None  # "unresolvable" or "tls": not the fake's address
    timeout_s: float | None = None
    cli: dict = field(default_factory=dict)  # what differs on the command line


CASES = (
    Case("429-retry-after", (Fault.status(429, retry_after="1"),), True, 2),
    Case("429-no-retry-after", (Fault.status(429),), True, 2),
    Case("429-three-times", (Fault.status(429, retry_after="0"),) * 3, False, 3, "limiting how fast"),
    Case("429-quota-exhausted", (Fault.quota_exhausted(),), False, 1, "quota or credit is used up"),
    Case("500-then-ok", (Fault.status(500),), True, 2),
    Case("500-three-times", (Fault.status(500),) * 3, False, 3, "trouble answering (500); retried 2 times"),
    Case("502-then-ok", (Fault.status(502),), True, 2),
    Case("503-then-ok", (Fault.status(503),), True, 2),
    Case("529-then-ok", (Fault.status(529),), True, 2),
    Case("413-then-ok", (Fault.status(413),), True, 2,
         cli={"done": True, "requests": 2}),
    Case("413-twice", (Fault.status(413),) * 2, False, 2, "smaller upload was refused too"),
    Case("401", (Fault.status(401),), False, 1, "API key was rejected (401)"),
    Case("402", (Fault.status(402),), False, 1, "no credit left (402)"),
    Case("403", (Fault.status(403),), False, 1, "refused access (403)"),
    Case("404", (Fault.status(404),), False, 1, "does not know this model"),
    Case("400-openai-shape", (Fault.status(400, "Invalid size 'x'.", code="invalid_value"),), False, 1,
         "invalid (400)"),
    Case("400-requesty-shape", (Fault.status(400, "Model not allowed.", shape="requesty"),), False, 1,
         "invalid (400)"),
    Case("malformed-json", (Fault.malformed_json(),), False, 1, "not valid JSON"),
    Case("error-inside-200", (Fault.error_in_200(),), False, 1, "reported an error instead of an image"),
    Case("url-result-404", (Fault.missing_url(),), False, 1, "could not be downloaded"),
    Case("base64-not-an-image", (Fault.not_an_image(),), False, 1, "not a readable image"),
    Case("300-mb-response", (Fault.huge(300 * 1024 * 1024),), False, 1, "too large"),
    Case("dropped-before-answer", (Fault.drop(),), True, 2),
    Case("dropped-mid-body", (Fault.drop(mid_body=True),), True, 2),
    Case("slower-than-timeout", (Fault.slow(5),) * 3, False, 3, "no answer after 1 s", timeout_s=1.0),
    Case("unresolvable-host", (), False, 0, "could not reach", base_url="unresolvable"),
    Case("tls-failure", (), False, 0, "could not reach", base_url="tls"),
)
