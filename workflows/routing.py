"""Routing: from a draft's facts and its workflow's policy to a queue, with a readable reason.

Pure functions, no database: the policy is plain data (stored as JSON in `PolicyVersion`).

A policy maps each consequence level to a queue. Ordered rules may then override that on
`confidence` or a `metadata` value. A rule either sends the draft to its queue outright
(`"mode": "exactly"`) or raises it to at least that queue (`"mode": "at_least"`, the default),
where queues rank by the highest consequence level the policy maps to them. A producer's
`escalate` request goes to the escalation queue, whatever the rules say.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any

LEVELS: tuple[str, ...] = ("low", "medium", "high", "critical")

_OPS = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    "in": lambda actual, expected: actual in expected,
}


class PolicyError(ValueError):
    """The policy document is not valid; the message says which part."""


@dataclass(frozen=True)
class Rule:
    name: str
    field: str  # "confidence" or "metadata.<key>[.<key>...]"
    op: str
    value: Any
    queue: str
    at_least: bool = True

    @property
    def expected_kind(self) -> str | None:
        """What the field's value must be to be judged: "number", "text", "bool"."""
        expected = self.value if self.op != "in" else (self.value[0] if self.value else None)
        return None if expected is None else _kind(expected)

    def matches(self, facts: DraftFacts) -> bool | None:
        """True or False; None when the draft has the field but a value of another kind than
        the rule's (the text "18250", a list or an object where a number is expected)."""
        actual = facts.lookup(self.field)
        if actual is None:
            return False
        if self.expected_kind and _kind(actual) != self.expected_kind:
            return None
        try:
            return bool(_OPS[self.op](actual, self.value))
        except TypeError:
            return None


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return "text" if isinstance(value, str) else "other"


@dataclass(frozen=True)
class Policy:
    version: int
    levels: dict[str, str]
    rules: tuple[Rule, ...]
    escalation_queue: str
    auto_approve_low: bool = False

    @classmethod
    def from_document(cls, document: Any, *, version: int) -> Policy:
        if not isinstance(document, dict):
            raise PolicyError("a policy is a JSON object")
        unknown = set(document) - {"levels", "rules", "escalation_queue", "auto_approve_low"}
        if unknown:
            raise PolicyError(f"unknown policy keys: {', '.join(sorted(unknown))}")
        levels = document.get("levels")
        if not isinstance(levels, dict) or set(levels) != set(LEVELS):
            raise PolicyError(f"levels must map each of {', '.join(LEVELS)} to a queue")
        escalation_queue = document.get("escalation_queue")
        if not isinstance(escalation_queue, str) or not escalation_queue:
            raise PolicyError("escalation_queue must name a queue")
        rules = []
        for index, raw in enumerate(document.get("rules", [])):
            rules.append(_rule(raw, index))
        return cls(
            version=version,
            levels={level: str(levels[level]) for level in LEVELS},
            rules=tuple(rules),
            escalation_queue=escalation_queue,
            auto_approve_low=bool(document.get("auto_approve_low", False)),
        )

    def queue_slugs(self) -> set[str]:
        return {*self.levels.values(), self.escalation_queue, *(r.queue for r in self.rules)}

    def rank(self, queue: str) -> int:
        """How senior a queue is: the highest level mapped to it; others rank above all levels."""
        ranks = [i for i, level in enumerate(LEVELS) if self.levels[level] == queue]
        return max(ranks) if ranks else len(LEVELS)


def _rule(raw: Any, index: int) -> Rule:
    where = f"rules[{index}]"
    if not isinstance(raw, dict):
        raise PolicyError(f"{where} must be an object")
    missing = {"field", "op", "value", "queue"} - set(raw)
    if missing:
        raise PolicyError(f"{where} lacks {', '.join(sorted(missing))}")
    field = raw["field"]
    if field != "confidence" and not (isinstance(field, str) and field.startswith("metadata.")):
        raise PolicyError(f"{where}.field must be 'confidence' or 'metadata.<key>'")
    if raw["op"] not in _OPS:
        raise PolicyError(f"{where}.op must be one of {' '.join(_OPS)}")
    if raw["op"] == "in" and not isinstance(raw["value"], list):
        raise PolicyError(f"{where}.value must be a list for 'in'")
    mode = raw.get("mode", "at_least")
    if mode not in ("at_least", "exactly"):
        raise PolicyError(f"{where}.mode must be 'at_least' or 'exactly'")
    short_field = field.removeprefix("metadata.")
    name = raw.get("name") or f"{short_field} {raw['op']} {raw['value']}"
    return Rule(str(name), field, raw["op"], raw["value"], str(raw["queue"]), mode == "at_least")


@dataclass(frozen=True)
class DraftFacts:
    consequence: str
    confidence: float | None = None
    metadata: dict[str, Any] | None = None
    escalate_reason: str | None = None

    def lookup(self, field: str) -> Any:
        if field == "confidence":
            return self.confidence
        value: Any = self.metadata or {}
        for part in field.removeprefix("metadata.").split("."):
            if not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
        return value


@dataclass(frozen=True)
class Routing:
    queue: str | None  # None when auto-approved
    auto_approved: bool
    reason: str


# How a routing reason starts when the producer asked for the escalation queue (metrics count
# those drafts by it: it outlives the request's own words, which retention purges).
PRODUCER_ESCALATION = "producer asked to escalate"


def route(policy: Policy, facts: DraftFacts) -> Routing:
    """Where a draft goes and why, e.g. "rule 'claim_amount > 10000' of policy v3"."""
    of_policy = f"of policy v{policy.version}"
    if facts.escalate_reason:
        return Routing(
            policy.escalation_queue,
            False,
            # The request itself is on the draft (escalation_request), not in the reason: the
            # reason goes into the audit log, which keeps no draft text past retention.
            f"{PRODUCER_ESCALATION} {of_policy}",
        )
    queue = policy.levels[facts.consequence]
    reason = f"consequence '{facts.consequence}' {of_policy}"
    moved_by_rule = False
    for rule in policy.rules:
        matched = rule.matches(facts)
        # A value the rule cannot judge (sent as text, say) must not lower the review a draft
        # gets: an "at least" rule applies as if it matched; an "exactly" rule, which may send
        # a draft to a less senior queue, does not.
        if matched is False or (matched is None and not rule.at_least):
            continue
        if rule.at_least and policy.rank(queue) >= policy.rank(rule.queue):
            continue  # already at least as senior: the rule changes nothing
        queue, reason, moved_by_rule = rule.queue, f"rule '{rule.name}' {of_policy}", True
        if matched is None:
            reason += (
                f" (applied: {rule.field.removeprefix('metadata.')} is not a {_kind(rule.value)})"
            )
    # Auto-approval only for drafts no rule moved: a rule that fired says a human should look.
    if policy.auto_approve_low and facts.consequence == "low" and not moved_by_rule:
        return Routing(None, True, f"auto-approved: consequence 'low' {of_policy}")
    return Routing(queue, False, reason)
