"""Channels that leave the server (email, push) and the errors their senders raise.

A sender either returns (the provider accepted the message) or raises:
* `TransientSendError`: worth trying again later (timeouts, 429/5xx, SMTP 4xx), optionally
  with the provider's `retry_after` seconds;
* `PermanentSendError`: trying again cannot help (SMTP 5xx, a malformed request);
* `InvalidDeviceToken`: the push token is dead; the device is forgotten.
"""


class SendError(Exception):
    pass


class TransientSendError(SendError):
    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentSendError(SendError):
    pass


class InvalidDeviceToken(PermanentSendError):
    pass
