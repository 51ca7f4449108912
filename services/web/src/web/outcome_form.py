"""Outcome measurement questions, asked at application (the baseline, consent and home region)
and at each follow-up: their words, and reading the GOV.UK radios back into API values. Only
the form's own concern (was a choice made) is checked here; the applicant API checks values."""

from __future__ import annotations

from typing import Any

from contracts import ITL2Region, UKRegion, itl1_of, itl2_name
from web.messages import Problem
from web.pages import Posted

SKILLS = {
    "commercial_awareness": "Understanding how businesses make decisions",
    "working_across_sectors": "Working with people in other sectors",
    "leading_change": "Leading change in your organisation",
}
CONFIDENCE = {"1": "1 (not at all confident)", "2": "2", "3": "3", "4": "4",
              "5": "5 (very confident)"}
INTENTIONS = {"stay_in_sector": "Stay in the sector I work in now",
              "move_sector": "Move to another sector",
              "undecided": "I have not decided"}
SITUATIONS = {
    "same_organisation_same_role": "Same organisation, same role",
    "same_organisation_new_role": "Same organisation, a different role",
    "new_organisation_same_sector": "A different organisation in the same sector",
    "new_organisation_other_sector": "A different organisation in another sector",
    "not_working": "Not working at the moment",
}
BASES = {"home": "Where I live", "department": "Where my department or employer is based"}
CONSENT = {"yes": "Yes, you can ask me", "no": "No, do not ask me"}
REGIONS = [r.value for r in UKRegion]
# ITL2 regions grouped under their ITL1 region, for one select with optgroups in words.
ITL2_CHOICES = [(str(code), itl2_name(code), str(itl1_of(code))) for code in ITL2Region]


def _choice(form: Posted, name: str, allowed: dict[str, str] | list[str], missing: str,
            problems: list[Problem]) -> str | None:
    value = form.get(name)
    if value not in allowed:
        problems.append(Problem(name, missing))
        return None
    return value


def read_skills(form: Posted, problems: list[Problem]) -> dict[str, int]:
    skills = {}
    for name, words in SKILLS.items():
        picked = _choice(form, name, CONFIDENCE, f"Select how confident you are in "
                         f"{words[:1].lower() + words[1:]}", problems)
        if picked:
            skills[name] = int(picked)
    return skills


def read_baseline(form: Posted) -> tuple[dict[str, Any], list[Problem]]:
    """The application's extra questions: home region, baseline and consent (draft values)."""
    problems: list[Problem] = []
    itl1 = _choice(form, "itl1", REGIONS, "Select the region you live or work in", problems)
    itl2 = form.get("itl2") or None
    if itl2 and itl1 and itl2 in {c for c, _, _ in ITL2_CHOICES} and \
            str(itl1_of(itl2)) != itl1:
        problems.append(Problem("itl2", f"{itl2_name(itl2)} is not in {itl1}: choose an area "
                                        f"in {itl1}, or leave it as not sure"))
    basis = _choice(form, "basis", BASES, "Select whether this is where you live or where "
                    "your department or employer is", problems)
    skills = read_skills(form, problems)
    intention = _choice(form, "intention", INTENTIONS,
                        "Select what you mean to do in the next 2 years", problems)
    consent = _choice(form, "consent", CONSENT, "Select whether we can ask you later",
                      problems)
    return {"home_region": {"itl1": itl1, "itl2": itl2, "basis": basis},
            "baseline": {"skills_confidence": skills, "intention": intention},
            "follow_up_consent": consent == "yes"}, problems


def read_answers(form: Posted) -> tuple[dict[str, Any], list[Problem]]:
    problems: list[Problem] = []
    skills = read_skills(form, problems)
    intention = _choice(form, "intention", INTENTIONS,
                        "Select what you mean to do in the next 2 years", problems)
    situation = _choice(form, "situation", SITUATIONS, "Select where you work now", problems)
    return {"skills_confidence": skills, "intention": intention,
            "situation": situation}, problems


def baseline_values(draft: dict[str, Any]) -> dict[str, Any]:
    """A saved draft as the form's values (for coming back to change an answer)."""
    region = draft.get("home_region") or {}
    baseline = draft.get("baseline") or {}
    consent = draft.get("follow_up_consent")
    return {"itl1": region.get("itl1"), "itl2": region.get("itl2"),
            "basis": region.get("basis"), "intention": baseline.get("intention"),
            "consent": None if consent is None else ("yes" if consent else "no"),
            **{k: str(v) for k, v in (baseline.get("skills_confidence") or {}).items()}}


def words() -> dict[str, Any]:
    """What the templates need to ask the questions."""
    return {"skills": SKILLS, "confidence": CONFIDENCE, "intentions": INTENTIONS,
            "situations": SITUATIONS, "bases": BASES, "consents": CONSENT,
            "regions": REGIONS, "itl2_choices": ITL2_CHOICES}
