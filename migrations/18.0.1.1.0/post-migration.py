"""The French legal interest rates of the half-years the module ships: their
records are not updated (noupdate), so a database installed before gets them
here, where a manager has not entered one."""

FR_LEGAL_RATES = {
    "interest_rate_2023_h1": 2.06,
    "interest_rate_2023_h2": 4.22,
    "interest_rate_2024_h1": 5.07,
    "interest_rate_2024_h2": 4.92,
    "interest_rate_2025_h1": 3.71,
    "interest_rate_2025_h2": 2.76,
    "interest_rate_2026_h1": 2.62,
}


def migrate(cr, version):
    for name, rate in FR_LEGAL_RATES.items():
        cr.execute(
            """
            UPDATE collection_interest_rate r
               SET fr_legal_rate = %s
              FROM ir_model_data d
             WHERE d.module = 'credit_collection' AND d.name = %s
               AND d.model = 'collection.interest.rate' AND d.res_id = r.id
               AND COALESCE(r.fr_legal_rate, 0) = 0
            """,
            (rate, name),
        )
