"""The collection KPIs of docs/kpis.md, as pure functions of amounts: the
analysis feeds them with what its SQL aggregates read. A figure that divides
by nothing (no credit sales, no collectable amount) is None: not a number to
show as zero."""


def dso_standard(receivables_end, credit_sales, days):
    """Receivables at the end / credit sales of the period * its days."""
    if not credit_sales:
        return None
    return receivables_end / credit_sales * days


def dso_countback(receivables_end, monthly_sales):
    """Walk back month by month from the end: each month's credit sales
    fully covered by the receivables adds its days, the last one its share.
    `monthly_sales` are (credit sales, days) pairs, the latest month first.
    Receivables beyond every month given count the months given only."""
    remaining = receivables_end
    total = 0.0
    for sales, days in monthly_sales:
        if remaining <= 0:
            break
        if sales <= 0:
            total += days
            continue
        if remaining >= sales:
            remaining -= sales
            total += days
        else:
            total += remaining / sales * days
            remaining = 0
    return total


def best_possible_dso(current_receivables, credit_sales, days):
    """Receivables not yet due / credit sales * days."""
    if not credit_sales:
        return None
    return current_receivables / credit_sales * days


def average_days_delinquent(dso, best_dso):
    """DSO less the best possible DSO."""
    if dso is None or best_dso is None:
        return None
    return dso - best_dso


def cei(receivables_start, credit_sales, months, receivables_end, current_end):
    """Collection effectiveness index, in %: (start + sales / N - end) /
    (start + sales / N - current at the end) * 100, N the months."""
    collectable = receivables_start + credit_sales / months
    denominator = collectable - current_end
    if not months or not denominator:
        return None
    return (collectable - receivables_end) / denominator * 100


def kept_rate(kept, broken):
    """Promises kept / (kept + broken), in %."""
    if not kept + broken:
        return None
    return kept / (kept + broken) * 100
