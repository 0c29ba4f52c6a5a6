from . import collection_reason
from . import res_company
from . import res_config_settings
from . import res_partner
from . import account_move
from . import collection_demo
