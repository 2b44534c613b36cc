import { useEffect } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { FormController } from "@web/views/form/form_controller";
import { formView } from "@web/views/form/form_view";

/**
 * Opening a conversation reads it: once the form shows a conversation, it is marked read for
 * the current user. Not done while loading the record: Odoo 18 runs web_read on a read-only
 * cursor. Only when another record is shown, so reloading after "Mark as unread" keeps it unread.
 */
export class ImapConversationFormController extends FormController {
    setup() {
        super.setup();
        useEffect(
            (resId) => {
                if (resId) {
                    this.orm.call("imap.conversation", "action_mark_read", [[resId]]);
                }
            },
            () => [this.model.root.resId]
        );
    }
}

registry.category("views").add("imap_conversation_form", {
    ...formView,
    Controller: ImapConversationFormController,
});
