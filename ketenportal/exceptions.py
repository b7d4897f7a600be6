"""The base of every domain error.

Services raise a ``DomainError`` subclass with a translated, user-facing message; views turn it
into a form error or a message, never a 500.
"""


class DomainError(Exception):
    """A rule of the domain refused the action. ``str(error)`` is fit to show to the user."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return str(self.message)
