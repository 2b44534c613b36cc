from . import test_lead_conversations
