"""What blind review masks in the free text a candidate view quotes, and what it keeps."""

from __future__ import annotations

from api.recruiting.blind import HIDDEN, mask_text, pseudonym


def test_contact_details_names_and_gendered_words_are_masked() -> None:
    line = "Ada Lovelace (ada@example.org, +44 7700 900456, https://github.com/ada) led her team"
    masked = mask_text(line, "Ada Lovelace")
    assert masked == (f"{HIDDEN} {HIDDEN} ({HIDDEN}, {HIDDEN}, {HIDDEN}) led {HIDDEN} team")


def test_lines_that_state_a_protected_attribute_are_hidden_whole() -> None:
    text = "Python developer\nDate of birth: 14 March 1991\nNationality: British\nSQL"
    assert mask_text(text, None) == f"Python developer\n{HIDDEN}\n{HIDDEN}\nSQL"


def test_dates_years_and_skills_stay() -> None:
    line = "Built Django APIs 2018 - 2021 (Mar 2019 \u2013 Present), 40% faster, 2 million requests"
    assert mask_text(line, "Grace Hopper") == line
    assert mask_text("", "Grace Hopper") == "" and mask_text(None, None) is None


def test_a_pseudonym_is_stable_and_names_no_one() -> None:
    ident = "3f2a1b4c-1234-5678-9abc-def012345678"
    assert pseudonym(ident) == pseudonym(ident) == "Candidate 3F2A1B4C"
