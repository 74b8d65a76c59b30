"""Who did something: a person, a producer (by its workflow API key) or a system task."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    kind: str  # "person" | "producer" | "system"
    id: str
    label: str

    @classmethod
    def person(cls, user: Any) -> Actor:
        return cls("person", str(user.pk), user.get_username())

    @classmethod
    def producer(cls, key: Any) -> Actor:
        return cls("producer", str(key.pk), f"{key.workflow.slug}:{key.prefix}")

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls("system", name, name)
