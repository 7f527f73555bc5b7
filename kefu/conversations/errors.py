"""The one error type of live chat: a machine code for clients plus a message in the caller's language."""

from django.utils.functional import Promise


class ChatError(Exception):
    """A refused chat action; nothing was changed."""

    def __init__(self, code: str, message: str | Promise):
        super().__init__(code)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return str(self.message)
