"""The web console in a real browser against a real server.

Registers, logs in, creates a posting, uploads ten CVs (one corrupt), follows the
job over the WebSocket through a forced drop, then checks the ranking, the file
errors, the CSV download, the job history and the narrow layout.
"""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from pipeline.components import COMPONENTS
from tests.e2e.conftest import REPO

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ARTIFACTS = REPO / "test-artifacts"
PASSWORD = "Sturdy-Passphrase-42"
STEP_TIMEOUT_MS = 60_000
JOB_TIMEOUT_MS = 180_000
DROP_AFTER_FRAMES = 4  # the first connection is cut after this many frames

PEOPLE = [
    ("Alice Moreau", 7, ["Python", "FastAPI", "PostgreSQL", "Docker", "Kubernetes"]),
    ("Bram de Vries", 4, ["Python", "Django", "SQL", "Redis"]),
    ("Chen Wei", 9, ["Python", "FastAPI", "SQL", "AWS", "Terraform"]),
    ("Dana Kowalski", 2, ["JavaScript", "React", "CSS"]),
    ("Emil Larsen", 5, ["Python", "Flask", "MySQL", "Docker"]),
    ("Farah Haddad", 3, ["Java", "Spring", "SQL"]),
    ("Goran Petrov", 6, ["Python", "FastAPI", "Docker", "Redis", "SQL"]),
    ("Hana Sato", 1, ["Python", "Pandas", "SQL"]),
    ("Ivan Novak", 8, ["Go", "Kubernetes", "Docker", "PostgreSQL"]),
]


