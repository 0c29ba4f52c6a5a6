"""Late-payment charges of docs/interest-and-compensation.md and
docs/belgian-consumers.md, as pure functions of dates and
amounts: the models feed them with what one SQL query read for a recordset."""

from datetime import timedelta
from itertools import pairwise

from .collection_interest_rate import next_half_year_start

ONE_DAY = timedelta(days=1)
B2C_WAIT_DAYS = 14
B2C_MAX_REMINDER_FEE = 7.5


def interest(amount, reductions, start, end, annual_rate):
    """Simple interest on `amount` for the days d in (start, end].

    The open amount of a day is `amount` less the reductions made before it: a
    payment made on day p lowers it from p + 1. `reductions` are
    (date, amount) pairs; `annual_rate(day)` gives the rate in % of a day, the
    same for a whole half-year. Returns the unrounded interest.
    """
    if end <= start:
        return 0.0
    points = {start + ONE_DAY, end + ONE_DAY}
    boundary = next_half_year_start(start)
    while boundary <= end:
        points.add(boundary)
        boundary = next_half_year_start(boundary)
    points.update(day + ONE_DAY for day, _amount in reductions if start < day < end)
    points = sorted(points)
    total = 0.0
    for segment_start, segment_end in pairwise(points):
        open_amount = amount - sum(
            value for day, value in reductions if day < segment_start
        )
        if open_amount > 0:
            days = (segment_end - segment_start).days
            total += open_amount * annual_rate(segment_start) * days
    return total / 365 / 100


def invoice_charges(installments, date, annual_rate, floor=None, wait_end=None):
    """(open amount, interest, late) of one invoice at `date`, unrounded.

    `installments` are (due date, amount, reductions) in invoice currency;
    interest runs on each from its due date, or from `floor` (what was
    already invoiced or waived, or a consumer's 14 days) when later. A
    consumer (`wait_end` given) owes no interest before the 14 days end:
    `wait_end` is then the last of them, or `False` while no reminder was
    sent. `late`: an installment was paid after, or is unpaid past, its due
    date."""
    open_amount = interest_amount = 0.0
    late = False
    waits = wait_end is not None and consumer_waits(wait_end, date)
    for due, amount, reductions in installments:
        open_amount += amount - sum(value for day, value in reductions if day <= date)
        paid_on = max((day for day, _value in reductions), default=None)
        late |= bool(
            due < date
            and (amount - sum(v for _d, v in reductions) > 0 or paid_on > due)
        )
        if not waits:
            start = max(due, floor) if floor else due
            interest_amount += interest(amount, reductions, start, date, annual_rate)
    return open_amount, interest_amount, late


def consumer_waits(wait_end, date):
    """Whether a consumer is still within (or not yet given) the 14 days
    after the first reminder: nothing runs nor is charged then."""
    return not (wait_end and date > wait_end)


def invoice_compensation(open_amount, late, wait_end, date, fixed, done):
    """Fixed compensation of a late B2B invoice (`wait_end` None), or a
    consumer's capped damages once the 14 days ended; nothing once invoiced
    or waived."""
    b2c = wait_end is not None
    if done or (b2c and consumer_waits(wait_end, date)):
        return 0.0
    if b2c:
        return b2c_damages(open_amount)
    return fixed if late else 0.0


def b2c_damages(balance):
    """Capped damages on a Belgian consumer's remaining balance (CDE XIX)."""
    if balance <= 0:
        return 0.0
    if balance <= 150:
        return 20.0
    if balance <= 500:
        return 30.0 + 0.10 * (balance - 150)
    return min(65.0 + 0.05 * (balance - 500), 2000.0)


def b2c_wait_end(reminder_date, postal):
    """Last day of the 14 days a Belgian consumer has after the first reminder.

    They start on the 3rd working day after a postal reminder, or the day
    after an electronic one."""
    if postal:
        start, working_days = reminder_date, 0
        while working_days < 3:
            start += ONE_DAY
            if start.weekday() < 5:
                working_days += 1
    else:
        start = reminder_date + ONE_DAY
    return start + timedelta(days=B2C_WAIT_DAYS - 1)
