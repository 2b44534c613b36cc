"""Routing rules at work: what the sync does with each newly imported message, and the dry run.

The extension point of the importer is ``Router(mailbox).route(message ids)``, called
once per stored batch after the message rows exist. Each (rule, message) acts in its
own savepoint, together with the imap.routing.application row that makes it happen once;
a rule that fails rolls back its own work only, and leaves the message *failed* with the
rule and the reason, for Retry (``retry``) once the rule or the data is fixed.

Rules see only mail of the mailboxes they name, or of every mailbox of their company:
never another company's. What they create is created as their author (see
imap.routing.rule), so no rule does more than its author may.
"""

import logging
from email.utils import getaddresses

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tools import html_sanitize

from ..engine import routing, states
from . import message_importer, webhooks

_logger = logging.getLogger(__name__)

#: Messages a dry run looks at when not told otherwise.
DRY_RUN_DEFAULT = 50
_TRUE_WORDS = ("1", "true", "yes", "y", "on")


def rules_for(mailbox):
    """The active rules that apply to *mailbox*, in order; drafts (not tested and activated yet) wait."""
    return (
        mailbox.env["imap.routing.rule"]
        .sudo()
        .search(
            [
                ("company_id", "=", mailbox.company_id.id),
                ("state", "=", states.RULE_LIVE),
                "|",
                ("mailbox_ids", "=", False),
                ("mailbox_ids", "in", mailbox.id),
            ]
        )
    )


def message_views(messages, wants_html=False):
    """{message: MessageView}; the HTML body is sanitized only when a rule's placeholders ask for it."""
    messages = messages.sudo()
    first_ids = _first_message_ids(messages)
    views = {}
    for message in messages:
        folders = message.location_ids.folder_id
        views[message] = routing.MessageView(
            folder_ids=frozenset(folders.ids),
            folder_roles=frozenset(folders.mapped("role")),
            direction=message.direction,
            from_=_addresses(message.email_from),
            to=_addresses(message.email_to),
            cc=_addresses(message.email_cc),
            subject=message.subject or "",
            text=message.body_text or "",
            html=str(html_sanitize(message.body_html_source) or "") if wants_html and message.body_html_source else "",
            date=fields.Datetime.to_string(message.date) or "",
            headers=tuple(_headers(message.headers)),
            has_attachments=message.has_attachments,
            is_first=message.id in first_ids,
        )
    return views


def _addresses(value):
    return tuple(routing.Address(name, email) for name, email in getaddresses([value or ""]) if email or name)


def _headers(text):
    for line in (text or "").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            yield name.strip(), value.strip()


def _first_message_ids(messages):
    """Ids of those of *messages* that are the first of their conversation (imported first)."""
    conversations = messages.conversation_id
    if not conversations:
        return set()
    messages.env.cr.execute(
        "SELECT min(id) FROM imap_message WHERE conversation_id = ANY(%s) GROUP BY conversation_id",
        [conversations.ids],
    )
    return {row[0] for row in messages.env.cr.fetchall()}


def _wants_html(rules):
    return any(routing.uses(rule.field_values, "html") or routing.uses(rule.find_domain, "html") for rule in rules)


class RuleOutcome:
    """What a rule does (or would do) to one message: a record created or found, or none found."""

    def __init__(self, rule, values=None, record=None):
        self.rule, self.values, self.record = rule, values, record

    def describe(self, env):
        model = env[self.rule.model]._description
        if self.values is not None:
            return env._(
                "Create %(model)s: %(values)s",
                model=model,
                values=", ".join(f"{k} = {str(v)[:80]}" for k, v in self.values.items()) or "-",
            )
        return env._("Link to %(model)s %(record)s", model=model, record=self.record.display_name)


class Router:
    """Runs the rules of one mailbox over messages it just imported."""

    def __init__(self, mailbox):
        self.mailbox = mailbox
        self.env = mailbox.env
        self.rules = rules_for(mailbox)

    def route(self, message_ids):
        """Apply the rules to these just-stored messages; their creation also fires Odoo's automation rules."""
        messages = self.env["imap.message"].sudo().browse(message_ids)
        run_automations(messages)
        if not self.rules or not messages:
            return
        self._route(messages)

    def _route(self, messages):
        views = message_views(messages, _wants_html(self.rules))
        applied = {
            (a.rule_id.id, a.dedupe_key)
            for a in self.env["imap.routing.application"]
            .sudo()
            .search(
                [
                    ("mailbox_id", "=", self.mailbox.id),
                    ("dedupe_key", "in", messages.mapped("dedupe_key")),
                ]
            )
        }
        for message in messages:
            for rule in self.rules:
                if (rule.id, message.dedupe_key) in applied:
                    if rule.stop:
                        break
                    continue
                found = routing.match(rule._conditions(), views[message])
                if found is None:
                    continue
                try:
                    with self.env.cr.savepoint():
                        outcome = self._apply(rule, message, views[message], found)
                # A rule runs code of any model with values from a stranger's mail: whatever it raises,
                # the message is kept failed with the rule and the reason, and the import goes on.
                except Exception as error:  # noqa: BLE001
                    self._fail(message, rule, error)
                    break
                if outcome and rule.stop:
                    break

    def _apply(self, rule, message, view, found):
        outcome = plan(rule, message, view, found)
        if outcome is None:
            return None
        record = outcome.record
        if record is None:
            record = _as_author(rule, self.mailbox)[rule.model].create(outcome.values)
            if rule.copy_attachments:
                for attachment in message.attachment_ids.filtered(lambda a: not a.res_field):
                    attachment.copy({"res_model": record._name, "res_id": record.id})
        links = record.env["imap.conversation.link"]
        if message.conversation_id and record._name in dict(links._selection_target_model()):
            links._link(message.conversation_id, record)
        self.env["imap.routing.application"].sudo().create(
            {
                "rule_id": rule.id,
                "mailbox_id": message.mailbox_id.id,
                "dedupe_key": message.dedupe_key,
                "message_id": message.id,
                "res_model": record._name,
                "res_id": record.id,
                "outcome": outcome.describe(self.env)[:200],
            }
        )
        return outcome

    def _fail(self, message, rule, error):
        _logger.warning(
            "IMAP mailbox %s: routing rule %r failed on message %s, kept as failed: %s",
            self.mailbox.name,
            rule.name,
            message.id,
            error,
        )
        values = message_importer.failure_values(error, attempts=(message.attempt_count or 0) + 1)
        values["error_message"] = self.env._("Rule %(rule)s: %(error)s", rule=rule.name, error=values["error_message"])[
            :500
        ]
        message.sudo().write({"state": states.MESSAGE_FAILED, "failed_rule_id": rule.id, **values})
        # Once per message (its key): a rule failing again on Retry is not news.
        webhooks.emit_failed(message.sudo())

    def retry(self, messages):
        """Route again messages a rule made failed; returns (routed, still failed)."""
        messages = messages.sudo()
        messages.write({"state": states.MESSAGE_IMPORTED, "failed_rule_id": False, "error_message": False})
        self._route(messages)
        still = messages.filtered(lambda m: m.state == states.MESSAGE_FAILED)
        return len(messages) - len(still), len(still)


