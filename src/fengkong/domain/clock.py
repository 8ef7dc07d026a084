"""Time: events carry timezone-aware instants; the business day is Asia/Shanghai (UTC+8, no DST)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from fengkong.domain.errors import InputError

# China has had no daylight saving time since 1991, so a fixed offset is exact for business
# dates and avoids a tzdata dependency on minimal machines.
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SHANGHAI_OFFSET_S = 8 * 3600
SECONDS_PER_DAY = 86_400


# The times a person may give for an entry, an order or a penalty: 1970 up to the year 3000, what
# every store and every ISO-8601 rendering in every time zone can hold.
EARLIEST_TS, LATEST_TS = 0.0, 32_503_680_000.0


def to_epoch_seconds(moment: datetime) -> float:
    """Seconds since the Unix epoch of an aware datetime (microsecond exact)."""
    delta = moment - EPOCH
    return delta.days * SECONDS_PER_DAY + delta.seconds + delta.microseconds / 1_000_000


def business_day_number(ts: float) -> int:
    """Days since 1970-01-01 in Asia/Shanghai: the ordinal of the business day of `ts`."""
    return int((ts + _SHANGHAI_OFFSET_S) // SECONDS_PER_DAY)


def business_date(ts: float) -> date:
    return date(1970, 1, 1) + timedelta(days=business_day_number(ts))


def business_year(ts: float) -> int:
    return business_date(ts).year


def business_month_number(ts: float) -> int:
    d = business_date(ts)
    return d.year * 12 + d.month - 1


def local_hour(ts: float) -> int:
    """Hour of day (0-23) in Asia/Shanghai."""
    return int(((ts + _SHANGHAI_OFFSET_S) % SECONDS_PER_DAY) // 3600)


def local_minute_of_day(ts: float) -> int:
    return int(((ts + _SHANGHAI_OFFSET_S) % SECONDS_PER_DAY) // 60)


def utc_now() -> datetime:
    return datetime.now(UTC)


def add_years(moment: datetime, years: int) -> datetime:
    """The same day `years` later; 29 February becomes 28 February in a common year.

    >>> add_years(datetime(2028, 2, 29, tzinfo=UTC), 3).date().isoformat()
    '2031-02-28'
    """
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February -> a year without it
        return moment.replace(year=moment.year + years, day=28)


def parse_moment(name: str, text: str) -> datetime:
    """An ISO-8601 time given by a person or a system, which must say its offset (a time without
    one would be read in whatever zone the server runs in); InputError names the field."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise InputError(name, "is not an ISO-8601 time, e.g. 2024-03-01T00:00:00+08:00") from None
    if moment.tzinfo is None:
        raise InputError(name, "needs a UTC offset, e.g. 2024-03-01T00:00:00+08:00")
    return moment
