import { onMounted, useRef } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { formView } from "@web/views/form/form_view";

/**
 * The composer (imap.compose) opens with the cursor in the body, at its start, above the signature
 * and the quote: for an answer the recipients and subject are filled in already, and what is left
 * to do is write. (Odoo's own focus would go to the first field, From.) The editor may come a
 * frame or two after the form, so it is looked for a few times.
 */
export class ImapComposeFormRenderer extends formView.Renderer {
    setup() {
        super.setup();
        this.composeRoot = useRef("compiled_view_root");
        onMounted(() => this.focusBody(20));
    }

    focusBody(triesLeft) {
        const editable = this.composeRoot.el?.querySelector(".o_field_widget[name=body] [contenteditable=true]");
        if (!editable) {
            if (triesLeft > 0) {
                requestAnimationFrame(() => this.focusBody(triesLeft - 1));
            }
            return;
        }
        editable.focus();
        const first = editable.firstElementChild || editable;
        document.getSelection().setPosition(first, 0);
        document.dispatchEvent(new Event("selectionchange"));
    }
}

registry.category("views").add("imap_compose_form", {
    ...formView,
    Renderer: ImapComposeFormRenderer,
});
