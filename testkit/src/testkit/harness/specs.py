"""Every service's ServiceSpec, for checks that span services (subscriptions, ACLs, the fault
reconciliation). Each service package exposes `SPEC` in `<name>.app`; importing them is fine in
tests, never in contracts or shared's runtime code."""

from __future__ import annotations

import importlib

from contracts.topics import SERVICES
from shared.spec import ServiceSpec


def service_specs() -> dict[str, ServiceSpec]:
    """service name -> its spec, for every service of the catalogue."""
    specs = {name: importlib.import_module(f"{name}.app").SPEC for name in SERVICES}
    for name, spec in specs.items():
        if spec.name != name:
            raise ValueError(f"{name}.app.SPEC is named {spec.name!r}")
    return specs


def subscribed() -> dict[str, tuple[str, ...]]:
    """service -> the topics it consumes (derived from its handler table)."""
    return {name: spec.consumes for name, spec in service_specs().items()}


def dead_letter_groups() -> tuple[str, ...]:
    """The (unprefixed) consumer groups that read every `<topic>.dlq`."""
    return tuple(s.dead_letter_group for s in service_specs().values() if s.dead_letters)
