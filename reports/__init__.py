from . import res_partner_statement
from . import collection_decision_report
