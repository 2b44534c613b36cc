"""The tables written in bulk (services/tables/) name the columns their models store, and no others."""

from odoo.tests import TransactionCase, tagged

from ..engine import states
from ..services.tables import imap_message, imap_message_location


@tagged("post_install", "-at_install")
class TestBulkTables(TransactionCase):
    def assertColumnsOf(self, model_name, columns):
        fields = self.env[model_name]._fields
        strangers = [
            name for name in columns if name not in fields or not fields[name].column_type or not fields[name].store
        ]
        self.assertFalse(strangers, f"not stored columns of {model_name}")
        required = {
            name
            for name, field in fields.items()
            if field.store and field.column_type and field.required and not field.default and not field.related
        }
        self.assertFalse(required - set(columns), f"required columns of {model_name} the bulk insert leaves out")

    def test_message_rows_name_stored_columns_of_imap_message(self):
        self.assertColumnsOf("imap.message", imap_message.COLUMNS)

    def test_location_rows_name_stored_columns_of_imap_message_location(self):
        self.assertColumnsOf("imap.message.location", imap_message_location.COLUMNS)

    def test_a_message_row_without_every_column_is_refused_before_any_sql(self):
        row = dict.fromkeys(imap_message.COLUMNS)
        del row["dedupe_key"]
        with self.assertRaisesRegex(imap_message.ColumnsError, "missing \\['dedupe_key'\\]"):
            imap_message.insert(self.env.cr, [{**row, "stray": 1}])

    def test_a_location_is_recorded_once_and_its_flags_updated_by_name(self):
        message = self.env["imap.message"].search([], limit=1) or self._message()
        folder = self.env["imap.folder"].create({"mailbox_id": message.mailbox_id.id, "name": "Bulk"})
        row = imap_message_location.LocationRow(
            message.id,
            folder.id,
            message.mailbox_id.id,
            7,
            1,
            imap_message_location.flags_text({states.SEEN, "\\Flagged"}),
        )
        imap_message_location.insert(self.env.cr, [row, row])
        self.assertEqual(imap_message_location.uids_of(self.env.cr, folder.id, 7), {1})
        self.assertEqual(imap_message_location.set_flags(self.env.cr, folder.id, 7, {1: ""}), [message.id])
        self.assertEqual(imap_message_location.set_flags(self.env.cr, folder.id, 7, {1: ""}), [], "unchanged")

    def _message(self):
        mailbox = self.env["imap.mailbox"].create({"name": "Bulk", "host": "127.0.0.1", "login": "bulk"})
        return self.env["imap.message"].create({"mailbox_id": mailbox.id, "dedupe_key": "<bulk@example.com>"})
