import { onMounted, onWillUnmount, useEffect } from "@odoo/owl";
import { FileModel } from "@web/core/file_viewer/file_model";
import { useFileViewer } from "@web/core/file_viewer/file_viewer_hook";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
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
 * which checks it), then shows the thread again as the server now renders it. Each message also
 * offers Reply, Reply all and Forward (imap.conversation.action_reply_to_message opens the composer).
 *
 * The eye beside a PDF or image attachment opens it in Odoo's file viewer, with the other viewable
 * attachments of the same message to page through; the attachment itself stays a download link.
 */
export class ImapConversationFormController extends FormController {
    setup() {
        super.setup();
        this.actionService = useService("action");
        useEffect(
            (resId) => {
                if (resId) {
                    this.orm.call("imap.conversation", "action_mark_read", [[resId]]);
                }
            },
            () => [this.model.root.resId],
        );
        this.fileViewer = useFileViewer();
        const onClick = (ev) => this.onViewAttachmentClick(ev) || this.onRemoteContentClick(ev);
        onMounted(() => this.rootRef.el?.addEventListener("click", onClick));
        onWillUnmount(() => this.rootRef.el?.removeEventListener("click", onClick));
    }

    onViewAttachmentClick(ev) {
        const button = ev.target.closest(".o_imap_thread .o_imap_attachment_view");
        if (!button) {
            return false;
        }
        ev.preventDefault();
        ev.stopPropagation();
        const buttons = [...button.closest(".o_imap_attachments").querySelectorAll(".o_imap_attachment_view")];
        const files = buttons.map((el) =>
            Object.assign(new FileModel(), {
                id: parseInt(el.dataset.attachmentId),
                name: el.dataset.name,
                mimetype: el.dataset.mimetype,
                type: "binary",
            }),
        );
        this.fileViewer.open(files[buttons.indexOf(button)], files);
        return true;
    }

    async onRemoteContentClick(ev) {
        const answer = ev.target.closest(".o_imap_thread .o_imap_answer");
        if (answer) {
            return this.onAnswerClick(ev, answer);
        }
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

    /** Reply, Reply all or Forward on one message: the server opens the composer, then the thread reloads. */
    async onAnswerClick(ev, button) {
        ev.preventDefault();
        ev.stopPropagation();
        const action = await this.orm.call("imap.conversation", "action_reply_to_message", [
            [this.model.root.resId],
            parseInt(button.dataset.messageId),
            button.dataset.mode,
        ]);
        await this.actionService.doAction(action, { onClose: () => this.model.root.load() });
    }
}

registry.category("views").add("imap_conversation_form", {
    ...formView,
    Controller: ImapConversationFormController,
});
