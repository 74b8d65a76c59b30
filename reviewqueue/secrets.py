"""API secrets: generated with their public prefix, stored only as a SHA-256 hash.

A secret looks like `rqp_3f9a2c1b_<43 random characters>`: the kind (`rqp` producer key, `rqt`
personal token), a prefix that identifies it in lists and logs, and the secret part.
"""

import hashlib
import secrets
from typing import NamedTuple


class NewSecret(NamedTuple):
    prefix: str
    secret: str
    hash: str


def new_secret(kind: str) -> NewSecret:
    prefix = secrets.token_hex(4)
    secret = f"{kind}_{prefix}_{secrets.token_urlsafe(32)}"
    return NewSecret(prefix=prefix, secret=secret, hash=hash_secret(secret))


def hash_secret(secret: str) -> str:
    # A fast hash is right here: the secret has 256 bits of entropy, so nothing can be guessed.
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
