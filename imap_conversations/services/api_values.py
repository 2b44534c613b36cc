"""What the external API (imap.api) answers: records and run reports as plain JSON values.

Only what the caller's own rights let them read: every value is read with the
caller's environment, never as superuser, and no secret (password, token,
client secret) is ever part of an answer. Dates are UTC, as "YYYY-MM-DD HH:MM:SS"; an empty value
is false (XML-RPC has no null).
"""

from odoo import fields


def _date(value):
    return fields.Datetime.to_string(value) if value else False


def _ref(record):
    return {"id": record.id, "name": record.display_name} if record else False


def mailbox(record):
    return {
        "id": record.id,
        "name": record.name,
        "email": record.email or False,
        "login": record.login,
        "owner": _ref(record.user_id),
        "shared": record.is_shared,
        "shared_with": record.member_ids.ids,
        "company": _ref(record.company_id),
        "active": record.active,
        "state": record.state,
        "auth_method": record.auth_method,
        "connected_as": record.oauth_account or False,
        "host": record.host,
        "port": record.port,
        "security": record.security,
        "smtp_host": record.smtp_host or False,
        "can_send": record.can_send,
        "can_manage": record.can_manage,
        "sync_interval_minutes": record.sync_interval_minutes,
        "last_sync_date": _date(record.last_sync_date),
        "next_sync_date": _date(record.sync_due_date),
        "last_error": record.last_error or False,
        "failed_message_count": record.failed_message_count,
    }


def run_report(record, report):
    """A sync or recovery run of *record* (the caller's mailbox), its error in the caller's words."""
    return {
        "mailbox_id": record.id,
        "ok": report.ok,
        "busy": report.busy,
        "interrupted": report.interrupted,
        "new": report.counts.new,
        "known": report.counts.known,
        "failed": report.counts.failed,
        "too_large": report.counts.too_large,
        "error": record._describe_error(report.error) if report.error else False,
    }


def failed_message(record):
    return {
        "id": record.id,
        "mailbox_id": record.mailbox_id.id,
        "subject": record.subject or "",
        "from": record.email_from or "",
        "date": _date(record.date),
        "error": record.error_message or "",
        "attempts": record.attempt_count,
        "failed_date": _date(record.failed_date),
        # The rule's id only: routing rules are for IMAP administrators (its name is in the error).
        "failed_rule_id": record.failed_rule_id.id or False,
    }


def sent_message(record, result):
    """What became of a mail sent through the composer (services/sender.py's SendResult)."""
    mailbox_record = record.mailbox_id
    return {
        "id": record.id,
        "message_id": record.message_id,
        "conversation_id": record.conversation_id.id or False,
        "mailbox_id": mailbox_record.id,
        "state": record.state,
        "sent": result.sent,
        "error": False if result.sent else (record.error_message or ""),
        "refused": sorted(result.refused),
        "sent_copy_error": mailbox_record._describe_error(result.sent_copy_error) if result.sent_copy_error else False,
    }


def template(record):
    return {
        "id": record.id,
        "name": record.name,
        "model": record.model,
        "subject": record.subject or "",
        "body_html": str(record.body_html or ""),
        "lang": record.lang or False,
        "is_default": record.is_default,
        "active": record.active,
        "company": _ref(record.company_id),
    }


def preview(record):
    """An imap.template.preview, computed."""
    return {
        "template_id": record.template_id.id,
        "res_id": record.res_id or False,
        "sample": record.is_sample,
        "lang": record.rendered_lang or False,
        "tz": record.tz or False,
        "subject": record.subject or "",
        "body_html": str(record.body_html or ""),
        "error": record.error_msg or False,
        "unrendered_placeholders": record.warning_msg or False,
    }