def _as_author(rule, mailbox):
    """The rule's author's environment, in the mailbox's company, with no context of the sync leaking in."""
    return rule.env(
        user=rule.user_id.id,
        su=False,
        context={"allowed_company_ids": [mailbox.company_id.id], "mail_create_nosubscribe": True},
    )


def plan(rule, message, view, found):
    """What *rule* would do to *message* (found by ``routing.match``): values to create, or the record found.

    Searching is done as the rule's author; nothing is written, so the dry run calls it as is.
    """
    author = _as_author(rule, message.mailbox_id)
    model = author[rule.model]
    if rule.action == routing.ACTION_CREATE:
        return RuleOutcome(rule, values=_values(rule, model, view, found))
    record = model.search(routing.render_domain(routing.parse_domain(rule.find_domain), view, found), limit=1)
    return RuleOutcome(rule, record=record) if record else None


def _values(rule, model, view, found):
    values = {}
    placeholders = routing.placeholder_values(view, found)
    for name, template in routing.parse_assignments(rule.field_values):
        values[name] = _typed(model._fields[name], routing.render(template, view, values=placeholders))
    if rule.salesperson_id and "user_id" in model._fields:
        values["user_id"] = rule.salesperson_id.id
    return values


def _typed(field, text):
    """*text* as a value of *field* (many2one and numbers from digits, booleans from yes/true/1)."""
    if field.type in ("many2one", "integer"):
        return int(text) if text.strip() else False
    if field.type == "float":
        return float(text) if text.strip() else 0.0
    if field.type == "boolean":
        return text.strip().lower() in _TRUE_WORDS
    return text or False


def run_automations(messages):
    """Fire Odoo's automation rules (base_automation) "on creation" for imported messages and new conversations.

    The importer writes rows in bulk SQL, past the ORM's create that base_automation
    watches: without this an automation on IMAP messages or conversations would never
    see synced mail. A conversation is new when its first message is among *messages*.
    """
    env = messages.env
    if not messages or "base.automation" not in env:
        return
    from odoo.addons.base_automation.models.base_automation import CREATE_TRIGGERS

    _fire(env["base.automation"]._get_actions(messages, CREATE_TRIGGERS), messages)
    conversations = messages.conversation_id
    automations = env["base.automation"]._get_actions(conversations, CREATE_TRIGGERS)
    if automations:
        new = set(messages.ids) & _first_message_ids(messages)
        _fire(automations, messages.filtered(lambda m: m.id in new).conversation_id)


def _fire(automations, records):
    for automation in automations.with_context(old_values=None):
        automation._process(automation._filter_post(records.with_env(automations.env), feedback=True))


def dry_run(rules, limit=DRY_RUN_DEFAULT):
    """[(message, rule, description)] for the last *limit* messages of the rules' mailboxes; writes nothing."""
    env = rules.env
    results = []
    mailboxes = env["imap.mailbox"].sudo().search([("company_id", "in", rules.company_id.ids)])
    for mailbox in mailboxes:
        mailbox_rules = rules.filtered(
            lambda r, mb=mailbox: r.company_id == mb.company_id and (not r.mailbox_ids or mb in r.mailbox_ids)
        )
        if not mailbox_rules:
            continue
        messages = (
            env["imap.message"]
            .sudo()
            .search(
                [("mailbox_id", "=", mailbox.id), ("state", "in", (states.MESSAGE_IMPORTED, states.MESSAGE_FAILED))],
                limit=limit,
            )
        )
        views = message_views(messages, _wants_html(mailbox_rules))
        for message in messages:
            for rule in mailbox_rules:
                found = routing.match(rule._conditions(), views[message])
                if found is None:
                    continue
                try:
                    outcome = plan(rule, message, views[message], found)
                # What would make the rule fail on this message at import: shown, as it would be recorded.
                except (ValueError, TypeError, UserError, AccessError, routing.RoutingError) as error:
                    results.append((message, rule, env._("Would fail: %s", error)[:200]))
                    break
                results.append((message, rule, outcome.describe(env) if outcome else env._("No record found")))
                if outcome and rule.stop:
                    break
    return results
