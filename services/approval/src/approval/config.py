"""Approval settings (env prefix APPROVAL_)."""

from datetime import date
from functools import cache

from govuk_bank_holidays.bank_holidays import BankHolidays
from pydantic import Field
from shared.settings import Port, ServiceSettings

from approval.domain import Sla
from contracts import ApprovalStage

DAY = 24 * 3600.0


class ApprovalSettings(ServiceSettings, env_prefix="APPROVAL_"):
    service_name: str = "approval"
    http_port: Port = 8103

    # Seconds a stage may wait for its decision before HR is told (per stage; JSON in the env,
    # e.g. APPROVAL_SLA_DUE_SECONDS='{"line_manager": 5}'); stages not listed use the default.
    sla_due_seconds: dict[ApprovalStage, float] = Field(default_factory=lambda: {
        ApprovalStage.SECURITY_VETTING: 20 * DAY,
        ApprovalStage.CONFLICT_OF_INTEREST: 10 * DAY,
    })
    sla_default_due_seconds: float = Field(default=5 * DAY, gt=0)
    # The reminder goes out this far into the allowed time (0.5 = half way to due).
    sla_reminder_fraction: float = Field(default=0.5, gt=0, lt=1)
    # The case expires at due x this factor when still undecided.
    sla_expiry_factor: float = Field(default=2.0, gt=1)

    # Whose bank holidays the SLA clock skips (GOV.UK's divisions: england-and-wales,
    # scotland, northern-ireland).
    sla_bank_holiday_division: str = Field(default="england-and-wales",
                                           pattern="^(england-and-wales|scotland|northern-ireland)$")

    timer_poll_seconds: float = Field(default=1.0, gt=0)
    # A task is "due soon" this close to its deadline (seconds, so tests can use a few).
    task_due_soon_seconds: float = Field(default=2 * DAY, gt=0)

    def sla(self, stage: ApprovalStage) -> Sla:
        return Sla(due_seconds=self.sla_due_seconds.get(stage, self.sla_default_due_seconds),
                   reminder_fraction=self.sla_reminder_fraction,
                   expiry_factor=self.sla_expiry_factor,
                   holidays=uk_bank_holidays(self.sla_bank_holiday_division))


@cache
def uk_bank_holidays(division: str) -> frozenset[date]:
    # The package's shipped copy of GOV.UK's list: no network call at start-up or in tests.
    calendar = BankHolidays(use_cached_holidays=True)
    return frozenset(h["date"] for h in calendar.get_holidays(division=division))
