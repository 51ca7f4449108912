"""A release's files: placements as CSV and JSON, the ITL1 figures as CSV, and the
Frictionless Data Package describing them (schema, licence, period, release date)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pycountry

from contracts import ITL1_CODES, Scheme, Sector, itl2_name
from monitor.opendata.periods import PERIOD_PATTERN, Quarter
from monitor.opendata.rules import AREA_TYPES, MIN_COUNT, SIZE_BANDS, Cell, itl1_figures

OGL = {"name": "OGL-UK-3.0", "title": "Open Government Licence v3.0",
       "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"}
ITL1_NAMES = {code: str(region) for region, code in ITL1_CODES.items()}
FILES = ("datapackage.json", "placements.csv", "placements.json", "placements-itl1.csv")


def _field(name: str, title: str, description: str, type_: str = "string",
           **constraints: Any) -> dict[str, Any]:
    f = {"name": name, "title": title, "type": type_, "description": description}
    return f | ({"constraints": constraints} if constraints else {})


_COMMON = [
    _field("period", "Period", "The quarter the release counts up to (YYYY-Qn).",
           required=True, pattern=PERIOD_PATTERN.strip("^$")),
    _field("scheme", "Scheme", "industry: civil servants into business; government: industry "
           "experts into government; diplomatic: FCDO diplomats into SMEs abroad.",
           required=True, enum=[s.value for s in Scheme]),
    _field("sector", "Sector", "The host's high-growth sector (Industrial Strategy 2025).",
           required=True, enum=[s.value for s in Sector]),
]
_COUNT = _field("placements", "Placements confirmed to date", "Placements confirmed from the "
                "scheme's start to the end of the period; a multiple of 5; cells under 5 are "
                "not published (a missing row means 0 to 4).", "integer",
                required=True, minimum=MIN_COUNT)
_BAND = _field("size_band", "Host size band", "By staff: micro under 10, small 10-49, medium "
               "50-249, large 250 or more; unknown when the host gave none.",
               required=True, enum=list(SIZE_BANDS))
PLACEMENTS_SCHEMA = {
    "fields": [*_COMMON,
               _field("area_type", "Area type", "ITL2 region; ITL1 region when the ITL2 region "
                      "was not stated; UK when no region was stated; country abroad.",
                      required=True, enum=list(AREA_TYPES)),
               _field("area_code", "Area code", "ITL 2021 code (e.g. TLD3), or ISO 3166-1 "
                      "alpha-2 country code.", required=True),
               _field("area_name", "Area name", "The area's official name.", required=True),
               _field("itl1_code", "ITL1 code", "The ITL1 region the area is in (UK only).",
                      enum=sorted(ITL1_NAMES)),
               _field("itl1_name", "ITL1 region", "The ITL1 region's name (UK only)."),
               _BAND, _COUNT],
    "missingValues": [""],
    "primaryKey": ["scheme", "sector", "area_code", "size_band"],
}
ITL1_SCHEMA = {
    "fields": [*_COMMON,
               _field("itl1_code", "ITL1 code", "ITL 2021 ITL1 code.", required=True,
                      enum=sorted(ITL1_NAMES)),
               _field("itl1_name", "ITL1 region", "The ITL1 region's name.", required=True),
               _BAND,
               _COUNT | {"title": "Placements in published areas",
                         "description": "The sum of the published placements figures of the "
                         "region's areas for the same scheme, sector and band; areas under 5 "
                         "are not in it (publishing true regional totals would let them be "
                         "worked out by subtraction)."}],
    "missingValues": [""],
    "primaryKey": ["scheme", "sector", "itl1_code", "size_band"],
}


def area_name(cell: Cell) -> str:
    match cell.area_type:
        case "ITL2":
            return itl2_name(cell.area_code)
        case "ITL1":
            return f"{ITL1_NAMES[cell.area_code]} (area not stated)"
        case "UK":
            return "United Kingdom (region not stated)"
    country = pycountry.countries.get(alpha_2=cell.area_code)
    return country.name if country else cell.area_code


def placement_rows(period: Quarter, published: Mapping[Cell, int]) -> list[dict[str, Any]]:
    order = {t: i for i, t in enumerate(AREA_TYPES)}
    cells = sorted(published, key=lambda c: (c.scheme, c.sector, order[c.area_type],
                                             c.area_code, SIZE_BANDS.index(c.size_band)))
    return [{"period": str(period), "scheme": c.scheme, "sector": c.sector,
             "area_type": c.area_type, "area_code": c.area_code, "area_name": area_name(c),
             "itl1_code": c.itl1_code, "itl1_name": ITL1_NAMES.get(c.itl1_code or ""),
             "size_band": c.size_band, "placements": published[c]} for c in cells]


def itl1_rows(period: Quarter, published: Mapping[Cell, int]) -> list[dict[str, Any]]:
    totals = itl1_figures(published)
    return [{"period": str(period), "scheme": scheme, "sector": sector, "itl1_code": code,
             "itl1_name": ITL1_NAMES[code], "size_band": band, "placements": value}
            for (scheme, sector, code, band), value in sorted(
                totals.items(), key=lambda kv: (*kv[0][:3], SIZE_BANDS.index(kv[0][3])))]


def to_csv(schema: Mapping[str, Any], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, [f["name"] for f in schema["fields"]], lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in r.items()} for r in rows)
    return out.getvalue()


def to_json(schema: Mapping[str, Any], rows: list[dict[str, Any]]) -> str:
    """Tabular JSON as Frictionless reads it: a header row, then one array per row (an empty
    release still has its header, so it stays a valid table)."""
    names = [f["name"] for f in schema["fields"]]
    return "[\n" + ",\n".join(json.dumps(r) for r in [names, *([r[n] for n in names]
                                                             for r in rows)]) + "\n]\n"


def datapackage(period: Quarter, released_at: datetime) -> dict[str, Any]:
    def resource(name: str, path: str, fmt: str, schema: Mapping[str, Any], title: str):
        return {"name": name, "path": path, "title": title, "profile": "tabular-data-resource",
                "format": fmt, "mediatype": "text/csv" if fmt == "csv" else "application/json",
                "encoding": "utf-8", "schema": schema}

    return {
        "profile": "tabular-data-package",
        "name": f"bps-placements-{str(period).lower()}",
        "title": f"Business Placement Scheme: placements confirmed to the end of {period}",
        "description": "Placements of the Business Placement Scheme by scheme, sector, area "
                       "(ITL2 and ITL1 regions in the UK, country abroad) and host size band. "
                       "Counts are cumulative from the scheme's start; under 5 not published; "
                       "all others rounded to the nearest 5. Releases are frozen when made.",
        "version": "1.0.0",
        "created": released_at.isoformat(),
        "licenses": [OGL],
        "period": {"name": str(period), "start": period.first_day.isoformat(),
                   "end": period.last_day.isoformat()},
        "release_date": released_at.date().isoformat(),
        "resources": [
            resource("placements", "placements.csv", "csv", PLACEMENTS_SCHEMA,
                     "Placements by scheme, sector, area and size band"),
            resource("placements-json", "placements.json", "json", PLACEMENTS_SCHEMA,
                     "The same placements as JSON"),
            resource("placements-itl1", "placements-itl1.csv", "csv", ITL1_SCHEMA,
                     "Placements by ITL1 region: sums of the published areas"),
        ],
    }


def build(period: Quarter, published: Mapping[Cell, int], released_at: datetime
          ) -> dict[str, str]:
    """Every file of the release, as the exact text served for ever after."""
    rows = placement_rows(period, published)
    return {"datapackage.json": json.dumps(datapackage(period, released_at), indent=2),
            "placements.csv": to_csv(PLACEMENTS_SCHEMA, rows),
            "placements.json": to_json(PLACEMENTS_SCHEMA, rows),
            "placements-itl1.csv": to_csv(ITL1_SCHEMA, itl1_rows(period, published))}
