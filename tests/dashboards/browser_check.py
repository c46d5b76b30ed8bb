"""Drive headless Chromium to a dashboard as one user; print what it saw as JSON.

Runs under .venv-superset (playwright lives there); the pytest side reads the JSON.
Usage: python browser_check.py BASE_URL USERNAME PASSWORD SLUG SCREENSHOT_PNG
Uses Debian's /usr/bin/chromium, never a downloaded browser.
"""

from __future__ import annotations

import json
import sys

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
# What Superset renders when a chart fails (error alert, or the "no results" placeholder).
ERROR_SELECTORS = [".chart-container .alert-danger", "[data-test='error-message']",
                   ".ant-alert-error", "[role='alert'].ant-alert-error"]
LOADING_SELECTOR = ".loading, [data-test='loading-indicator']"
LOGIN_ATTEMPTS = 3


def wait_for_charts(page, timeout_ms: int = 90_000) -> None:
    page.wait_for_selector(".dashboard-component-chart-holder", timeout=timeout_ms)
    page.wait_for_function(
        f"() => document.querySelectorAll(\"{LOADING_SELECTOR}\").length === 0",
        timeout=timeout_ms)
    page.wait_for_timeout(1500)  # let ECharts finish its first paint before the screenshot


def chart_problems(page) -> list[str]:
    problems = []
    for selector in ERROR_SELECTORS:
        for element in page.query_selector_all(selector):
            if element.is_visible():
                problems.append(element.inner_text()[:300])
    return problems


def log_in(page, base_url: str, username: str, password: str) -> None:
    """Sign in through Superset's own login form, as a person would.

    A refused sign-in lands back on /login/ with a message; that is retried (a loaded CI
    machine once refused one) and, if it persists, reported with what the page said."""
    form_url = f"{base_url}/login/"
    seen = []
    for _ in range(LOGIN_ATTEMPTS):
        page.goto(form_url, wait_until="networkidle")
        page.wait_for_selector("[data-test='login-button']", timeout=60_000)
        page.fill("[data-test='username-input']", username)
        page.fill("[data-test='password-input']", password)
        page.click("[data-test='login-button']")
        page.wait_for_url(lambda url: url != form_url, timeout=60_000)
        page.wait_for_load_state("networkidle", timeout=60_000)
        if "/login" not in page.url:
            return
        seen.append(f"landed on {page.url}: {page.inner_text('body')[:300]!r}")
        page.wait_for_timeout(2000)
    raise RuntimeError(f"{username} could not sign in:\n" + "\n".join(seen))


def main(base_url: str, username: str, password: str, slug: str, screenshot: str) -> None:
    report: dict = {"tabs": {}, "errors": [], "api_failures": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             headless=True)
        page = browser.new_page(viewport={"width": 1600, "height": 1400}, locale="zh-CN")

        def record_failure(response):
            if "/api/v1/chart/data" in response.url and response.status >= 400:
                report["api_failures"].append(f"{response.status} {response.url}")

        page.on("response", record_failure)
        log_in(page, base_url, username, password)
        page.goto(f"{base_url}/superset/dashboard/{slug}/", wait_until="networkidle")
        wait_for_charts(page)
        report["title"] = page.title()
        report["body_text"] = page.inner_text("body")
        report["errors"] += chart_problems(page)
        page.screenshot(path=screenshot)

        for tab in page.query_selector_all("[role='tab']"):
            name = tab.inner_text().strip()
            tab.click()
            page.wait_for_timeout(500)
            wait_for_charts(page)
            problems = chart_problems(page)
            report["tabs"][name] = {"errors": problems,
                                    "text": page.inner_text(".dashboard-content")[:5000]}
            report["errors"] += problems
        browser.close()
    json.dump(report, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(*sys.argv[1:6])
