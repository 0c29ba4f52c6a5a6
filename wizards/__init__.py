from . import collection_charge_wizard
