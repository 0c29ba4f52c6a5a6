"""The payment-behaviour rules of docs/payment-behaviour.md as pure
functions and their SQL twins, built from the same tables: the payment
index, the grade, the probability of non-payment."""

import itertools
import math

from odoo.tools import SQL

# (days late, index): the index of a payment, linear between the points; 80
# on the due date, one more a day early up to 100, 20 beyond 120 days late.
INDEX_POINTS = [
    (-20, 100.0),
    (0, 80.0),
    (15, 70.0),
    (22, 60.0),
    (30, 50.0),
    (60, 40.0),
    (90, 30.0),
    (120, 20.0),
]
# (lowest index, grade), the best first.
GRADES = [(75, "A"), (55, "B"), (35, "C"), (0, "D")]
# The company's defaults for the probability that an open item is never
# paid: the customer's grade (none: no payment in the window) times its age.
GRADE_RISK = {"A": 0.01, "B": 0.03, "C": 0.08, "D": 0.20, None: 0.05}
# (days overdue at most, factor), the youngest first; None: older.
AGE_FACTORS = [(0, 0.5), (30, 1.0), (60, 2.0), (90, 3.0), (180, 4.0), (None, 6.0)]
MAX_RISK = 0.9


def payment_index(days_late):
    """The index of one payment `days_late` days late (negative: early)."""
    first_days, first_index = INDEX_POINTS[0]
    if days_late <= first_days:
        return first_index
    for (low, low_index), (high, high_index) in itertools.pairwise(INDEX_POINTS):
        if days_late <= high:
            return low_index + (days_late - low) * (high_index - low_index) / (
                high - low
            )
    return INDEX_POINTS[-1][1]


def payment_index_sql(days_late):
    """SQL twin of `payment_index` for the SQL expression `days_late`."""
    first_days, first_index = INDEX_POINTS[0]
    cases = [SQL("WHEN %s <= %s THEN %s", days_late, first_days, first_index)]
    for (low, low_index), (high, high_index) in itertools.pairwise(INDEX_POINTS):
        cases.append(
            SQL(
                "WHEN %s <= %s THEN %s + (%s - %s) * %s",
                days_late,
                high,
                low_index,
                days_late,
                low,
                (high_index - low_index) / (high - low),
            )
        )
    return SQL("(CASE %s ELSE %s END)", SQL(" ").join(cases), INDEX_POINTS[-1][1])


def grade(index):
    """The grade of a customer's index (rounded to the unit), None without
    any payment in the window."""
    if index is None:
        return None
    rounded = math.floor(index + 0.5)  # as SQL's ROUND, half away from zero
    return next(letter for low, letter in GRADES if rounded >= low)


def grade_sql(index):
    """SQL twin of `grade` for the SQL expression `index`."""
    return SQL(
        "(CASE WHEN %s IS NULL THEN NULL %s END)",
        index,
        SQL(" ").join(
            SQL("WHEN ROUND(%s) >= %s THEN %s", index, low, letter)
            for low, letter in GRADES
        ),
    )


def risk(grade_letter, days_overdue):
    """The probability that an open item `days_overdue` days overdue (0 or
    less: not due) of a customer graded `grade_letter` is never paid."""
    factor = next(
        factor
        for limit, factor in AGE_FACTORS
        if limit is None or days_overdue <= limit
    )
    return min(GRADE_RISK[grade_letter] * factor, MAX_RISK)


def risk_sql(grade_letter, days_overdue):
    """SQL twin of `risk` for the SQL expressions `grade_letter` and
    `days_overdue`."""
    base = SQL(
        "(CASE %s ELSE %s END)",
        SQL(" ").join(
            SQL("WHEN %s = %s THEN %s", grade_letter, letter, value)
            for letter, value in GRADE_RISK.items()
            if letter
        ),
        GRADE_RISK[None],
    )
    factor = SQL(
        "(CASE %s END)",
        SQL(" ").join(
            SQL("WHEN %s <= %s THEN %s", days_overdue, limit, value)
            if limit is not None
            else SQL("ELSE %s", value)
            for limit, value in AGE_FACTORS
        ),
    )
    return SQL("LEAST(%s * %s, %s)", base, factor, MAX_RISK)
