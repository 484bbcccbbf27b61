"""Lock files: the fingerprints of the standards in use, so that a rating can be proven to come from them.

`qualityscore lock` writes one; `qualityscore score --locked FILE` refuses to score with a standard
whose fingerprint differs (a certification body must prove which rules produced a rating).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from qualityscore.errors import LockError
from qualityscore.report import atomic_output

if TYPE_CHECKING:
    from qualityscore.ruleset import CompiledStandard, RuleSet

FORMAT = 1


def _standards(standard: CompiledStandard) -> Iterator[CompiledStandard]:
    yield standard
    for _, component in standard.components:
        yield from _standards(component)


def fingerprints(rulesets: Iterable[RuleSet]) -> dict[str, str]:
    """id@version -> fingerprint of every version (and component) the rule sets hold."""
    found: dict[str, str] = {}
    for ruleset in rulesets:
        for standard in ruleset.standards:
            for each in _standards(standard):
                found[f"{each.id}@{each.version}"] = each.fingerprint
    return dict(sorted(found.items()))


def write_lock(rulesets: Iterable[RuleSet], path: str | Path) -> int:
    """Write the lock file atomically; returns how many fingerprints it holds."""
    found = fingerprints(rulesets)
    with atomic_output(path, sys.stdout) as out:
        json.dump({"qualityscore-lock": FORMAT, "standards": found}, out, indent=2)
        out.write("\n")
    return len(found)


def read_lock(path: str | Path) -> dict[str, str]:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LockError(
            "lock-not-found", f"no such lock file: {p}", hint="write one with `qualityscore lock`"
        ) from None
    except (OSError, ValueError) as exc:
        raise LockError("lock-invalid", f"{p} is not a qualityscore lock file: {exc}") from None
    standards = data.get("standards") if isinstance(data, dict) else None
    if not isinstance(standards, dict) or data.get("qualityscore-lock") != FORMAT:
        raise LockError("lock-invalid", f"{p} is not a qualityscore lock file (format {FORMAT})")
    return {str(k): str(v) for k, v in standards.items()}


def verify_lock(ruleset: RuleSet, path: str | Path) -> None:
    """Raise LockError unless every version the rule set may use has its locked fingerprint."""
    locked = read_lock(path)
    for ref, actual in fingerprints([ruleset]).items():
        expected = locked.get(ref)
        if expected is None:
            raise LockError(
                "lock-missing",
                f"{ref} is not in the lock file {path}",
                hint="pin a locked version with -s, or add it with `qualityscore lock`",
            )
        if expected != actual:
            raise LockError(
                "lock-mismatch",
                f"the rules of {ref} have changed: its fingerprint is {actual}, but {path} "
                f"requires {expected}",
                hint="score with the locked rules, or review the change (qualityscore diff) and "
                "write a new lock",
            )
