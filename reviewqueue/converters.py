"""Path converters for the URLs of drafts."""

from __future__ import annotations

import uuid

HEX = "[0-9a-fA-F]"


class AnyCaseUUID:
    """A UUID in either case. RFC 9562 asks readers to accept upper case, which some systems
    (SQL Server, .NET, spreadsheets) write; Django's own converter takes lower case only, so
    a draft id copied from one of them would be a 404."""

    regex = f"{HEX}{{8}}-{HEX}{{4}}-{HEX}{{4}}-{HEX}{{4}}-{HEX}{{12}}"

    def to_python(self, value: str) -> uuid.UUID:
        return uuid.UUID(value)

    def to_url(self, value: uuid.UUID | str) -> str:
        return str(value).lower()
