from . import collection_call_wizard
from . import collection_charge_wizard
from . import collection_weapon_wizard
from . import collection_aged_balance
from . import collection_dunning_cancel_wizard
from . import collection_insurance_declare_wizard
from . import collection_dashboard
from . import collection_commission_settle_wizard
