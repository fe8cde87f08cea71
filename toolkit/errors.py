"""One base exception; subclasses carry the data a caller needs."""

from __future__ import annotations


class ToolkitError(Exception):
    """Base of every error the toolkit raises on purpose. str(e) is one line a user can act on."""


class InputError(ToolkitError):
    """A file that cannot be ingested."""

    def __init__(self, path: str, problem: str):
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class ModelFileError(ToolkitError):
    """The model file is missing, truncated or corrupt."""

    def __init__(self, path: str, problem: str, fix: str):
        self.path, self.problem, self.fix = path, problem, fix
        super().__init__(f"{path}: {problem}. {fix}")


class LLMError(ToolkitError):
    """The model could not produce a valid reply."""

    def __init__(self, message: str, n_attempts: int = 1, last_completion: str | None = None):
        self.n_attempts = n_attempts
        self.last_completion = last_completion
        super().__init__(message)


class StoreError(ToolkitError):
    """The store is missing, locked or inconsistent."""


class StoreLockedError(StoreError):
    def __init__(self, path: str, holder: str = ""):
        self.path = path
        super().__init__(f"{path}: the store is in use by another process{(' (' + holder + ')') if holder else ''}; wait for it to finish and retry")
