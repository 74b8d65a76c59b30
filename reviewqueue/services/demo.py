"""The demo organisation: two workflows, their queues, roles, people and sample drafts.

Idempotent: running it again creates only what is missing (drafts are replayed by external_id).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group, Permission, User
from django.db import transaction

from audit.actors import Actor
from reviewqueue.models import Queue
from reviewqueue.services import ingest
from reviewqueue.services.permissions import acting_as, add_to_role, grant_permission
from reviewqueue.services.queues import create_queue
from workflows.models import ProducerKey, Workflow
from workflows.services.keys import create_producer_key
from workflows.services.policies import set_routing_policy
from workflows.services.workflows import create_workflow

DEMO_PASSWORD = "demo-password"
SEEDER = Actor.system("seed_demo")

ROLES = {
    "adjusters": ["adjuster"],
    "senior_adjusters": ["senior_adjuster", "senior_adjuster2"],
    "controllers": ["controller", "controller2"],
    "auditors": ["auditor"],
    "workflow_owners": ["claims_owner", "claims_tech", "finance_owner"],
}

CLAIMS_CATEGORIES = {
    "hallucinated_fact": "Hallucinated fact",
    "wrong_policy_cited": "Wrong policy cited",
    "missing_information": "Missing information",
    "tone": "Tone",
    "calculation_error": "Calculation error",
}
FINANCE_CATEGORIES = {
    "calculation_error": "Calculation error",
    "wrong_period": "Wrong period",
    "missing_driver": "Missing driver",
    "tone": "Tone",
}

# (slug, SLA hours, approvals, escalates?)
CLAIMS_QUEUES = [
    ("claims-escalations", 8, 1, False),
    ("claims-standard", 4, 1, True),
    ("claims-senior", 2, 1, True),
    ("claims-critical", 1, 2, True),
    ("claims-qa", 24, 1, True),
]
FINANCE_QUEUES = [
    ("finance-escalations", 24, 1, False),
    ("finance-review", 8, 1, True),
    ("finance-critical", 4, 2, True),
]

CLAIMS_POLICY = {
    "levels": {
        "low": "claims-standard",
        "medium": "claims-standard",
        "high": "claims-senior",
        "critical": "claims-critical",
    },
    "rules": [
        {
            "name": "claim_amount > 10000",
            "field": "metadata.claim_amount",
            "op": ">",
            "value": 10000,
            "queue": "claims-senior",
        },
        {
            "name": "confidence < 0.5",
            "field": "confidence",
            "op": "<",
            "value": 0.5,
            "queue": "claims-senior",
        },
    ],
    "escalation_queue": "claims-escalations",
}
FINANCE_POLICY = {
    "levels": {
        "low": "finance-review",
        "medium": "finance-review",
        "high": "finance-critical",
        "critical": "finance-critical",
    },
    "rules": [],
    "escalation_queue": "finance-escalations",
}


def seed_demo(
    *, set_passwords: bool, history: bool = False, say: Callable[[str], None] = lambda _: None
) -> None:
    """The demo organisation; with `history`, into an empty demo, two weeks of decided drafts."""
    # Grants and group changes are audited by signal handlers, which name whoever is acting.
    with acting_as(SEEDER):
        _seed(set_passwords, history, say)


def _seed(set_passwords: bool, history: bool, say: Callable[[str], None]) -> None:
    users = _people(set_passwords, say)
    claims = _workflow(
        "claims-intake-summary",
        "Claims intake summary",
        CLAIMS_CATEGORIES,
        CLAIMS_QUEUES,
        CLAIMS_POLICY,
        say,
        business_owner=users["claims_owner"],
        technical_owner=users["claims_tech"],
        output_kind=Workflow.OutputKind.INTERNAL,
        rollout_stage=Workflow.RolloutStage.LIMITED_PILOT,
        monthly_budget_usd=Decimal("500"),
        minutes_saved_per_accepted_draft=Decimal("12"),
        loaded_hourly_cost_usd=Decimal("65"),
    )
    finance = _workflow(
        "finance-variance",
        "Finance variance explanations",
        FINANCE_CATEGORIES,
        FINANCE_QUEUES,
        FINANCE_POLICY,
        say,
        business_owner=users["finance_owner"],
        output_kind=Workflow.OutputKind.ADVISORY,
        rollout_stage=Workflow.RolloutStage.OPERATIONAL,
        daily_draft_limit=2000,
        minutes_saved_per_accepted_draft=Decimal("20"),
        loaded_hourly_cost_usd=Decimal("80"),
    )
    if claims.qa_queue is None:
        claims.qa_queue = Queue.objects.get(slug="claims-qa")
        claims.save(update_fields=["qa_queue"])
    _grants(claims, finance, users)
    if history:
        from reviewqueue.services.demo_history import seed_history

        seed_history(say)
    _sample_drafts(claims, finance, say)


def _people(set_passwords: bool, say: Callable[[str], None]) -> dict[str, User]:
    users: dict[str, User] = {}
    names = [name for members in ROLES.values() for name in members] + ["admin"]
    for name in names:
        user, created = User.objects.get_or_create(
            username=name, defaults={"email": f"{name}@demo.reviewqueue.invalid"}
        )
        if name == "admin" and not user.is_superuser:
            user.is_superuser = user.is_staff = True
            user.save(update_fields=["is_superuser", "is_staff"])
        if created:
            if set_passwords:
                user.set_password(DEMO_PASSWORD)
            else:
                user.set_unusable_password()
            user.save()
            say(f"  person {name}")
        users[name] = user
    for role, members in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        for member in members:
            add_to_role(user=users[member], group=group, actor=SEEDER)
    return users


def _workflow(
    slug: str,
    name: str,
    categories: dict[str, str],
    queue_specs: list[tuple[str, int, int, bool]],
    policy: dict,
    say: Callable[[str], None],
    **fields: Any,
) -> Workflow:
    workflow = Workflow.objects.filter(slug=slug).first()
    if workflow is None:
        workflow = create_workflow(
            slug=slug, name=name, actor=SEEDER, error_categories=categories, **fields
        )
        say(f"  workflow {slug}")
    escalation: Queue | None = None
    for queue_slug, sla_hours, approvals, escalates in queue_specs:
        queue = Queue.objects.filter(slug=queue_slug).first()
        if queue is None:
            queue = create_queue(
                slug=queue_slug,
                name=queue_slug.replace("-", " ").capitalize(),
                workflow=workflow,
                actor=SEEDER,
                sla=timedelta(hours=sla_hours),
                escalation_queue=escalation if escalates else None,
                approvals_required=approvals,
            )
            say(f"  queue {queue_slug}")
        if not escalates:
            escalation = queue
    if workflow.current_policy is None:
        set_routing_policy(workflow=workflow, document=policy, actor=SEEDER)
    return workflow


def _grants(claims: Workflow, finance: Workflow, users: dict[str, User]) -> None:
    adjusters = Group.objects.get(name="adjusters")
    seniors = Group.objects.get(name="senior_adjusters")
    controllers = Group.objects.get(name="controllers")
    wanted = [(adjusters, Queue.objects.get(slug="claims-standard"))]
    wanted += [(seniors, q) for q in Queue.objects.filter(workflow=claims)]
    wanted += [(controllers, q) for q in Queue.objects.filter(workflow=finance)]
    for group, queue in wanted:
        for perm in ("view_queue", "review_queue"):
            if not _group_has(group, perm, queue):
                grant_permission(perm=perm, holder=group, obj=queue, actor=SEEDER)
    owners = [("claims_owner", claims), ("claims_tech", claims), ("finance_owner", finance)]
    for name, workflow in owners:
        if not users[name].has_perm("workflows.view_workflow_metrics", workflow):
            grant_permission(
                perm="view_workflow_metrics", holder=users[name], obj=workflow, actor=SEEDER
            )
    auditors = Group.objects.get(name="auditors")
    auditors.permissions.add(Permission.objects.get(codename="read_audit_log"))


def _group_has(group: Group, perm: str, queue: Queue) -> bool:
    from reviewqueue.models import QueueGroupObjectPermission

    return QueueGroupObjectPermission.objects.filter(
        group=group, content_object=queue, permission__codename=perm
    ).exists()


def _demo_key(workflow: Workflow) -> ProducerKey:
    key = ProducerKey.objects.filter(workflow=workflow, name="demo seed").first()
    if key is None:
        key, _secret = create_producer_key(workflow=workflow, actor=SEEDER, name="demo seed")
    return ProducerKey.objects.select_related("workflow__current_policy").get(pk=key.pk)


def _sample_drafts(claims: Workflow, finance: Workflow, say: Callable[[str], None]) -> None:
    rng = random.Random(8841)  # the same demo every time
    created = 0
    for workflow, count, make in ((claims, 36, _claim_draft), (finance, 24, _finance_draft)):
        key = _demo_key(workflow)
        items = [make(rng, n) for n in range(1, count + 1)]
        with transaction.atomic():
            outcomes = ingest.receive_drafts(
                key=key,
                submissions=[ingest.Submission.of(_validated(item), item) for item in items],
            )
        created += sum(o.result == ingest.CREATED for o in outcomes)
    say(f"  {created} sample drafts")


def _validated(item: dict) -> dict:
    from reviewqueue.api.serializers import DraftIn

    incoming = DraftIn(data=item)
    incoming.is_valid(raise_exception=True)
    return incoming.validated_data


LEVELS = ["low", "medium", "high", "critical"]
PERILS = ["water damage", "storm damage", "theft", "fire", "subsidence", "vehicle collision"]
REGIONS = ["north", "south", "east", "west"]
# The policy wording each peril is covered by: shared documents, so flags on one add up in the
# owners' source report as they would in production.
WORDINGS = {
    "water damage": (
        "home-2026-s4",
        "Home policy wording 2026, §4 Escape of water",
        "Sudden and accidental escape of water from fixed pipes is covered.",
    ),
    "storm damage": (
        "home-2026-s3",
        "Home policy wording 2026, §3 Storm",
        "Storm damage is covered; wear, tear and gradual deterioration are not.",
    ),
    "theft": (
        "home-2026-s6",
        "Home policy wording 2026, §6 Theft",
        "Theft following forcible and violent entry is covered.",
    ),
    "fire": (
        "home-2026-s2",
        "Home policy wording 2026, §2 Fire",
        "Fire, lightning, explosion and smoke damage are covered.",
    ),
    "subsidence": (
        "home-2026-s7",
        "Home policy wording 2026, §7 Subsidence",
        "Subsidence, heave or landslip of the site is covered; excess US$ 1,000.",
    ),
    "vehicle collision": (
        "motor-2026-s1",
        "Motor policy wording 2026, §1 Accidental damage",
        "Accidental damage to the insured vehicle, collision included, is covered.",
    ),
}


def _claim_draft(rng: random.Random, n: int) -> dict:
    claim = 8800 + n
    peril = rng.choice(PERILS)
    amount = rng.choice([850, 2400, 4600, 7300, 9900, 12500, 18250, 42000])
    level = LEVELS[n % 4]
    wording, wording_title, wording_excerpt = WORDINGS[peril]
    draft = {
        "external_id": f"claim-{claim}-summary",
        "title": f"Claim {claim} {peril} summary",
        "content": (
            f"Policyholder reports {peril} on {rng.randint(1, 28)} October. Estimated loss "
            f"US$ {amount:,}. Cover confirmed under section {rng.randint(2, 9)} of the policy; "
            f"excess US$ {rng.choice([250, 500, 1000])}. Recommend "
            f"{rng.choice(['approval of the claim', 'a site visit', 'requesting receipts'])}."
        ),
        "consequence": level,
        "confidence": round(rng.uniform(0.35, 0.99), 2),
        "sources": [
            {
                "id": wording,
                "title": wording_title,
                "uri": f"https://docs.example/wordings/{wording}",
                "excerpt": wording_excerpt,
            },
            {
                "id": f"fnol-{claim}",
                "title": "First notice of loss",
                "uri": f"https://docs.example/fnol/{claim}",
            },
        ],
        "model": {"name": "claims-summariser", "version": "2026-10", "prompt_version": "v7"},
        "cost": {
            "input_tokens": rng.randint(900, 2400),
            "output_tokens": rng.randint(150, 400),
            "usd": f"{rng.uniform(0.002, 0.009):.4f}",
        },
        "metadata": {"claim_amount": amount, "region": rng.choice(REGIONS), "peril": peril},
    }
    if n % 12 == 0:
        draft["escalate"] = {"reason": "model unsure of coverage"}
    return draft


def _finance_draft(rng: random.Random, n: int) -> dict:
    account = rng.choice(["Travel", "Cloud hosting", "Contractors", "Marketing", "Utilities"])
    variance = rng.randint(-48000, 65000)
    return {
        "external_id": f"variance-2026-10-{n:03d}",
        "title": f"October variance: {account}",
        "content": (
            f"{account} is US$ {abs(variance):,} {'over' if variance > 0 else 'under'} budget for "
            f"October, driven mainly by {rng.choice(['volume', 'price', 'timing', 'one-offs'])}."
        ),
        "consequence": LEVELS[n % 4],
        "confidence": round(rng.uniform(0.55, 0.98), 2),
        "sources": [
            {
                "id": f"gl-2026-10-{n}",
                "title": "General ledger extract",
                "uri": f"https://erp.example/gl/2026-10/{n}",
            }
        ],
        "model": {"name": "variance-explainer", "version": "1.4", "prompt_version": "v3"},
        "cost": {
            "input_tokens": rng.randint(600, 1800),
            "output_tokens": rng.randint(100, 300),
            "usd": f"{rng.uniform(0.001, 0.006):.4f}",
        },
        "metadata": {"account": account, "variance": variance, "period": "2026-10"},
    }
