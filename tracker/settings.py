"""Settings (SPEC §3 `config`): names, defaults, validation, storage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.errors import UserError
from tracker.model import Setting
from tracker.reader_day import DEFAULT_DAY_START_HOUR


def _int_in(low: int, high: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        try:
            number = int(value)
        except ValueError:
            raise UserError(f"expected a whole number from {low} to {high}, got {value!r}") from None
        if not low <= number <= high:
            raise UserError(f"expected a whole number from {low} to {high}, got {value}")
        return str(number)

    return check


def _retention(value: str) -> str:
    try:
        number = float(value)
    except ValueError:
        raise UserError(f"expected a number between 0.7 and 0.99, got {value!r}") from None
    if not 0.7 <= number <= 0.99:
        raise UserError(f"expected a number between 0.7 and 0.99, got {value}")
    return repr(number)


def _timezone(value: str) -> str:
    if value in ("", "system", "local"):
        return ""
    from tracker.when import get_tz

    get_tz(value)
    return value


@dataclass(frozen=True)
class Spec:
    default: str
    check: Callable[[str], str]
    help: str


SETTINGS: dict[str, Spec] = {
    "timezone": Spec("", _timezone, "IANA time zone of your dates, e.g. Europe/Paris; empty: the system's"),
    "day_start_hour": Spec(str(DEFAULT_DAY_START_HOUR), _int_in(0, 23), "hour at which a new reading day starts"),
    "max_revisits_per_day": Spec("5", _int_in(1, 1000), "revisits `today` shows at most"),
    "desired_retention": Spec("0.9", _retention, "recall FSRS aims for at each revisit"),
    "maximum_interval_days": Spec("365", _int_in(1, 36500), "longest gap between two revisits"),
}


@dataclass(frozen=True)
class Settings:
    timezone: str = ""
    day_start_hour: int = DEFAULT_DAY_START_HOUR
    max_revisits_per_day: int = 5
    desired_retention: float = 0.9
    maximum_interval_days: int = 365

    @classmethod
    def from_strings(cls, values: dict[str, str]) -> Settings:
        merged = {key: values.get(key, spec.default) for key, spec in SETTINGS.items()}
        return cls(
            timezone=merged["timezone"],
            day_start_hour=int(merged["day_start_hour"]),
            max_revisits_per_day=int(merged["max_revisits_per_day"]),
            desired_retention=float(merged["desired_retention"]),
            maximum_interval_days=int(merged["maximum_interval_days"]),
        )


def check_key(key: str) -> str:
    if key not in SETTINGS:
        raise UserError(f"unknown setting {key!r}; settings: {', '.join(SETTINGS)}")
    return key


def stored(session: Session) -> dict[str, str]:
    return {row.key: row.value for row in session.scalars(select(Setting))}


def load(session: Session) -> Settings:
    return Settings.from_strings(stored(session))


def all_values(session: Session) -> dict[str, str]:
    values = stored(session)
    return {key: values.get(key, spec.default) for key, spec in SETTINGS.items()}


def set_value(session: Session, key: str, value: str) -> str:
    """Validate and store one setting; returns the stored form."""
    spec = SETTINGS[check_key(key)]
    try:
        clean = spec.check(value)
    except UserError as exc:
        raise UserError(f"{key}: {exc.message}") from None
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=clean))
    else:
        row.value = clean
    return clean


# The settings that shape the schedule: changing one re-folds the log.
SCHEDULE_KEYS = ("timezone", "day_start_hour", "max_revisits_per_day", "desired_retention", "maximum_interval_days")
