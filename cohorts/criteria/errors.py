"""The one error the criteria language raises for anything a user wrote wrong."""


class CriteriaError(ValueError):
    """Criteria text that cannot be parsed, checked or evaluated.

    ``position`` is the 0-based character offset in the criteria text where the
    problem starts, so pages can point at it and the API can name it.
    """

    def __init__(self, message: str, position: int):
        self.message = message
        self.position = position
        super().__init__(f"position {position}: {message}")
