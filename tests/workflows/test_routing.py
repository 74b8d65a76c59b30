"""Routing is a pure function: a table of facts and the queue (and reason) each must give."""

import pytest

from reviewqueue.services.demo import CLAIMS_POLICY, FINANCE_POLICY
from workflows.routing import DraftFacts, Policy, PolicyError, route

claims = Policy.from_document(CLAIMS_POLICY, version=3)
finance = Policy.from_document(FINANCE_POLICY, version=1)


@pytest.mark.parametrize(
    ("facts", "queue", "reason"),
    [
        (DraftFacts("low"), "claims-standard", "consequence 'low' of policy v3"),
        (DraftFacts("medium", 0.9), "claims-standard", "consequence 'medium' of policy v3"),
        (DraftFacts("high", 0.9), "claims-senior", "consequence 'high' of policy v3"),
        (DraftFacts("critical", 0.9), "claims-critical", "consequence 'critical' of policy v3"),
        (
            DraftFacts("low", 0.9, {"claim_amount": 18250}),
            "claims-senior",
            "rule 'claim_amount > 10000' of policy v3",
        ),
        (DraftFacts("low", 0.9, {"claim_amount": 10000}), "claims-standard", None),
        # A value of the wrong kind cannot be judged, so it cannot lower the review either.
        (
            DraftFacts("low", 0.9, {"claim_amount": "18250"}),
            "claims-senior",
            "rule 'claim_amount > 10000' of policy v3 (applied: claim_amount is not a number)",
        ),
        (DraftFacts("low", 0.9, {"claim_amount": True}), "claims-senior", None),
        (DraftFacts("low", 0.9, {"claim_amount": [18250]}), "claims-senior", None),
        (DraftFacts("low", 0.9, {"claim_amount": {"value": 1}}), "claims-senior", None),
        (DraftFacts("low", 0.9, {"other": "x"}), "claims-standard", None),  # no such field
        (DraftFacts("medium", 0.3), "claims-senior", "rule 'confidence < 0.5' of policy v3"),
        (DraftFacts("medium", None), "claims-standard", None),
        # "at least": a rule never lowers a draft that is already more senior.
        (DraftFacts("critical", 0.2, {"claim_amount": 50000}), "claims-critical", None),
        (
            DraftFacts("low", escalate_reason="model unsure of coverage"),
            "claims-escalations",
            "producer asked to escalate of policy v3",
        ),
        (DraftFacts("high", 0.2), "finance-critical", None),
    ],
)
def test_route_sends_each_draft_to_the_queue_its_facts_call_for(facts, queue, reason):
    policy = finance if queue.startswith("finance") else claims
    routing = route(policy, facts)
    assert routing.queue == queue
    assert routing.auto_approved is False
    if reason:
        assert routing.reason == reason


def test_exactly_rule_can_send_a_draft_to_a_less_senior_queue():
    document = {
        **CLAIMS_POLICY,
        "rules": [
            {
                "field": "metadata.region",
                "op": "==",
                "value": "north",
                "mode": "exactly",
                "queue": "claims-standard",
            }
        ],
    }
    routing = route(
        Policy.from_document(document, version=4), DraftFacts("high", 0.9, {"region": "north"})
    )
    assert routing.queue == "claims-standard"
    assert routing.reason == "rule 'region == north' of policy v4"


def test_an_exactly_rule_never_applies_to_a_value_it_cannot_judge():
    document = {
        **CLAIMS_POLICY,
        "rules": [
            {
                "field": "metadata.region",
                "op": "==",
                "value": "north",
                "mode": "exactly",
                "queue": "claims-standard",
            }
        ],
    }
    policy = Policy.from_document(document, version=9)
    # It could only lower the review (to claims-standard): a number for a region is not judged.
    assert route(policy, DraftFacts("high", 0.9, {"region": 5})).queue == "claims-senior"
    assert route(policy, DraftFacts("high", 0.9, {"region": "north"})).queue == "claims-standard"


def test_nested_metadata_fields_and_in_operator():
    document = {
        **CLAIMS_POLICY,
        "rules": [
            {
                "field": "metadata.claimant.segment",
                "op": "in",
                "value": ["vip", "staff"],
                "queue": "claims-critical",
            }
        ],
    }
    policy = Policy.from_document(document, version=5)
    assert (
        route(policy, DraftFacts("low", 0.9, {"claimant": {"segment": "staff"}})).queue
        == "claims-critical"
    )
    assert route(policy, DraftFacts("low", 0.9, {"claimant": "staff"})).queue == "claims-standard"


def test_auto_approval_applies_only_to_low_drafts_no_rule_moved():
    policy = Policy.from_document({**CLAIMS_POLICY, "auto_approve_low": True}, version=6)
    auto = route(policy, DraftFacts("low", 0.95))
    assert auto.auto_approved and auto.queue is None
    assert route(policy, DraftFacts("low", 0.3)).auto_approved is False
    assert route(policy, DraftFacts("medium", 0.95)).auto_approved is False


def test_auto_approval_is_off_unless_the_policy_turns_it_on():
    assert claims.auto_approve_low is False
    assert route(claims, DraftFacts("low", 0.99)).auto_approved is False


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "a policy is a JSON object"),
        ({**CLAIMS_POLICY, "levels": {"low": "x"}}, "levels must map each of"),
        ({**CLAIMS_POLICY, "escalation_queue": ""}, "escalation_queue must name a queue"),
        ({**CLAIMS_POLICY, "surprise": 1}, "unknown policy keys: surprise"),
        (
            {**CLAIMS_POLICY, "rules": [{"field": "title", "op": ">", "value": 1, "queue": "q"}]},
            "rules[0].field",
        ),
        (
            {
                **CLAIMS_POLICY,
                "rules": [{"field": "confidence", "op": "~", "value": 1, "queue": "q"}],
            },
            "rules[0].op",
        ),
        (
            {**CLAIMS_POLICY, "rules": [{"field": "confidence", "op": "<"}]},
            "rules[0] lacks queue, value",
        ),
    ],
)
def test_invalid_policies_are_refused_with_a_message_naming_the_problem(document, message):
    with pytest.raises(PolicyError, match=None) as caught:
        Policy.from_document(document, version=1)
    assert message in str(caught.value)
