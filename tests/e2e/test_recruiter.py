"""A recruiter's day in the console, in a real browser against a real server (SQLite,
and MariaDB in the MariaDB pass of `make test`).

Register (signed in at once) → a posting with blank skills (read from the description
and shown as chips) → 50 generated CVs uploaded with a progress bar → the live board →
the detail view with evidence → edit the posting → rescore → filter and sort → export
a selection as XLSX; no console error and no serious axe-core violation on the way.
Also: the signed-out page, the password rule in words, the history row and the layout
at 1400 and 390 px.
"""

from __future__ import annotations

import io
import secrets
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import REPO
from tests.pipeline import fixtures

pytestmark = pytest.mark.e2e

ARTIFACTS = REPO / "test-artifacts"
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
PASSWORD = "Sturdy-Passphrase-42"
STEP_MS = 60_000
JOB_MS = 240_000
CV_COUNT = 50
PDF_EVERY = 10  # every tenth CV is a PDF, the rest plain text
DESCRIPTION = (
    "We are hiring a backend engineer for our payments platform.\n\n"
    "Requirements:\n- 4+ years of experience with Python and Django\n- PostgreSQL\n- Docker\n"
    "Nice to have:\n- AWS\n- Git\n"
    "A degree in Computer Science or similar."
)


def _make_cvs(directory: Path) -> list[Path]:
    occupations = ["software engineer"] * 4 + ["nurse", "lawyer"]
    paths = []
    for index in range(CV_COUNT):
        occupation = occupations[index % len(occupations)]
        skills = fixtures.OCCUPATIONS[occupation]["skills"]
        text = fixtures.make_cv_text(
            occupation,
            name=f"{fixtures_name(index)}",
            email=f"cv{index}@example.org",
            years=1 + index % 11,
            skills=skills[index % 3 :] if occupation == "software engineer" else None,
            location="Leeds, United Kingdom" if index % 2 else "York, United Kingdom",
            seed=index,
        )
        if index % PDF_EVERY == 0:
            path = fixtures.make_cv_pdf(directory / f"cv-{index:02d}.pdf", text=text)
        else:
            path = directory / f"cv-{index:02d}.txt"
            path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def fixtures_name(index: int) -> str:
    first = ["Ada", "Grace", "Alan", "Hedy", "Linus", "Joan", "Ken", "Mary", "Tim", "Radia"]
    last = ["Lovelace", "Hopper", "Turing", "Lamarr", "Torvalds"]
    return f"{first[index % 10]} {last[(index // 10) % 5]}"


