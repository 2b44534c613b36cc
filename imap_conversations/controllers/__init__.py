from . import login_warning
from . import sync_log_download
