from . import test_collection_status
from . import test_collection_dispute
