import { registry } from "@web/core/registry";

/** How long the thread may take to show the message just sent, once the composer closed. */
const WAIT_MS = 5000;
const STEP_MS = 100;

/**
 * The composer's "next" step after a send (imap.compose._result_notification): close the composer,
 * then, once the conversation shown behind it has reloaded, scroll to the message just sent and
 * mark it for a moment. The thread is only read (its messages carry data-message-id), never changed:
 * a composer opened from a contact has no thread behind it, and nothing happens.
 */
function showSentMessage(env, action) {
    const messageId = action.params?.message_id;
    let waited = 0;
    const look = () => {
        const element = document.querySelector(
            `.o_imap_thread .o_imap_message[data-message-id="${parseInt(messageId)}"]`,
        );
        if (element) {
            element.scrollIntoView({ block: "center" });
            element.classList.add("o_imap_just_sent");
        } else if ((waited += STEP_MS) < WAIT_MS) {
            setTimeout(look, STEP_MS);
        }
    };
    if (messageId) {
        setTimeout(look, STEP_MS);
    }
    return { type: "ir.actions.act_window_close" };
}

registry.category("actions").add("imap_conversations.show_sent_message", showSentMessage);
