"""Build CV fixtures in code: realistic CV text, and PDF / DOCX renderings of it.

Other test suites may import these to generate uploads:

    text = make_cv_text("nurse", name="Ada Lovelace", years=6)
    make_cv_pdf(tmp_path / "ada.pdf", text=text)
    make_cv_docx(tmp_path / "ada.docx", occupation="lawyer")
"""

from __future__ import annotations

import io
import random
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fpdf import FPDF

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

OCCUPATIONS: dict[str, dict[str, Any]] = {
    "software engineer": {
        "titles": ["Software Engineer", "Backend Developer", "Senior Software Engineer"],
        "skills": ["Python", "Django", "PostgreSQL", "Docker", "Kubernetes", "AWS", "Git"],
        "duties": [
            "Built REST APIs in {s0} and {s1} serving two million requests a day",
            "Moved the billing service to {s2} and cut query time by 40%",
            "Ran services on {s3} and {s4}; set up CI/CD pipelines with Jenkins",
        ],
        "companies": ["Acme Software Ltd", "Northwind Technologies", "Globex Solutions"],
        "degree": "B.Sc. in Computer Science",
    },
    "nurse": {
        "titles": ["Registered Nurse", "Staff Nurse", "ICU Nurse"],
        "skills": ["Patient Care", "Medication Administration", "Wound Care", "BLS", "Triage"],
        "duties": [
            "Delivered {s0} for up to eight patients per shift on a surgical ward",
            "Managed {s1} and {s2} following hospital protocols",
            "Certified in {s3}; performed {s4} in a busy emergency department",
        ],
        "companies": ["St Mary's Hospital", "City General Hospital", "Riverside Clinic"],
        "degree": "Bachelor of Science in Nursing",
    },
    "lawyer": {
        "titles": ["Associate Attorney", "Solicitor", "Corporate Lawyer"],
        "skills": [
            "Litigation",
            "Legal Research",
            "Contract Drafting",
            "Due Diligence",
            "Negotiation",
        ],
        "duties": [
            "Handled commercial {s0} from pleadings through trial",
            "Carried out {s1} and prepared memoranda for partners",
            "Led {s2} and {s3} on mid-market acquisitions; {s4} with opposing counsel",
        ],
        "companies": ["Smith & Co Solicitors", "Baker Hale LLP", "Morgan Legal Partners"],
        "degree": "LLB in Law",
    },
}


@dataclass
class CVFields:
    """Everything a generated CV says; `personal` lines hold protected attributes."""

    name: str = "Jordan Avery"
    email: str = "jordan.avery@example.com"
    phone: str = "+44 7700 900123"
    location: str = "Leeds, United Kingdom"
    links: list[str] = field(default_factory=lambda: ["https://www.linkedin.com/in/jordan-avery"])
    summary: str = ""
    skills: list[str] = field(default_factory=list)
    jobs: list[dict[str, Any]] = field(default_factory=list)
    education: list[dict[str, Any]] = field(default_factory=list)
    languages: list[str] = field(default_factory=lambda: ["English", "French"])
    certifications: list[str] = field(default_factory=list)
    personal: list[str] = field(default_factory=list)


