"""What the routing tests stand on: a rule author with rights on contacts and leads, rules, and mail."""

from email.message import EmailMessage
from email.utils import make_msgid

from odoo.tests import new_test_user

from .common import SyncCase


def mail_with_attachment(
    subject,
    sender="Anna Buyer <anna@customer.example.com>",
    body="Please quote.",
    filename="specs.pdf",
    content=b"%PDF-1.4 specs",
    **headers,
):
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = "sales@shop.example"
    message["Message-ID"] = make_msgid(domain="customer.example.com")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    message.add_attachment(content, maintype="application", subtype="pdf", filename=filename)
    return message.as_bytes()


class RoutingCase(SyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.author = new_test_user(
            cls.env,
            "routing_author",
            groups="base.group_user,base.group_partner_manager,sales_team.group_sale_salesman,"
            "imap_conversations.group_manager",
            email="routing.author@example.com",
            name="Rule Author",
        )

    def make_rule(self, author=None, live=True, **values):
        """A rule as its author makes it; *live*: then tested on recent mail and activated, as they do."""
        rule = (
            self.env["imap.routing.rule"]
            .with_user(author or self.author)
            .create(
                {
                    "name": "Rule",
                    "model_id": self.env["ir.model"]._get_id(values.pop("model", "res.partner")),
                    **values,
                }
            )
        )
        if live:
            rule.action_dry_run()
            rule.action_activate()
        return rule.sudo()

    def records_from(self, rule):
        applications = self.env["imap.routing.application"].search([("rule_id", "=", rule.id)])
        return self.env[rule.model].browse(applications.mapped("res_id"))
