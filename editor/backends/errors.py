"""What an edit raises: `EditError` and one subclass per way an edit can fail.

Every backend raises these, and the runner, the batch engine and the CLI turn them into a job's
state or an exit message. `editor.backends.base` re-exports them, so importing them from there
keeps working.
"""

from __future__ import annotations


class EditError(Exception):
    """Why an edit failed, written for a person, with what support needs to trace it.

    `message` is the human sentence (what happened and what to do next); `status`, `request_id`,
    `server_message`, `code` and `param` are the facts. No attribute ever holds the API key.
    """

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        server_message: str | None = None,
        code: str | None = None,
        retry_after_s: float | None = None,
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.request_id = request_id
        self.server_message = server_message
        self.code = code
        self.retry_after_s = retry_after_s
        self.param = param  # the request field the service named, when it named one

    def details(self) -> dict[str, object]:
        """The facts, for a "Copy details" button, a sidecar or `--json` output."""
        return {
            "error": type(self).__name__,
            "message": self.message,
            "status": self.status,
            "request_id": self.request_id,
            "server_message": self.server_message,
            "code": self.code,
            "param": self.param,
        }

    def __str__(self) -> str:
        facts = []
        if self.status is not None:
            facts.append(f"HTTP {self.status}")
        if self.request_id:
            facts.append(f"request id {self.request_id}")
        text = self.message
        if self.server_message and self.server_message not in text:
            text += f' The service said: "{self.server_message}"'
        return f"{text} ({', '.join(facts)})" if facts else text


class InvalidRequest(EditError):
    """The request was refused before sending: nothing left the machine."""


class InvalidImage(InvalidRequest):
    """An input file is not an image we can read or convert."""


class BadRequest(EditError):
    """400: the service refused a parameter."""


class AuthenticationFailed(EditError):
    """401: the key is missing, wrong or revoked."""


class PaymentRequired(EditError):
    """402: the account has no balance left."""


class PermissionDenied(EditError):
    """403: the key may not use this model or endpoint."""


class ModelNotFound(EditError):
    """404: the model (or endpoint) does not exist at this provider."""


class SpendLimitReached(EditError):
    """412: a spend limit set on the key or account was reached."""


class PayloadTooLarge(EditError):
    """413: the upload is larger than the service accepts."""


class RateLimited(EditError):
    """429 that passes with time."""

    retryable = True


class QuotaExhausted(EditError):
    """429 that says the quota or credit is used up: waiting does not help."""


class ServerError(EditError):
    """5xx, 408, 409: trouble on the service's side; retried."""

    retryable = True


class RequestTimedOut(EditError):
    """No answer within the timeout."""

    retryable = True


class ConnectionFailed(EditError):
    """The service could not be reached, or the connection dropped."""

    retryable = True


class MalformedResponse(EditError):
    """The service answered with something that is not a valid edit response or image."""


class StreamFailed(EditError):
    """A streamed edit ended with an error event."""
