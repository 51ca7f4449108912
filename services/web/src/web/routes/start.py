"""The service start page and one start page per scheme, with its rules in plain words."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.apis import PageNotFound
from web.pages import render

router = APIRouter()

# Words for people, not rules the service enforces: the APIs enforce them and say so.
SCHEMES = {
    "industry": {
        "title": "Industry placements for civil servants",
        "who": "civil servants who want to spend 1 to 12 months working in a business in one "
               "of the eight growth sectors",
        "rules": ["A placement lasts from 1 to 12 months.",
                  "You need your line manager's and your HR team's agreement.",
                  "You can have one live application for this scheme at a time.",
                  "Declare any organisation you have dealt with in the last two years "
                  "(procurement, regulation or policy): a conflict of interest is checked by "
                  "the ethics team."],
        "kind": "civil_servant"},
    "government": {
        "title": "Government placements for industry experts",
        "who": "people working in industry who want to spend 1 to 12 months in a government "
               "department",
        "rules": ["A placement lasts from 1 to 12 months.",
                  "Your employer must agree and you may need security vetting.",
                  "You can have one live application for this scheme at a time.",
                  "Declare any dealings with government organisations in the last two "
                  "years."],
        "kind": "industry_professional"},
    "diplomatic": {
        "title": "Diplomatic Advisory Hub placements for diplomats",
        "who": "FCDO diplomats who want to spend 1 to 12 months with a small or medium-sized "
               "business abroad",
        "rules": ["A placement lasts from 1 to 12 months.",
                  "Hosts are SMEs with fewer than 250 staff.",
                  "Your post and the British Chamber of Commerce must agree.",
                  "You can have one live application for this scheme at a time.",
                  "Declare any dealings with businesses in the last two years."],
        "kind": "diplomat"},
}


@router.get("/")
async def home(request: Request) -> Response:
    return render(request, "home.html", schemes=SCHEMES)


@router.get("/schemes/{scheme}")
async def scheme_start(request: Request, scheme: str) -> Response:
    if scheme not in SCHEMES:
        raise PageNotFound()
    return render(request, "scheme_start.html", scheme=scheme, info=SCHEMES[scheme])