def cv_fields(
    occupation: str = "software engineer",
    *,
    years: int = 6,
    skills: list[str] | None = None,
    seed: int = 0,
    end_year: int = 2024,
    **overrides: Any,
) -> CVFields:
    """Fields for a realistic CV in `occupation` with `years` of experience."""
    spec = OCCUPATIONS[occupation]
    rng = random.Random(seed)
    chosen = list(skills or spec["skills"])
    values = {f"s{i}": chosen[i % len(chosen)] for i in range(5)}
    first_len = max(1, years // 2)
    jobs = [
        {"title": spec["titles"][0], "company": spec["companies"][0],
         "start": f"Mar {end_year - first_len}", "end": "Present",
         "bullets": [d.format(**values) for d in spec["duties"][:2]]},
        {"title": spec["titles"][1], "company": spec["companies"][1],
         "start": f"Jan {end_year - years}", "end": f"Feb {end_year - first_len}",
         "bullets": [spec["duties"][2].format(**values)]},
    ]  # fmt: skip
    rng.shuffle(chosen)
    fields = CVFields(
        summary=f"{spec['titles'][0]} with {years} years of experience in {', '.join(chosen[:3])}.",
        skills=chosen,
        jobs=jobs,
        education=[
            {
                "degree": spec["degree"],
                "institution": "University of Leeds",
                "year": end_year - years - 1,
            }
        ],
        certifications=[f"Certified {spec['titles'][0]} (2021)"],
    )
    for key, value in overrides.items():
        setattr(fields, key, value)
    return fields


def render_text(fields: CVFields) -> str:
    """CV text with a header block and headed sections."""
    lines = [fields.name, f"{fields.location} | {fields.phone} | {fields.email}"]
    lines += fields.links
    lines += ["", "PROFESSIONAL SUMMARY", fields.summary, "", "WORK EXPERIENCE"]
    for job in fields.jobs:
        lines += [f"{job['title']}", f"{job['company']} | {job['start']} \u2013 {job['end']}"]
        lines += [f"• {bullet}" for bullet in job["bullets"]] + [""]
    lines += ["EDUCATION"]
    for edu in fields.education:
        lines += [f"{edu['degree']}", f"{edu['institution']}, {edu['year']}"]
    lines += ["", "SKILLS", ", ".join(fields.skills), "", "CERTIFICATIONS"]
    lines += fields.certifications
    lines += ["", "LANGUAGES", ", ".join(fields.languages)]
    if fields.personal:
        lines += ["", "PERSONAL DETAILS", *fields.personal]
    return "\n".join(lines) + "\n"


def make_cv_text(occupation: str = "software engineer", **kwargs: Any) -> str:
    """Realistic CV text; keyword arguments as for :func:`cv_fields`."""
    return render_text(cv_fields(occupation, **kwargs))


def _pdf() -> tuple[FPDF, str]:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    regular = FONT_DIR / "DejaVuSans.ttf"
    if regular.exists():
        pdf.add_font("DejaVu", "", str(regular))
        return pdf, "DejaVu"
    return pdf, "Helvetica"


def _safe(text: str, family: str) -> str:
    if family == "DejaVu":
        return text
    return text.encode("latin-1", "replace").decode("latin-1")


def make_cv_pdf(path: Path, *, text: str | None = None, photo: bool = False, **kwargs: Any) -> Path:
    """Render CV text (or a generated CV) to a one- or two-page PDF."""
    text = text if text is not None else make_cv_text(**kwargs)
    pdf, family = _pdf()
    pdf.add_page()
    pdf.set_font(family, size=10)
    if photo:
        pdf.image(_png_bytes(), x=170, y=10, w=25)
    for line in text.splitlines():
        pdf.multi_cell(0, 5, _safe(line, family) or " ", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def make_two_column_pdf(path: Path, left: list[str], right: list[str], header: str) -> Path:
    """A two-column page written row by row, so content order interleaves the columns."""
    pdf, family = _pdf()
    pdf.add_page()
    pdf.set_font(family, size=10)
    pdf.set_xy(10, 10)
    pdf.cell(190, 8, _safe(header, family))
    for row in range(max(len(left), len(right))):
        y = 25 + row * 6
        if row < len(left):
            pdf.set_xy(10, y)
            pdf.cell(80, 6, _safe(left[row], family))
        if row < len(right):
            pdf.set_xy(115, y)
            pdf.cell(85, 6, _safe(right[row], family))
    pdf.output(str(path))
    return path


def make_cv_docx(
    path: Path,
    *,
    text: str | None = None,
    table: bool = True,
    photo: bool = False,
    **kwargs: Any,
) -> Path:
    """Render CV text to DOCX; the contact line goes in a table when `table` is set."""
    import docx

    text = text if text is not None else make_cv_text(**kwargs)
    document = docx.Document()
    lines = text.splitlines()
    document.add_paragraph(lines[0])
    if table and len(lines) > 1:
        cells = lines[1].split(" | ")
        grid = document.add_table(rows=1, cols=len(cells))
        for cell, value in zip(grid.rows[0].cells, cells, strict=True):
            cell.text = value
        lines = lines[2:]
    else:
        lines = lines[1:]
    for line in lines:
        document.add_paragraph(line)
    if photo:
        document.add_picture(io.BytesIO(_png_bytes()))
    document.save(str(path))
    return path


def _png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 50), (180, 140, 120)).save(buffer, format="PNG")
    return buffer.getvalue()


def make_encrypted_pdf(path: Path) -> Path:
    pdf, family = _pdf()
    pdf.add_page()
    pdf.set_font(family, size=11)
    pdf.multi_cell(0, 6, "Jordan Avery\nSoftware Engineer with Python and Docker experience.")
    pdf.set_encryption(owner_password="owner-secret", user_password="user-secret")
    pdf.output(str(path))
    return path


def make_image_only_pdf(path: Path) -> Path:
    pdf = FPDF()
    pdf.add_page()
    pdf.image(_png_bytes(), x=10, y=10, w=180)
    pdf.output(str(path))
    return path


def make_zip_bomb_docx(path: Path, inflated_mb: int = 80) -> Path:
    """A DOCX whose document.xml inflates to `inflated_mb` megabytes."""
    base = io.BytesIO()
    import docx

    docx.Document().save(base)
    base.seek(0)
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename == "word/document.xml":
                continue
            out.writestr(info.filename, source.read(info.filename))
        chunk = b" " * (1024 * 1024)
        with out.open("word/document.xml", "w") as member:
            for _ in range(inflated_mb):
                member.write(chunk)
    return path
