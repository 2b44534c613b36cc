from . import test_lead_conversations
from . import test_lead_compose
from . import test_lead_links_restricted
from . import test_lead_older_mail
