"""What a research extract holds: its files, their columns, and the data dictionary.

Every column says what it means and whether it is a quasi-identifier (a value that, combined
with others, could single a person out). Quasi-identifiers are what the suppression rule
works on, in `SUPPRESSION_ORDER`: the column that matters least for evaluation goes first.
A file is one `FileSpec` here and one builder in build.py (outcomes.csv came that way).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

SUPPRESSED = "[c]"  # a quasi-identifier hidden by the suppression rule
MONTH = "month (YYYY-MM)"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    quasi_identifier: bool = False


@dataclass(frozen=True)
class FileSpec:
    name: str
    description: str
    columns: tuple[Column, ...]

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def quasi_identifiers(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.quasi_identifier)


def _pseudonym(of: str) -> Column:
    return Column(of, "string", f"pseudonym of the {of}: the same {of} has the same value in "
                  "every file of this extract, and a different one in any other extract")


def _confidence(prefix: str, when: str) -> tuple[Column, ...]:
    return (*(Column(f"{prefix}_{skill}", "integer", f"self-rated confidence {when} in "
                     f"{skill.replace('_', ' ')}, 1-5") for skill in SKILLS),
            Column(f"{prefix}_intention", "string", f"{when}: stay_in_sector, move_sector or "
                   "undecided (where they mean to work in two years)"))


SKILLS = ("commercial_awareness", "working_across_sectors", "leading_change")
APPLICATION, APPLICANT = _pseudonym("application"), _pseudonym("applicant")
APPLICATIONS = FileSpec("applications.csv", "One row per application.", (
    APPLICATION, APPLICANT,
    Column("scheme", "string", "industry, government or diplomatic", True),
    Column("applicant_kind", "string", "civil_servant, industry_professional or diplomat",
           True),
    Column("grade", "string", "civil service grade (blank when not stated)", True),
    Column("clearance_held", "string", "security clearance held: none, BPSS, SC, DV", True),
    Column("desired_length_months", "integer", "placement length asked for, in months", True),
    Column("submitted_month", MONTH, "when the application was submitted", True),
    Column("earliest_start_month", MONTH, "the earliest start the applicant gave", True),
    Column("result", "string", "placed, or (the comparison group) unmatched, refused or "
           "withdrawn; in_progress while none of these yet", True),
    Column("home_region", "string", "ITL1 region of the applicant's home (or department)",
           True),
    Column("follow_up_consent", "boolean", "yes if they agreed to outcome follow-ups"),
    *_confidence("baseline", "at application"),
))
PLACEMENTS = FileSpec("placements.csv", "One row per confirmed placement.", (
    _pseudonym("placement"), APPLICATION, APPLICANT, _pseudonym("host"),
    Column("sector", "string", "the placement's sector (Industrial Strategy sector)", True),
    Column("host_region", "string", "ITL1 region of the host, or 'Outside UK'", True),
    Column("host_country", "string", "ISO 3166-1 alpha-2 country of the host", True),
    Column("host_size_band", "string", "host staff: micro < 10, small 10-49, medium 50-249, "
           "large 250+, unknown", True),
    Column("confirmed_month", MONTH, "when the placement was confirmed", True),
    Column("start_month", MONTH, "planned start", True),
    Column("planned_end_month", MONTH, "planned end (after any extension)", True),
    Column("ended_month", MONTH, "when it ended (blank while running)", True),
    Column("extended", "boolean", "yes if its end date was extended"),
    Column("outcome", "string", "completed or ended_early (blank while running)"),
    Column("host_rating", "integer", "the host's rating of the placement, 1-5"),
    Column("placee_rating", "integer", "the placee's rating of the placement, 1-5"),
))
COMPARISON_GROUP = FileSpec("comparison_group.csv", "One row per applicant never placed whose "
                            "applications have all closed (unmatched, refused or withdrawn): "
                            "the comparison group.", (
    APPLICANT, _pseudonym("application"),
    Column("scheme", "string", "the scheme of their latest closed application", True),
    Column("reason", "string", "how that application closed: unmatched, refused, withdrawn",
           True),
    Column("left_month", MONTH, "when that application closed", True),
))
OUTCOMES = FileSpec("outcomes.csv", "One row per outcome follow-up (6 and 12 months after "
                    "leaving the scheme: after the placement, or for the comparison group "
                    "after leaving without one), answered or lapsed.", (
    APPLICANT, APPLICATION,
    Column("cohort", "string", "placed or comparison", True),
    Column("left_because", "string", "placement_ended, unmatched, refused or withdrawn", True),
    Column("months_after", "integer", "6 or 12: months after leaving"),
    Column("due_month", MONTH, "when the follow-up fell due", True),
    Column("status", "string", "answered, or lapsed (no answer after every reminder)"),
    Column("answered_month", MONTH, "when it was answered", True),
    *_confidence("follow_up", "at the follow-up"),
    Column("situation", "string", "where they work now: same_organisation_same_role, "
           "same_organisation_new_role, new_organisation_same_sector, "
           "new_organisation_other_sector, not_working"),
))
FILES: tuple[FileSpec, ...] = (APPLICATIONS, PLACEMENTS, COMPARISON_GROUP, OUTCOMES)
DICTIONARY = "dictionary.csv"
FILE_NAMES = (*(f.name for f in FILES), DICTIONARY)

# Months first (most identifying, least needed), the scheme last.
SUPPRESSION_ORDER = (
    "earliest_start_month", "submitted_month", "planned_end_month", "start_month",
    "ended_month", "confirmed_month", "left_month", "answered_month", "due_month",
    "desired_length_months", "grade", "clearance_held", "host_size_band", "host_country",
    "home_region", "host_region", "sector", "applicant_kind", "left_because", "cohort",
    "reason", "result", "scheme")


def rule_in_words(k: int) -> str:
    return (f"Every combination of the quasi-identifying columns, taken over all of one "
            f"applicant's rows in every file of the extract, is shared by at least {k} "
            f"applicants. To get there, values are replaced by {SUPPRESSED!r} for the "
            f"applicants who stand out, one column at a time (dates first, the scheme last); "
            f"an applicant who still stands out when every such column is hidden is left out "
            f"of the extract, and the log counts them. Names, contacts, identifiers and free "
            f"text are never included; dates are months.")


def dictionary(k: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["file", "column", "type", "quasi_identifier", "description"])
    for spec in FILES:
        writer.writerow([spec.name, "", "file", "", spec.description])
        for c in spec.columns:
            writer.writerow([spec.name, c.name, c.type, "yes" if c.quasi_identifier else "no",
                             c.description])
    writer.writerow(["*", "", "rule", "", rule_in_words(k)])
    return out.getvalue()


def to_csv(spec: FileSpec, rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, spec.header, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in r.items()} for r in rows)
    return out.getvalue()
