"""The UK's statistical regions below ITL1: the 41 ITL2 regions (ONS, ITL 2021), by code.

`UKRegion` (enums.py) names the 12 ITL1 regions; an ITL2 code names its ITL1 parent by its
first three letters (TLD3 Greater Manchester is in TLD North West), so the ITL1 region is
always derived from the ITL2 one, never captured twice.
"""

from __future__ import annotations

from enum import StrEnum

from contracts.enums import UKRegion

__all__ = ["ITL1_CODES", "ITL2Region", "itl1_of", "itl2_name"]

ITL1_CODES: dict[UKRegion, str] = {
    UKRegion.NORTH_EAST: "TLC", UKRegion.NORTH_WEST: "TLD",
    UKRegion.YORKSHIRE_AND_THE_HUMBER: "TLE", UKRegion.EAST_MIDLANDS: "TLF",
    UKRegion.WEST_MIDLANDS: "TLG", UKRegion.EAST_OF_ENGLAND: "TLH", UKRegion.LONDON: "TLI",
    UKRegion.SOUTH_EAST: "TLJ", UKRegion.SOUTH_WEST: "TLK", UKRegion.WALES: "TLL",
    UKRegion.SCOTLAND: "TLM", UKRegion.NORTHERN_IRELAND: "TLN",
}
_ITL1_BY_CODE = {code: region for region, code in ITL1_CODES.items()}


class ITL2Region(StrEnum):
    """ITL2 regions; the wire value is the ONS code."""

    TEES_VALLEY_AND_DURHAM = "TLC1"
    NORTHUMBERLAND_AND_TYNE_AND_WEAR = "TLC2"
    CUMBRIA = "TLD1"
    GREATER_MANCHESTER = "TLD3"
    LANCASHIRE = "TLD4"
    CHESHIRE = "TLD6"
    MERSEYSIDE = "TLD7"
    EAST_YORKSHIRE_AND_NORTHERN_LINCOLNSHIRE = "TLE1"
    NORTH_YORKSHIRE = "TLE2"
    SOUTH_YORKSHIRE = "TLE3"
    WEST_YORKSHIRE = "TLE4"
    DERBYSHIRE_AND_NOTTINGHAMSHIRE = "TLF1"
    LEICESTERSHIRE_RUTLAND_AND_NORTHAMPTONSHIRE = "TLF2"
    LINCOLNSHIRE = "TLF3"
    HEREFORDSHIRE_WORCESTERSHIRE_AND_WARWICKSHIRE = "TLG1"
    SHROPSHIRE_AND_STAFFORDSHIRE = "TLG2"
    WEST_MIDLANDS = "TLG3"
    EAST_ANGLIA = "TLH1"
    BEDFORDSHIRE_AND_HERTFORDSHIRE = "TLH2"
    ESSEX = "TLH3"
    INNER_LONDON_WEST = "TLI3"
    INNER_LONDON_EAST = "TLI4"
    OUTER_LONDON_EAST_AND_NORTH_EAST = "TLI5"
    OUTER_LONDON_SOUTH = "TLI6"
    OUTER_LONDON_WEST_AND_NORTH_WEST = "TLI7"
    BERKSHIRE_BUCKINGHAMSHIRE_AND_OXFORDSHIRE = "TLJ1"
    SURREY_EAST_AND_WEST_SUSSEX = "TLJ2"
    HAMPSHIRE_AND_ISLE_OF_WIGHT = "TLJ3"
    KENT = "TLJ4"
    GLOUCESTERSHIRE_WILTSHIRE_AND_BATH_BRISTOL_AREA = "TLK1"
    DORSET_AND_SOMERSET = "TLK2"
    CORNWALL_AND_ISLES_OF_SCILLY = "TLK3"
    DEVON = "TLK4"
    WEST_WALES_AND_THE_VALLEYS = "TLL3"
    EAST_WALES = "TLL4"
    NORTH_EASTERN_SCOTLAND = "TLM5"
    HIGHLANDS_AND_ISLANDS = "TLM6"
    EASTERN_SCOTLAND = "TLM7"
    WEST_CENTRAL_SCOTLAND = "TLM8"
    SOUTHERN_SCOTLAND = "TLM9"
    NORTHERN_IRELAND = "TLN0"


_NAMES = {
    "TLC1": "Tees Valley and Durham", "TLC2": "Northumberland, and Tyne and Wear",
    "TLD1": "Cumbria", "TLD3": "Greater Manchester", "TLD4": "Lancashire",
    "TLD6": "Cheshire", "TLD7": "Merseyside",
    "TLE1": "East Yorkshire and Northern Lincolnshire", "TLE2": "North Yorkshire",
    "TLE3": "South Yorkshire", "TLE4": "West Yorkshire",
    "TLF1": "Derbyshire and Nottinghamshire",
    "TLF2": "Leicestershire, Rutland and Northamptonshire", "TLF3": "Lincolnshire",
    "TLG1": "Herefordshire, Worcestershire and Warwickshire",
    "TLG2": "Shropshire and Staffordshire", "TLG3": "West Midlands",
    "TLH1": "East Anglia", "TLH2": "Bedfordshire and Hertfordshire", "TLH3": "Essex",
    "TLI3": "Inner London - West", "TLI4": "Inner London - East",
    "TLI5": "Outer London - East and North East", "TLI6": "Outer London - South",
    "TLI7": "Outer London - West and North West",
    "TLJ1": "Berkshire, Buckinghamshire and Oxfordshire",
    "TLJ2": "Surrey, East and West Sussex", "TLJ3": "Hampshire and Isle of Wight",
    "TLJ4": "Kent", "TLK1": "Gloucestershire, Wiltshire and Bath/Bristol area",
    "TLK2": "Dorset and Somerset", "TLK3": "Cornwall and Isles of Scilly", "TLK4": "Devon",
    "TLL3": "West Wales and the Valleys", "TLL4": "East Wales",
    "TLM5": "North Eastern Scotland", "TLM6": "Highlands and Islands",
    "TLM7": "Eastern Scotland", "TLM8": "West Central Scotland", "TLM9": "Southern Scotland",
    "TLN0": "Northern Ireland",
}


def itl1_of(itl2: ITL2Region | str) -> UKRegion:
    """The ITL1 region an ITL2 region lies in."""
    return _ITL1_BY_CODE[str(ITL2Region(itl2))[:3]]


def itl2_name(itl2: ITL2Region | str) -> str:
    return _NAMES[str(ITL2Region(itl2))]
