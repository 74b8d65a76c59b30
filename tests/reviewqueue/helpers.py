"""Request bodies and small helpers shared by the API tests."""

from __future__ import annotations

import itertools
import json

_ids = itertools.count(1)


def draft_body(**overrides) -> dict:
    body = {
        "external_id": f"claim-{next(_ids)}-summary",
        "title": "Claim 8841 water damage summary",
        "content": "Escape of water from a burst pipe; cover confirmed under section 4.",
        "consequence": "medium",
        "confidence": 0.82,
        "sources": [
            {
                "id": "policy-12",
                "title": "Home policy §4",
                "uri": "https://docs.example/p/12",
                "excerpt": "Sudden escape of water is covered.",
            }
        ],
        "model": {"name": "claims-summariser", "version": "2026-10", "prompt_version": "v7"},
        "cost": {"input_tokens": 1200, "output_tokens": 300, "usd": "0.0042"},
        "metadata": {"claim_amount": 4200, "region": "north"},
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def post_json(client, path: str, body, **extra):
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(path, data=raw, content_type="application/json", **extra)


def error_code(response) -> str:
    return response.json()["error"]["code"]


def field_codes(response) -> dict[str, list[str]]:
    fields = response.json()["error"].get("fields", {})
    return {name: [item["code"] for item in items] for name, items in fields.items()}
