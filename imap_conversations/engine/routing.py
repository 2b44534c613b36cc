"""Routing rules, the pure part: does a message match a rule, and what its placeholders say.

A rule's conditions all hold for a message, or the rule does not apply; an empty
condition holds for any message. The message is seen through a ``MessageView``
(plain values, no Odoo), so the same matcher serves the sync and the dry run.

Placeholders are ``{{ name }}`` (the braces of the reply templates, but a closed list
of names and no code: a rule runs on every incoming mail, written by strangers):

    from_name  from_email  from  to  cc  subject  text  html  date  match
    header:<Name>          (the first header of that name, e.g. {{ header:X-Ticket }})

``match`` is what the subject (else the text) pattern matched: its first group when it
has one, so ``REF-(\\d+)`` gives the reference a "find" domain can look for.
"""

import ast
import re
from dataclasses import dataclass, field

from .parse import Address
from .states import INCOMING, OUTGOING

#: What a rule does with a matching message: create a record, or find one and link the conversation.
ACTION_CREATE, ACTION_FIND = "create", "find"

#: A pattern longer than this is refused when the rule is saved.
MAX_PATTERN_LENGTH = 200
#: Only the start of a long text is searched: Python's re has no timeout, so the size
#: of what it runs over (with the nested-quantifier check below) is what bounds its time.
MAX_SEARCHED_CHARS = 20_000
#: A quantified group that itself holds a quantifier, e.g. ``(a+)+`` or ``(\\w*\\s?)*``:
#: the shape that backtracks exponentially.
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[*+}](?:[^()\\]|\\.)*\)[*+{]")
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]+(?::[A-Za-z0-9_-]+)?)\s*\}\}")
#: Names a placeholder may use (``header:<Name>`` besides).
PLACEHOLDERS = ("from_name", "from_email", "from", "to", "cc", "subject", "text", "html", "date", "match")

DIRECTIONS = (INCOMING, OUTGOING)
ATTACHMENTS_ANY, ATTACHMENTS_WITH, ATTACHMENTS_WITHOUT = "any", "with", "without"


class RoutingError(ValueError):
    """A rule that cannot be used as written (a bad pattern, an unknown placeholder)."""


@dataclass
class MessageView:
    """What a rule may look at in a message."""

    folder_ids: frozenset = frozenset()
    folder_roles: frozenset = frozenset()
    direction: str = INCOMING
    from_: tuple = ()
    to: tuple = ()
    cc: tuple = ()
    subject: str = ""
    text: str = ""
    #: The HTML body, already sanitized (the caller's job: it needs Odoo's sanitizer).
    html: str = ""
    date: str = ""
    headers: tuple = ()
    has_attachments: bool = False
    is_first: bool = True


@dataclass
class Conditions:
    """A rule's conditions; each empty one holds for any message."""

    folder_ids: frozenset = frozenset()
    folder_roles: frozenset = frozenset()
    direction: str = ""
    from_: tuple = ()
    to: tuple = ()
    cc: tuple = ()
    subject: str = ""
    subject_is_pattern: bool = False
    text: str = ""
    text_is_pattern: bool = False
    header_name: str = ""
    header_value: str = ""
    attachments: str = ATTACHMENTS_ANY
    first_only: bool = False
    _compiled: dict = field(default_factory=dict, repr=False, compare=False)


def address_list(value):
    """Addresses or domains written in a condition, one per comma, space or line: lowered."""
    return tuple(part.strip().lower() for part in re.split(r"[\s,;]+", value or "") if part.strip())


