"""Placeholders of reply templates: one syntax everywhere, and telling which gave nothing.

Odoo renders a subject as an inline template (``{{ object.name }}``) and a body as
QWeb (``<t t-out="object.name"/>``); typed into the body, ``{{ object.name }}``
would reach the customer as it stands. A body is therefore stored with each
``{{ … }}`` of its text turned into the QWeb it means, so both fields take the
same syntax, and what checks who may write which placeholder sees the real ones.
"""

import re

from lxml import etree
from lxml import html as lxml_html

from odoo.exceptions import UserError
from odoo.tools.rendering_tools import parse_inline_template

#: ``{{ expression }}``, the inline placeholder, as mail.render.mixin reads it.
INLINE = re.compile(r"\{\{(.+?)\}\}", re.S)
#: Where a QWeb body says what a placeholder prints.
QWEB_OUTPUT = "t-out"


def inline_to_qweb(source):
    """*source* (HTML) with each ``{{ expr }}`` of its text made ``<t t-out="expr"/>``; unchanged without any."""
    if not source or "{{" not in source:
        return source
    root = lxml_html.fragment_fromstring(source, create_parent="div")
    for element in list(root.iter()):
        if isinstance(element.tag, str) and element.tag not in ("script", "style"):
            _split_text(element)
            _split_tail(element)
    return "".join([root.text or ""] + [etree.tostring(child, encoding="unicode", method="html") for child in root])


def _pieces(text):
    """[(text, expression or None)] of *text*, split at its placeholders."""
    pieces, position = [], 0
    for match in INLINE.finditer(text):
        pieces.append((text[position : match.start()], match.group(1).strip()))
        position = match.end()
    return pieces, text[position:]


def _placeholder(expression):
    element = etree.Element("t")
    element.set(QWEB_OUTPUT, expression)
    return element


def _split_text(element):
    if not element.text or "{{" not in element.text:
        return
    pieces, rest = _pieces(element.text)
    element.text = pieces[0][0] if pieces else element.text
    if not pieces:
        return
    inserted = []
    for index, (_text, expression) in enumerate(pieces):
        node = _placeholder(expression)
        node.tail = pieces[index + 1][0] if index + 1 < len(pieces) else rest
        inserted.append(node)
    for offset, node in enumerate(inserted):
        element.insert(offset, node)


def _split_tail(element):
    parent = element.getparent()
    if not element.tail or "{{" not in element.tail or parent is None:
        return
    pieces, rest = _pieces(element.tail)
    if not pieces:
        return
    nodes = [_placeholder(expression) for _text, expression in pieces]
    position = parent.index(element)
    for offset, node in enumerate(nodes, start=1):
        parent.insert(position + offset, node)
    # Tails set once all are in place: lxml moves a tail along when inserting next to it.
    element.tail = pieces[0][0]
    for index, node in enumerate(nodes):
        node.tail = pieces[index + 1][0] if index + 1 < len(pieces) else rest


def expressions(template):
    """The placeholder expressions of *template*'s subject and body, in order, each once."""
    return list(dict.fromkeys(expr for expr, _engine in _expressions_with_engines(template)))


def _expressions_with_engines(template):
    """[(expression, engine)]: each as the field it comes from renders it, so that checking one
    evaluates exactly what sending the mail would, never a text rebuilt around it."""
    found = [
        (expr.strip(), "inline_template")
        for _text, expr, _default in parse_inline_template(template.subject or "")
        if expr
    ]
    if template.body_html:
        root = lxml_html.fragment_fromstring(str(template.body_html), create_parent="div")
        found += [(element.get(QWEB_OUTPUT).strip(), "qweb") for element in root.iter() if element.get(QWEB_OUTPUT)]
    return list(dict.fromkeys(found))


def _source(expression, engine):
    if engine == "qweb":
        # Built by lxml: the expression stays one attribute value, whatever quotes or braces it holds.
        return etree.tostring(_placeholder(expression), encoding="unicode")
    # From parse_inline_template, so it holds no "}}": wrapped again it is the same placeholder.
    return f"{{{{ {expression} }}}}"


def unrendered(template, record, rendered):
    """[(expression, why)] of the placeholders that put nothing in the mail for *record*.

    *rendered* is (subject, body) as rendered: a ``{{`` left there is a placeholder Odoo
    did not read (one typed across formatting, for instance).
    """
    left = []
    for expression, engine in _expressions_with_engines(template):
        try:
            value = template._render_template(
                _source(expression, engine),
                template.model,
                [record.id],
                engine=engine,
            )[record.id]
        except UserError as error:
            left.append((expression, str(error).strip().splitlines()[-1]))
            continue
        if not str(value or "").strip():
            left.append((expression, template.env._("empty for this record")))
    for text in rendered:
        left += [
            (match.group(0), template.env._("not read as a placeholder")) for match in INLINE.finditer(str(text or ""))
        ]
    return left
