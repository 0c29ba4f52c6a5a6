from . import res_partner_statement
from . import collection_mandate_usage_report
