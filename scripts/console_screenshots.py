"""Take the README's console screenshots: `python -m scripts.console_screenshots`.

Starts a server on a fresh SQLite database, screens 24 generated CVs against a posting
whose skills are read from its description, and saves the ranked table, the detail
view and the live board at 1400 px, and the ranked table at 390 px, under docs/.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.intake_common import login, prepare_database, start_server
from tests.controller.screening_support import cv_text

DOCS = Path(__file__).resolve().parents[1] / "docs"
SKILLS = [None, ["Python", "Docker", "Git"], ["Python", "Django", "AWS"], ["Java", "Docker"]]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="cvmatch-shots-") as tmp:
        folder = Path(tmp)
        url = f"sqlite+aiosqlite:///{folder}/shots.db"
        prepare_database(url)
        files = []
        for index in range(24):
            path = folder / f"cv-{index:02d}.txt"
            occupation = ("software engineer", "software engineer", "nurse")[index % 3]
            skills = SKILLS[index % len(SKILLS)] if occupation != "nurse" else None
            text = cv_text(index, occupation, skills=skills)
            path.write_text(text, encoding="utf-8")
            files.append(str(path))
        server = start_server(url, folder, ENVIRONMENT="development")
        try:
            token = login(server.url)["Authorization"].removeprefix("Bearer ")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                context.add_init_script(f"sessionStorage.setItem('cvmatch.token', '{token}')")
                page = context.new_page()
                page.goto(server.url + "/")
                page.fill("#posting-title", "Backend Engineer")
                page.fill(
                    "#posting-description",
                    "We are hiring a backend engineer for our payments platform.\n\n"
                    "Requirements:\n- 4+ years of experience with Python and Django\n"
                    "- PostgreSQL\n- Docker\nNice to have:\n- Kubernetes\n- AWS\n",
                )
                page.wait_for_selector("#required-chips li[data-skill]")
                page.click("#posting-submit")
                page.set_input_files("#file-input", files)
                page.click("#upload-start")
                page.wait_for_selector("#job-status[data-status=succeeded]", timeout=300_000)
                page.wait_for_selector("#ranking tbody tr")
                page.wait_for_timeout(800)
                page.evaluate("window.scrollTo(0, 0)")
                clip = page.locator("#ranking-section").bounding_box()
                assert clip is not None
                page.screenshot(
                    path=str(DOCS / "console-1400.png"),
                    clip={**clip, "height": min(clip["height"], 980)},
                    full_page=True,
                )
                page.locator("#job-section").screenshot(path=str(DOCS / "console-board-1400.png"))
                page.locator("#ranking button.open-candidate").first.click()
                page.wait_for_selector("#detail-why li")
                page.locator("#candidate-dialog").screenshot(
                    path=str(DOCS / "console-detail-1400.png")
                )
                page.keyboard.press("Escape")
                page.set_viewport_size({"width": 390, "height": 844})
                page.locator("#ranking-section").scroll_into_view_if_needed()
                page.screenshot(path=str(DOCS / "console-390.png"))
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
