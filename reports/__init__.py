from . import res_partner_statement
from . import collection_decision_report
from . import collection_handler_report
