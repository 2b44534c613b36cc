"""How the addon's views read: labels in sentence case, as Odoo writes them ("Last sync", not "Last Sync"),
and list columns wide enough for their values (Odoo gives numbers and dates a fixed width)."""

import re

from lxml import etree

from odoo.tests import TransactionCase, tagged

#: Words written with capitals wherever they stand: acronyms, protocol names, products.
PROPER = re.compile(
    r"^(?:IMAP|SMTP|OAuth2?|TLS|HTML|UID|IDLE|ID|URL|URI|CRM|UTC|INBOX|Sent|Gmail|Google|Microsoft|Message-ID|"
    r"In-Reply-To|Reply-To|THREADID|EMAILID|UIDVALIDITY|UIDNEXT|HIGHESTMODSEQ|MIME|Cc|Bcc|JSON|XOAUTH2|"
    r"Dovecot|Odoo|Re:|Fwd:|API)$"
)
APP_NAME = "IMAP Conversations"
#: Past this many characters, a column label does not fit Odoo's fixed width of a number column.
NUMBER_LABEL_FITS = 7


def title_cased_words(label):
    """The words of *label*, past the first, that start with a capital without being proper names.

    The app's name is one name ("IMAP Conversations API" is in sentence case)."""
    words = label.replace(APP_NAME, "IMAP").split()[1:]
    return [w for w in words if w[:1].isupper() and not PROPER.match(w.strip("()…:,"))]


#: Labels that are names, not labels: the app's, and Odoo's own "Group By".
NAMES = {APP_NAME, "Group By"}
#: Fields every model has, labelled by Odoo itself.
ODOO_FIELDS = {"id", "display_name", "create_uid", "create_date", "write_uid", "write_date"}


@tagged("post_install", "-at_install")
class TestViewLabels(TransactionCase):
    def addon_models(self):
        """``{model name: model}`` of the models this addon defines (not those it extends)."""
        return {
            name: model for name, model in self.env.registry.items() if model._original_module == "imap_conversations"
        }

    def addon_views(self):
        return self.env["ir.ui.view"].search([("model_data_id.module", "=", "imap_conversations")])

    def test_field_labels_and_model_names_are_in_sentence_case(self):
        models = self.addon_models()
        self.assertGreater(len(models), 10)
        wrong = [
            f"{name}: {model._description}" for name, model in models.items() if title_cased_words(model._description)
        ]
        for name, model in self.env.registry.items():
            for field in model._fields.values():
                # Fields this addon declares, on its models and on those it extends (res.partner...).
                if getattr(field, "_module", None) != "imap_conversations" or field.name in ODOO_FIELDS:
                    continue
                if title_cased_words(field.string or ""):
                    wrong.append(f"{name}.{field.name}: {field.string}")
        self.assertEqual(wrong, [])

    def test_view_labels_are_in_sentence_case(self):
        views = self.addon_views()
        self.assertGreater(len(views), 20)
        wrong = []
        for view in views:
            for node in etree.fromstring(view.arch_db.encode()).iter():
                for attribute in ("string", "placeholder", "title"):
                    label = node.get(attribute) or ""
                    # Examples ("e.g. Sales inbox") name things, with their capitals.
                    if title_cased_words(label) and label not in NAMES and not label.startswith("e.g."):
                        wrong.append(f"{view.xml_id}: {label}")
        self.assertEqual(wrong, [])

    def test_a_menu_leads_to_a_page_of_its_name(self):
        # The breadcrumb shows the action's name: it should be the word the user just clicked.
        menus = self.env["ir.ui.menu"].browse(
            self.env["ir.model.data"]
            .search([("module", "=", "imap_conversations"), ("model", "=", "ir.ui.menu")])
            .mapped("res_id")
        )
        self.assertGreater(len(menus), 10)
        renamed = [
            f"{menu.name} -> {menu.action.name}"
            for menu in menus
            if menu.action and menu.action._name == "ir.actions.act_window" and menu.action.name != menu.name
        ]
        self.assertEqual(renamed, [])

    def test_every_empty_page_has_a_headline(self):
        # Odoo shows an action's help on an empty list: a headline (with its picture), then the text.
        actions = self.env["ir.actions.act_window"].browse(
            self.env["ir.model.data"]
            .search([("module", "=", "imap_conversations"), ("model", "=", "ir.actions.act_window")])
            .mapped("res_id")
        )
        bare = [
            action.name
            for action in actions.filtered("help")
            if "o_view_nocontent_" not in etree.fromstring(f"<div>{action.help}</div>")[0].get("class", "")
        ]
        self.assertEqual(bare, [])

    def test_labels_are_words(self):
        # A pictograph as a label ("📎") shows as an empty box where no emoji font is installed, and
        # names the column nowhere (the optional-columns menu lists it by that label).
        pictographs = [
            f"{view.xml_id}: {node.get('string')}"
            for view in self.addon_views()
            for node in etree.fromstring(view.arch_db.encode()).iter("field")
            if node.get("string") and not re.search(r"\w", node.get("string"))
        ]
        self.assertEqual(pictographs, [])

    def test_number_and_date_columns_are_wide_enough_for_their_values(self):
        narrow = []
        for view in self.addon_views():
            arch = etree.fromstring(view.arch_db.encode())
            for list_node in arch.iter("list"):
                model = self.env[self.list_model(view, list_node)]
                for node in list_node.iterchildren("field"):
                    field = model._fields[node.get("name")]
                    label = node.get("string") or field.string
                    too_long = (
                        field.type == "integer" and len(label) > NUMBER_LABEL_FITS and node.get("widget") != "handle"
                    )
                    if (
                        (too_long or field.type == "datetime")
                        and not node.get("width")
                        and node.get("column_invisible") is None
                    ):
                        narrow.append(f"{view.xml_id}: {node.get('name')} ({label})")
        self.assertEqual(narrow, [])

    def list_model(self, view, list_node):
        """The model of a list: the view's, or, inside a form, the comodel of the x2many holding it."""
        parent = list_node.getparent()
        if parent is None or parent.tag != "field":
            return view.model
        return self.env[view.model]._fields[parent.get("name")].comodel_name

    def test_every_setting_shows_its_explanation(self):
        # Odoo prints a setting's help only under a label of its own: the setting's string, or that of a
        # field standing first in it. Behind a <label for> or a button, the explanation is silently dropped.
        settings = etree.fromstring(self.env.ref("imap_conversations.res_config_settings_view_form").arch_db.encode())
        silent = [
            setting.get("help")
            for setting in settings.iter("setting")
            if setting.get("help") and not setting.get("string") and not (len(setting) and setting[0].tag == "field")
        ]
        self.assertEqual(silent, [])
