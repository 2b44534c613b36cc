import { onMounted, onWillUnmount, useEffect } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { FormController } from "@web/views/form/form_controller";
import { formView } from "@web/views/form/form_view";

/**
 * Opening a conversation reads it: once the form shows a conversation, it is marked read for
 * the current user. Not done while loading the record, so that the read tells which messages
 * were new. Only when another record is shown, so reloading after "Mark as unread" keeps it unread.
 *
 * The thread (rendered on the server, views/imap_conversation_templates.xml) offers, on a message
 * whose remote content is hidden, "Show remote content" and "Always show from <sender>": a click
 * asks the server to record the choice for the current user (imap.message.action_*_remote_content,
 * which checks it), then shows the thread again as the server now renders it.
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
        const onClick = (ev) => this.onRemoteContentClick(ev);
        onMounted(() => this.rootRef.el?.addEventListener("click", onClick));
        onWillUnmount(() => this.rootRef.el?.removeEventListener("click", onClick));
    }

    async onRemoteContentClick(ev) {
        const button = ev.target.closest(".o_imap_thread .o_imap_remote_action");
        if (!button) {
            return;
        }
        ev.preventDefault();
        ev.stopPropagation();
        button.disabled = true;
        const messageId = parseInt(button.dataset.messageId);
        await this.orm.call("imap.message", button.dataset.action, [[messageId]]);
        await this.model.root.load();
    }
}

registry.category("views").add("imap_conversation_form", {
    ...formView,
    Controller: ImapConversationFormController,
});
