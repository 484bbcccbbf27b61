"""qualityscore: rate vehicle quality from inspection records with versioned, compiled standards.

    >>> import qualityscore
    >>> rules = qualityscore.load_standard()          # the bundled unified standard
    >>> rating = rules.score(record)                  # validate, score, explain
    >>> rating.score, rating.grade, rating.verdict

Everything in `__all__` is public; nothing else is.
"""

from qualityscore.api import DEFAULT_STANDARD, load_standard
from qualityscore.errors import (
    Diagnostic,
    InputFileError,
    LockError,
    QualityScoreError,
    RecordError,
    ResolutionError,
    StandardError,
)
from qualityscore.explain import Explanation
from qualityscore.rating import CategoryScore, ComponentResult, Finding, Rating, StandardRef
from qualityscore.records import Item, read_records
from qualityscore.ruleset import RuleSet
from qualityscore.standard.registry import Registry

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_STANDARD",
    "CategoryScore",
    "ComponentResult",
    "Diagnostic",
    "Explanation",
    "Finding",
    "InputFileError",
    "Item",
    "LockError",
    "QualityScoreError",
    "Rating",
    "RecordError",
    "Registry",
    "ResolutionError",
    "RuleSet",
    "StandardError",
    "StandardRef",
    "__version__",
    "load_standard",
    "read_records",
]
