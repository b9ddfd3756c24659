"""Provider interfaces (Protocols) and their implementations, one module each."""

from ytempire.core.pricing import Usage
from ytempire.stage import TransientError


class ProviderContractError(TransientError):
    """A provider answered (and maybe billed) outside its documented contract: fewer results
    than inputs, a missing field, a wrong type, an empty audio body, an image that does not
    decode. Worth another try; after that the stage's fallback takes over where it has one.
    ``usage`` is what the call was billed for anyway."""

    def __init__(self, provider: str, call: str, field: str, problem: str,
                 usage: list[Usage] | None = None) -> None:
        super().__init__(f"{provider} {call} broke its contract at {field}: {problem}")
        self.provider, self.call, self.field = provider, call, field
        self.usage = usage or []
