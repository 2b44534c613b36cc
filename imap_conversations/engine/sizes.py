"""Sizes as people read them, in one style everywhere: "193 B", "12 kB", "1.2 MB"."""

__all__ = ["format_size"]

_UNITS = ("B", "kB", "MB", "GB", "TB")
_STEP = 1000  # decimal units, as file managers and mail clients show them


def format_size(size):
    """*size* in bytes as a short text; '' for an unknown (None or negative) size."""
    if size is None or size < 0:
        return ""
    value = float(size)
    for unit in _UNITS:
        if value < _STEP - 0.5 or unit == _UNITS[-1]:  # 999.6 kB reads "1 MB", not "1000 kB"
            break
        value /= _STEP
    if unit == "B":
        return f"{int(value)} B"
    # One decimal below 10 ("1.2 MB"), none above ("193 kB"), and no ".0".
    text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
    if text.endswith(".0"):
        text = text[:-2]
    return f"{text} {unit}"
