from . import test_collection_aged_balance
from . import test_collection_charge_invoice
from . import test_collection_charges
from . import test_collection_dispute
from . import test_collection_mandate
from . import test_collection_promise
from . import test_collection_run
from . import test_collection_status
