from . import controllers
from . import models
from . import reports
from . import wizards
from .models.res_partner_status_store import STATUS_DROP


def uninstall_hook(env):
    """Drop the customers' stored status and the triggers keeping it: Odoo's
    accounting must not call a function of a module that is gone."""
    env.cr.execute(STATUS_DROP)
