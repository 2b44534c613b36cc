"""Which imapclient releases the engine works with, and a plain refusal of any other.

The addon cannot choose what an Odoo server already has installed. imapclient 4.0 changed
behaviour the engine relied on (``fetch()`` accepts message numbers only, no ranges such
as ``"1:N"``) without a deprecation period, so a release of a major version the engine
was not tested with is refused by name at connection time rather than failing somewhere
in the middle of a sync. The engine tier and the Odoo tier run with both supported majors.
"""

import re

from .errors import UnsupportedLibraryError

#: The same range as requirements.txt and the manifest's external_dependencies.
SUPPORTED_SPEC = ">=3.0.1,<5"
_LOWEST = (3, 0, 1)
_FIRST_UNSUPPORTED = (5,)


def version_tuple(version):
    """``"4.1.0"`` -> ``(4, 1, 0)``; pre-release tails ("4.0.0rc1") are ignored."""
    return tuple(int(part) for part in re.findall(r"\d+", version.split("-")[0])[:3])


def is_supported(version):
    return _LOWEST <= version_tuple(version) < _FIRST_UNSUPPORTED


def check_version(version):
    """Raise :class:`UnsupportedLibraryError` unless imapclient *version* is one the engine supports."""
    if not is_supported(version):
        raise UnsupportedLibraryError(
            f"imapclient {version} is installed; this addon works with imapclient {SUPPORTED_SPEC}",
            version=version,
            supported=SUPPORTED_SPEC,
        )
