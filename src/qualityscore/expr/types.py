"""The small type system of expressions: number, integer, text, boolean, date, enums, lists, records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


class Type:
    """Base of expression types; instances are immutable and compare by value."""

    @property
    def name(self) -> str:
        return "?"

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Prim(Type):
    """A primitive type: number, integer, text, boolean or date."""

    kind: str

    @property
    def name(self) -> str:
        return self.kind


NUMBER = Prim("number")
INTEGER = Prim("integer")
TEXT = Prim("text")
BOOLEAN = Prim("boolean")
DATE = Prim("date")


@dataclass(frozen=True)
class EnumT(Type):
    """Text restricted to a fixed list of values (a vehicle category, a severity)."""

    values: tuple[str, ...]

    @property
    def name(self) -> str:
        shown = ", ".join(self.values[:6]) + (", ..." if len(self.values) > 6 else "")
        return f"enum [{shown}]"


@dataclass(frozen=True)
class ListT(Type):
    """A list whose items all have one type."""

    item: Type

    @property
    def name(self) -> str:
        item = self.item
        if isinstance(item, RecordT) and item.label.startswith("a "):
            return f"list of {item.label[2:]}s"  # 'list of defects', not 'list of a defect'
        return f"list of {item}"


@dataclass(frozen=True)
class RecordT(Type):
    """An object with named fields, such as a recorded defect."""

    label: str
    fields: Mapping[str, Type] = field(hash=False, compare=False)

    @property
    def name(self) -> str:
        return self.label


@dataclass(frozen=True)
class OptionalT(Type):
    """A value that may be absent (an optional field of a defect): test it with `present()`."""

    inner: Type

    @property
    def name(self) -> str:
        return f"optional {self.inner}"


@dataclass(frozen=True)
class AnyT(Type):
    """The type of an empty list literal's items: fits anything."""

    name: str = "anything"


ANY = AnyT()


def strip_optional(t: Type) -> Type:
    return t.inner if isinstance(t, OptionalT) else t


def is_numeric(t: Type) -> bool:
    return t in (NUMBER, INTEGER) or t is ANY


def is_textual(t: Type) -> bool:
    return t == TEXT or isinstance(t, EnumT) or t is ANY


def assignable(value: Type, target: Type) -> bool:
    """Whether a value of type `value` may be used where `target` is expected."""
    if value == target or value is ANY or target is ANY:
        return True
    if target == NUMBER and value == INTEGER:
        return True
    if target == TEXT and isinstance(value, EnumT):
        return True
    if isinstance(target, EnumT) and isinstance(value, EnumT):
        return set(value.values) <= set(target.values)
    if isinstance(target, ListT) and isinstance(value, ListT):
        return assignable(value.item, target.item)
    if isinstance(target, OptionalT):
        return assignable(strip_optional(value), target.inner)
    return False


def unify(a: Type, b: Type) -> Type | None:
    """The narrowest type both `a` and `b` fit, or None when they do not mix."""
    if assignable(a, b):
        return b
    if assignable(b, a):
        return a
    if is_numeric(a) and is_numeric(b):
        return NUMBER
    if isinstance(a, EnumT) and isinstance(b, EnumT):
        return EnumT(tuple(dict.fromkeys(a.values + b.values)))
    if is_textual(a) and is_textual(b):
        return TEXT
    if isinstance(a, ListT) and isinstance(b, ListT):
        item = unify(a.item, b.item)
        return ListT(item) if item is not None else None
    if isinstance(a, OptionalT) or isinstance(b, OptionalT):
        inner = unify(strip_optional(a), strip_optional(b))
        return OptionalT(inner) if inner is not None else None
    return None


def comparable(a: Type, b: Type) -> bool:
    """Whether `<`, `<=`, `>`, `>=` are meaningful between the two types."""
    if is_numeric(a) and is_numeric(b):
        return True
    if a == DATE and b == DATE:
        return True
    if isinstance(a, ListT) and isinstance(b, ListT):
        return comparable(a.item, b.item)
    return is_textual(a) and is_textual(b)


def describe(t: Type) -> str:
    """A type in words, with its article, for messages: 'a number', 'an enum [...]', 'text'."""
    text = str(t)
    if t == TEXT or isinstance(t, RecordT):
        return text  # 'with text', not 'with a text'; a record's label has its article
    return ("an " if text[0] in "aeiou" else "a ") + text
