"""What browser tests do again and again."""

from __future__ import annotations

from playwright.sync_api import Page

PASSWORD = "demo-password"


def sign_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign in").click()
