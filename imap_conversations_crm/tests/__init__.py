from . import test_lead_conversations
from . import test_lead_compose