def _make_cvs(directory: Path) -> list[Path]:
    """Nine one-page PDF CVs with varied skills, and one corrupt `broken.pdf`."""
    from fpdf import FPDF

    paths = []
    for index, (name, years, skills) in enumerate(PEOPLE):
        pdf = FPDF()
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 18)
        pdf.cell(0, 10, name, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)
        slug = name.lower().replace(" ", ".")
        contact = f"{slug}@example.org | +31 6 1234 56{index:02d}"
        pdf.cell(0, 7, contact, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        sections = [
            ("Summary", f"Backend developer with {years} years of experience building services."),
            ("Skills", ", ".join(skills)),
            (
                "Experience",
                f"Software Engineer, Example Corp, {2025 - years} - 2025. "
                f"Built APIs with {skills[0]} and {skills[1]}; ran {skills[-1]} in production.",
            ),
            ("Education", "BSc Computer Science, University of Amsterdam, 2015"),
        ]
        for title, body in sections:
            pdf.set_font("Helvetica", "B", 13)
            pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", size=11)
            pdf.multi_cell(0, 6, body)
            pdf.ln(2)
        path = directory / f"cv-{index + 1:02d}-{slug.replace('.', '-')}.pdf"
        pdf.output(str(path))
        paths.append(path)
    broken = directory / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n" + secrets.token_bytes(2048))
    paths.append(broken)
    return paths


class SocketRecorder:
    """Routes the job WebSockets: records every frame per connection and cuts the
    first connection after DROP_AFTER_FRAMES frames."""

    def __init__(self) -> None:
        self.connections: list[dict[str, Any]] = []

    def __call__(self, route: Any) -> None:
        record: dict[str, Any] = {"url": route.url, "frames": []}
        self.connections.append(record)
        first = len(self.connections) == 1
        server = route.connect_to_server()

        def from_server(message: str | bytes) -> None:
            if record.get("cut"):
                return
            text = message.decode() if isinstance(message, bytes) else message
            record["frames"].append(json.loads(text))
            route.send(message)
            if first and len(record["frames"]) >= DROP_AFTER_FRAMES:
                record["cut"] = True
                route.close(code=4000, reason="dropped by the test")
                server.close()

        server.on_message(from_server)

    def describe(self) -> str:
        """Each connection's URL and its frames as `seq:type`, for failure messages."""
        lines = []
        for c in self.connections:
            frames = " ".join(f"{f.get('seq')}:{f.get('type')}" for f in c["frames"])
            after = parse_qs(urlparse(c["url"]).query).get("after_seq")
            lines.append(f"after_seq={after} -> {frames}")
        return "\n".join(lines)

    def events(self) -> list[dict[str, Any]]:
        return [f for c in self.connections for f in c["frames"] if f.get("type") != "job.snapshot"]


def _fill_and_submit(page: Any, form: str, values: dict[str, str]) -> None:
    for selector, value in values.items():
        page.fill(f"{form} {selector}", value)
    page.click(f"{form} button[type=submit]")


def test_console_end_to_end(browser: Any, server_url: str, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "console-failure.png").unlink(missing_ok=True)
    cvs = _make_cvs(tmp_path)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    try:
        _console_flow(page, server_url, cvs)
    except BaseException:
        page.screenshot(path=str(ARTIFACTS / "console-failure.png"), full_page=True)
        raise
    finally:
        context.close()


def _console_flow(page: Any, server_url: str, cvs: list[Path]) -> None:
    from playwright.sync_api import expect

    # Generous: on a busy two-core machine a request can take seconds.
    expect.set_options(timeout=STEP_TIMEOUT_MS)
    page.set_default_timeout(STEP_TIMEOUT_MS)
    requests: list[tuple[str, str]] = []
    page_errors: list[str] = []
    page.on("request", lambda request: requests.append((request.method, request.url)))
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    sockets = SocketRecorder()
    page.route_web_socket(re.compile(r".*/api/v1/ws/.*"), sockets)

    page.goto(server_url + "/")
    expect(page.locator("#auth-section")).to_be_visible()

    # A wrong login says so in words.
    email = f"e2e-{secrets.token_hex(4)}@example.org"
    _fill_and_submit(page, "#login-form", {"#login-email": email, "#login-password": PASSWORD})
    expect(page.locator("#auth-message")).to_contain_text("Wrong email or password")

    # Register: signed in at once.
    _fill_and_submit(
        page,
        "#register-form",
        {"#register-name": "Erin Tester", "#register-email": email, "#register-password": PASSWORD},
    )
    expect(page.locator("#app-section")).to_be_visible()
    expect(page.locator("#session-user")).to_contain_text(email)

    # Create a posting; it becomes the selected one.
    _fill_and_submit(
        page,
        "#posting-form",
        {
            "#posting-title": "Python backend developer",
            "#posting-description": "We build APIs with Python and FastAPI on PostgreSQL, "
            "shipped in Docker containers.",
            "#posting-years": "3",
        },
    )
    expect(page.locator("#upload-section")).to_be_visible()
    expect(page.locator("#selected-posting-title")).to_have_text("Python backend developer")
    expect(page.locator("#posting-list button[aria-pressed=true]")).to_have_count(1)

    # Dropping files onto the drop zone selects them too.
    page.locator("#dropzone").dispatch_event(
        "drop",
        {
            "dataTransfer": page.evaluate_handle(
                """() => { const dt = new DataTransfer();
                   dt.items.add(new File(["%PDF-1.4"], "dropped.pdf", {type: "application/pdf"}));
                   return dt; }"""
            )
        },
    )
    expect(page.locator("#selected-files")).to_contain_text("1 file(s)")
    page.click("#upload-clear")
    expect(page.locator("#selected-files")).to_have_text("No files selected.")

    # Upload ten CVs; the screening job starts and is followed live.
    page.set_input_files("#file-input", [str(p) for p in cvs])
    expect(page.locator("#selected-files")).to_contain_text("10 file(s)")
    page.click("#upload-start")
    expect(page.locator("#job-section")).to_be_visible()
    job_id = page.locator("#job-id").inner_text().strip()
    assert job_id
    expect(page.locator("#upload-progress")).to_have_attribute("value", "100")
    expect(page.locator("#job-progress")).to_have_attribute(
        "data-progress", "100", timeout=JOB_TIMEOUT_MS
    )
    expect(page.locator("#job-status")).to_have_text("succeeded", timeout=JOB_TIMEOUT_MS)

    # The ranking: nine candidates; the corrupt file is listed with its code.
    rows = page.locator("#ranking tbody tr")
    expect(rows).to_have_count(9)
    expect(page.locator("#file-errors")).to_be_visible()
    expect(page.locator("#file-errors")).to_contain_text("broken.pdf")
    expect(page.locator("#file-errors")).to_contain_text("PDF_CORRUPT")
    expect(page.locator("#file-status li[data-file-id]")).to_have_count(10)
    broken_item = page.locator("#file-status li", has_text="broken.pdf")
    expect(broken_item).to_contain_text("PDF_CORRUPT")
    ranks = [int(r) for r in rows.locator("td.rank").all_inner_texts()]
    assert ranks == sorted(ranks) and ranks[0] == 1, ranks
    first_row = rows.first
    fill = first_row.locator("td.score .bar-fill").evaluate(
        "el => el.getBoundingClientRect().width"
    )
    assert fill > 0, "the score bar is empty"
    first_row.locator("button.open-candidate").click()
    expect(page.locator("#detail-why li")).to_have_count(len(COMPONENTS))
    page.click("#detail-close")
    link = first_row.locator("td.file a")
    expect(link).to_have_attribute("href", re.compile(r".+"))
    chip = page.locator("#ranking .chip.matched").first
    expect(chip).to_have_attribute("title", re.compile(r".+"))
    chip.focus()
    expect(chip).to_be_focused()

    # The socket was cut once and resumed from the last seq it had seen.
    _check_socket_resume(sockets)

    # No GET /jobs/{id} while the socket worked; /results is fine. Nothing external.
    job_path = f"/api/v1/jobs/{job_id}"
    polled = [u for m, u in requests if m == "GET" and urlparse(u).path == job_path]
    assert not polled, f"the page polled the job: {polled}"
    assert any(urlparse(u).path == f"{job_path}/results" for _, u in requests)
    # (the browser's own PDF viewer loads chrome:// and chrome-extension:// resources)
    local = (server_url, "data:", "blob:", "chrome://", "chrome-extension://")
    external = [u for _, u in requests if not u.startswith(local)]
    assert not external, f"requests left the server: {external}"

    page.screenshot(path=str(ARTIFACTS / "console-1280.png"), full_page=True)
    page.locator("#job-section").screenshot(path=str(ARTIFACTS / "console-1280-progress.png"))
    page.locator("#ranking-section").screenshot(path=str(ARTIFACTS / "console-1280-ranking.png"))

    # CSV download: a header and nine rows.
    with page.expect_download() as download_info:
        page.click("#export-csv")
    download = download_info.value
    assert re.fullmatch(r"shortlist-.+\.csv", download.suggested_filename)
    table = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    table = [row for row in table if row]
    assert len(table) == 10, table

    # Job history with a status filter.
    page.select_option("#history-status", "succeeded")
    expect(page.locator(f'#history tbody tr[data-job-id="{job_id}"]')).to_have_count(1)
    page.select_option("#history-status", "failed")
    expect(page.locator(f'#history tbody tr[data-job-id="{job_id}"]')).to_have_count(0)

    # Narrow screens: the page does not scroll sideways, the table does.
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#ranking-section").scroll_into_view_if_needed()
    overflow = page.evaluate(
        """() => ({
            page: document.documentElement.scrollWidth,
            width: window.innerWidth,
            box: document.querySelector('#ranking-section .table-scroll').clientWidth,
            table: document.querySelector('#ranking').scrollWidth,
        })"""
    )
    assert overflow["page"] <= overflow["width"] + 1, overflow
    assert overflow["table"] > overflow["box"], overflow
    page.screenshot(path=str(ARTIFACTS / "console-390.png"), full_page=True)

    assert not page_errors, page_errors
    blocked = [m for m in console_errors if "Content Security Policy" in m]
    assert not blocked, blocked


def _check_socket_resume(sockets: SocketRecorder) -> None:
    connections = sockets.connections
    assert len(connections) >= 2, f"expected a reconnect:\n{sockets.describe()}"
    first, second = connections[0], connections[1]
    assert first.get("cut"), "the first connection was not cut by the test"
    assert parse_qs(urlparse(first["url"]).query).get("after_seq") == ["0"], first["url"]
    seen_first = [f["seq"] for f in first["frames"] if f.get("type") != "job.snapshot"]
    after_seq = parse_qs(urlparse(second["url"]).query).get("after_seq")
    assert after_seq is not None, f"no after_seq on the reconnect: {second['url']}"
    assert int(after_seq[0]) == max(seen_first, default=0), (second["url"], seen_first)

    events = sockets.events()
    seqs = [e["seq"] for e in events]
    trace = sockets.describe()
    assert len(seqs) == len(set(seqs)), f"a seq arrived twice:\n{trace}"
    assert sorted(seqs) == list(range(min(seqs), max(seqs) + 1)), f"gap in seqs:\n{trace}"
    assert min(seqs) == 1, f"the events did not start at seq 1:\n{trace}"
    last = max(events, key=lambda e: e["seq"])
    assert last["type"] == "job.status" and last["status"] == "succeeded", last
    files = {e["data"]["file_id"] for e in events if e["type"] == "job.file"}
    assert len(files) == 10, f"job.file events for {len(files)} files"