class Watch:
    """Console errors, page errors and axe-core results, gathered as the page runs."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on(
            "console",
            lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None,
        )

    def axe(self, where: str) -> None:
        """No serious or critical axe-core violation in the page as it is now."""
        results = self.page.evaluate(
            """async () => {
                const r = await axe.run(document, {resultTypes: ["violations"]});
                return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
            }"""
        )
        serious = [v for v in results if v["impact"] in {"serious", "critical"}]
        assert not serious, f"axe violations {where}: {serious}"


def _expect() -> Any:
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    return expect


@pytest.fixture
def page(browser: Any) -> Any:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    context.add_init_script(path=str(AXE))  # through the devtools protocol, not the page's CSP
    page = context.new_page()
    page.set_default_timeout(STEP_MS)
    yield page
    context.close()


def test_signed_out_page_has_no_logout_and_says_the_password_rule(
    page: Any, server_url: str
) -> None:
    expect = _expect()
    watch = Watch(page)
    page.goto(server_url + "/")
    expect(page.locator("#auth-section")).to_be_visible()
    # `.session {display: flex}` used to beat `hidden`
    expect(page.locator("#logout")).to_be_hidden()
    expect(page.locator("#register-password")).to_have_attribute("minlength", "10")
    expect(page.locator("#register-password-hint")).to_have_text("At least 10 characters.")
    page.fill("#register-name", "Short Password")
    page.fill("#register-email", f"short-{secrets.token_hex(3)}@example.org")
    page.fill("#register-password", "nine-char")
    page.click("#register-form button[type=submit]")
    message = page.locator("#auth-message")
    expect(message).to_have_text("Password: use at least 10 characters.")
    # the server's own answer, in the same words, when the form's check is bypassed
    page.evaluate("document.querySelector('#register-password').removeAttribute('minlength')")
    page.fill("#register-password", "short")
    page.evaluate(
        """async () => {
            const api = await import('/console/api.js');
            try { await api.register('x@example.org', 'short', 'X'); }
            catch (e) { document.querySelector('#auth-message').textContent = e.describe(); }
        }"""
    )
    expect(message).to_have_text("Password: use at least 10 characters.")
    page.fill("#login-email", "nobody@example.org")
    page.fill("#login-password", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(message).to_have_text("Wrong email or password.")
    watch.axe("signed out")
    assert not [e for e in watch.errors if "401" not in e and "422" not in e], watch.errors


def test_a_recruiters_day(page: Any, server_url: str, tmp_path: Path) -> None:
    cvs = _make_cvs(tmp_path)
    try:
        _day(page, server_url, cvs)
    except BaseException:
        page.screenshot(path=str(ARTIFACTS / "recruiter-failure.png"), full_page=True)
        raise


def _day(page: Any, server_url: str, cvs: list[Path]) -> None:
    expect = _expect()
    watch = Watch(page)
    page.goto(server_url + "/")

    # Register: signed in straight away.
    email = f"recruiter-{secrets.token_hex(4)}@example.org"
    page.fill("#register-name", "Rae Cruiter")
    page.fill("#register-email", email)
    page.fill("#register-password", PASSWORD)
    page.click("#register-form button[type=submit]")
    expect(page.locator("#app-section")).to_be_visible()
    expect(page.locator("#session-user")).to_contain_text(email)
    expect(page.locator("#logout")).to_be_visible()

    # A posting with the skills left blank: read from the description, shown as chips.
    page.fill("#posting-title", "Backend Engineer")
    page.fill("#posting-description", DESCRIPTION)
    required = page.locator("#required-chips li[data-skill]")
    expect(required.filter(has_text="Django")).to_have_count(1)
    expect(page.locator("#preferred-chips li[data-skill='AWS']")).to_have_count(1)
    expect(page.locator("#skills-status")).to_contain_text("4+ years")
    watch.axe("in the posting form")
    page.click("#posting-submit")
    expect(page.locator("#selected-posting-title")).to_have_text("Backend Engineer")
    selected = page.locator("#posting-list button[aria-pressed=true]")
    expect(selected).to_contain_text("Django")  # the API got no skills and read them itself

    # Upload 50 CVs with a visible progress bar; the board follows the job.
    page.set_input_files("#file-input", [str(p) for p in cvs])
    expect(page.locator("#selected-files")).to_contain_text(f"{CV_COUNT} file(s)")
    page.click("#upload-start")
    expect(page.locator("#upload-progress")).to_be_visible()
    expect(page.locator("#upload-progress")).to_have_attribute("value", "100")
    expect(page.locator("#job-section")).to_be_visible()
    expect(page.locator("#job-status")).to_have_text("succeeded", timeout=JOB_MS)
    expect(page.locator("#job-stage")).to_have_text("finished")  # not "parsing"
    expect(page.locator("#file-counts")).to_contain_text(f"{CV_COUNT} screened")
    expect(page.locator("#file-status li[data-status=ok]")).to_have_count(CV_COUNT)
    expect(page.locator("#throughput-chart path.chart-line")).to_have_count(1)
    page.select_option("#file-filter", "error")
    expect(page.locator("#file-status li")).to_have_count(0)
    page.select_option("#file-filter", "")

    # The shortlist with its charts; the missing-skills column fits at 1400 px.
    rows = page.locator("#ranking tbody tr")
    expect(rows).to_have_count(CV_COUNT)
    expect(page.locator("#score-chart rect.chart-bar")).to_have_count(10)
    expect(page.locator("#skills-chart")).to_have_attribute("aria-label", _re("Django: \\d+ of 50"))
    _fits(page, "#ranking th:last-child", "#ranking-section .table-scroll")
    page.locator("#ranking-section").screenshot(path=str(ARTIFACTS / "recruiter-1400-ranking.png"))
    watch.axe("with the shortlist")

    # The detail view of a PDF CV: evidence, the score in words, the file inline.
    pdf_row = rows.filter(has=page.locator("td.file", has_text=".pdf")).first
    pdf_row.locator("button.open-candidate").click()
    dialog = page.locator("#candidate-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#detail-score")).to_contain_text(_re(r"Matched \d of 4 required skills"))
    expect(page.locator("#detail-why li")).to_have_count(7)
    expect(page.locator("#detail-why")).to_contain_text("Software Developers")
    expect(page.locator("#detail-skills q").first).to_be_visible()
    expect(page.locator("#detail-work li").first).to_contain_text(_re(r"\d{4}"))
    frame = page.locator("#detail-file iframe")
    expect(frame).to_have_attribute("src", _re(r"/file\?sig=.+&inline=true$"))
    expect(page.locator("#detail-download")).to_have_attribute("href", _re(r"/file\?sig="))
    name = page.locator("#detail-name").inner_text()
    page.click("#detail-next" if page.locator("#detail-next").is_enabled() else "#detail-prev")
    expect(page.locator("#detail-name")).not_to_have_text(name)
    dialog.screenshot(path=str(ARTIFACTS / "recruiter-1400-detail.png"))
    watch.axe("in the detail view")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # Edit the posting (Kubernetes becomes required), then rescore with progress.
    page.click("#posting-edit")
    expect(page.locator("#posting-form-title")).to_contain_text("Edit")
    page.click("#required-chips li[data-skill='Docker'] button:has-text('Make preferred')")
    page.fill("#skill-add", "Kubernetes")
    page.click("#skill-add-required")
    page.click("#posting-submit")
    expect(page.locator("#posting-message")).to_contain_text("saved")
    expect(selected).to_contain_text("Kubernetes")
    screening_job = page.locator("#job-id").inner_text()
    page.click("#posting-rescore")
    expect(page.locator("#job-id")).not_to_have_text(screening_job)
    expect(page.locator("#job-status")).to_have_text("succeeded", timeout=JOB_MS)
    expect(page.locator("#job-progress")).to_have_attribute("data-progress", "100")
    expect(
        page.locator("#ranking tbody tr").first.locator(".chip.missing, .chip.matched")
    ).not_to_have_count(0)

    # Filter (has Kubernetes, from Leeds) and sort by name.
    page.fill("#filter-skill", "Kubernetes")
    page.fill("#filter-location", "Leeds")
    page.click("#filters button[type=submit]")
    expect(rows).not_to_have_count(CV_COUNT)  # the filtered list has replaced the full one
    expect(rows.first.locator(".chip.matched", has_text="Kubernetes")).to_have_count(1)
    count = rows.count()
    assert 0 < count < CV_COUNT
    for index in range(count):
        expect(rows.nth(index).locator(".chip.matched", has_text="Kubernetes")).to_have_count(1)
        expect(rows.nth(index)).to_contain_text("Leeds")
    ranked_names = rows.locator("button.open-candidate").all_inner_texts()
    page.click("#ranking th[data-sort=name] button")
    expect(page.locator("#ranking th[data-sort=name]")).to_have_attribute("aria-sort", "ascending")
    names = sorted(ranked_names, key=str.casefold)
    expect(rows.locator("button.open-candidate")).to_have_text(names)

    # Select two and export them as XLSX.
    rows.nth(0).locator("input.select").check()
    rows.nth(1).locator("input.select").check()
    expect(page.locator("#selection-count")).to_contain_text("2 candidate(s) selected")
    with page.expect_download() as download_info:
        page.click("#export-xlsx")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    assert sheet is not None
    exported = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert exported == names[:2], (exported, names[:2])

    # The history names the posting, and "100%" does not run into "50/50".
    history = page.locator("#history tbody tr").first
    expect(history).to_contain_text("Backend Engineer")
    expect(page.locator("#history tbody")).not_to_contain_text("cv_match")
    _apart(page, "#history tbody tr:first-child progress", "#history tbody tr:first-child .percent")
    page.screenshot(path=str(ARTIFACTS / "recruiter-1400.png"), full_page=False)

    # 390 px: the page does not scroll sideways; the table does.
    page.set_viewport_size({"width": 390, "height": 844})
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1] + 1, widths
    watch.axe("at 390 px")
    page.screenshot(path=str(ARTIFACTS / "recruiter-390.png"), full_page=False)
    assert not watch.errors, watch.errors


def _re(pattern: str) -> Any:
    import re

    return re.compile(pattern)


def _fits(page: Any, cell: str, box: str) -> None:
    """`cell` ends inside `box` without scrolling it sideways."""
    right = page.evaluate(
        f"""() => [document.querySelector({cell!r}).getBoundingClientRect().right,
                  document.querySelector({box!r}).getBoundingClientRect().right]"""
    )
    assert right[0] <= right[1] + 1, f"{cell} is cut off: {right}"


def _apart(page: Any, first: str, second: str) -> None:
    boxes = page.evaluate(
        f"""() => [{first!r}, {second!r}].map(s => {{
              const r = document.querySelector(s).getBoundingClientRect();
              return [r.left, r.right]; }})"""
    )
    assert boxes[0][1] <= boxes[1][0], f"{first} and {second} overlap: {boxes}"
