def active_customers_or_invoices(env):
    """The customers or invoices a wizard was opened on, or None."""
    model = env.context.get("active_model")
    if model not in ("res.partner", "account.move"):
        return None
    return env[model].browse(env.context.get("active_ids", [])) or None