def check_pattern(pattern):
    """Compile *pattern*, refusing the ones too long or shaped to backtrack for ever; returns it compiled."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise RoutingError(f"The pattern is longer than {MAX_PATTERN_LENGTH} characters.")
    if _NESTED_QUANTIFIER.search(pattern):
        raise RoutingError(
            f"The pattern {pattern!r} repeats a group that repeats itself (like (a+)+): "
            "it could take for ever on some mail. Write it without the nested repetition."
        )
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as error:
        raise RoutingError(f"The pattern {pattern!r} is not a valid regular expression: {error}.") from error


def check_template(template):
    """Refuse unknown placeholders in *template* (a typo would silently give empty values)."""
    for name in _PLACEHOLDER.findall(template or ""):
        if name not in PLACEHOLDERS and not name.startswith("header:"):
            raise RoutingError(
                f"Unknown placeholder {{{{ {name} }}}}: use one of {', '.join(PLACEHOLDERS)} or header:<Name>."
            )


def _address_matches(wanted, addresses):
    if not wanted:
        return True
    emails = [a.email.lower() for a in addresses if a.email]
    for item in wanted:
        domain = item.lstrip("@")
        if "@" in item.lstrip("@"):
            if item in emails:
                return True
        elif any(email.rsplit("@", 1)[-1] == domain or email.endswith("." + domain) for email in emails):
            return True
    return False


def _text_match(conditions, key, wanted, is_pattern, haystack):
    """None when *wanted* is not in *haystack*, else the matched text (the first group if any)."""
    haystack = (haystack or "")[:MAX_SEARCHED_CHARS]
    if not is_pattern:
        return wanted if wanted.lower() in haystack.lower() else None
    compiled = conditions._compiled.get(key)
    if compiled is None:
        compiled = conditions._compiled[key] = check_pattern(wanted)
    found = compiled.search(haystack)
    if found is None:
        return None
    return next((group for group in found.groups() if group is not None), found.group(0))


def header(view, name):
    lowered = name.lower()
    return next((value for header_name, value in view.headers if header_name.lower() == lowered), None)


def match(conditions, view):
    """None if *view* fails a condition; else what the patterns matched (``{"match": ...}``)."""
    c = conditions
    if c.folder_ids and not c.folder_ids & view.folder_ids:
        return None
    if c.folder_roles and not c.folder_roles & view.folder_roles:
        return None
    if c.direction and c.direction != view.direction:
        return None
    if not (
        _address_matches(c.from_, view.from_) and _address_matches(c.to, view.to) and _address_matches(c.cc, view.cc)
    ):
        return None
    if c.attachments == ATTACHMENTS_WITH and not view.has_attachments:
        return None
    if c.attachments == ATTACHMENTS_WITHOUT and view.has_attachments:
        return None
    if c.first_only and not view.is_first:
        return None
    if c.header_name:
        value = header(view, c.header_name)
        if value is None or c.header_value.lower() not in value.lower():
            return None
    found = {}
    for key, wanted, is_pattern, haystack in (
        ("subject", c.subject, c.subject_is_pattern, view.subject),
        ("text", c.text, c.text_is_pattern, view.text),
    ):
        if not wanted:
            continue
        matched = _text_match(c, key, wanted, is_pattern, haystack)
        if matched is None:
            return None
        found.setdefault("match", matched)
    return found


def placeholder_values(view, found):
    first = view.from_[0] if view.from_ else Address("", "")
    return {
        "from_name": first.name or first.email,
        "from_email": first.email,
        "from": f"{first.name} <{first.email}>" if first.name and first.email else first.email or first.name,
        "to": ", ".join(a.email for a in view.to if a.email),
        "cc": ", ".join(a.email for a in view.cc if a.email),
        "subject": view.subject,
        "text": view.text,
        "html": view.html,
        "date": view.date,
        "match": (found or {}).get("match", ""),
    }


def render(template, view, found=None, values=None, escape=None):
    """*template* with its placeholders replaced by what *view* says ("" for a missing header).

    *escape*, when given, is applied to each value put in (never to the template's own text).
    """
    values = values if values is not None else placeholder_values(view, found)

    def replace(placeholder):
        name = placeholder.group(1)
        is_header = name.startswith("header:")
        value = (header(view, name.split(":", 1)[1]) if is_header else values.get(name, "")) or ""
        return escape(str(value)) if escape else value

    return _PLACEHOLDER.sub(replace, template or "")


def uses(template, name):
    """Whether *template* uses placeholder *name* (the HTML body is sanitized only when asked for)."""
    return name in _PLACEHOLDER.findall(template or "")


def parse_assignments(text):
    """``field = template`` lines (blank lines and ``#`` comments skipped) as [(field, template)]."""
    assignments = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        name, sep, template = stripped.partition("=")
        name = name.strip()
        if not sep or not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise RoutingError(f"Line {number} ({stripped!r}) is not written 'field = value'.")
        check_template(template)
        assignments.append((name, template.strip()))
    return assignments


def parse_domain(text):
    """A "find" domain as written (a Python list literal): placeholders go in its strings only.

    Parsed before anything is replaced, so a quote in a subject cannot change the domain.
    """
    try:
        domain = ast.literal_eval((text or "").strip() or "[]")
    except (ValueError, SyntaxError) as error:
        raise RoutingError(
            f"The domain is not a list like [('email', '=', '{{{{ from_email }}}}')]: {error}"
        ) from error
    if not isinstance(domain, list):
        raise RoutingError("The domain must be a list of conditions.")
    for template in _strings(domain):
        check_template(template)
    return domain


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


#: Operators whose value is a pattern: what a sender wrote must not be one ("_nna@..." is no Anna).
LIKE_OPERATORS = frozenset({"like", "ilike", "=like", "=ilike", "not like", "not ilike", "not =like", "not =ilike"})


def escape_like(text):
    """*text* matched as it is by a LIKE pattern: its backslashes, ``%`` and ``_`` escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def render_domain(domain, view, found=None):
    """*domain* (from ``parse_domain``) with the placeholders of its strings replaced.

    In the value of a LIKE-family condition, the placeholders' values are escaped: the rule's
    author writes the pattern, the mail only fills it.
    """
    values = placeholder_values(view, found)

    def walk(value):
        if isinstance(value, str):
            return render(value, view, values=values)
        if (
            isinstance(value, list | tuple)
            and len(value) == 3
            and isinstance(value[1], str)
            and value[1].lower() in LIKE_OPERATORS
            and isinstance(value[2], str)
        ):
            return type(value)((walk(value[0]), value[1], render(value[2], view, values=values, escape=escape_like)))
        if isinstance(value, list | tuple):
            return type(value)(walk(item) for item in value)
        return value

    return walk(domain)
