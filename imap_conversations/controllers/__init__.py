from . import login_warning
from . import sync_log_download
from . import oauth_callback
