import { markup } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { escape } from "@web/core/utils/strings";

/**
 * Odoo's display_notification, plus what the mailbox buttons need (services/mailbox_notices.py):
 * `details`, a text shown when the reader unfolds it, and `button`, {label, action}, opening that
 * action (the conversations a sync brought). Everything from the server is escaped.
 */
function imapNotificationAction(env, action) {
    const params = action.params || {};
    let message = escape(params.message || "");
    if (params.details) {
        message += `<details class="mt-1"><summary>${escape(_t("Details"))}</summary>${escape(params.details)}</details>`;
    }
    let close = () => {};
    const buttons = params.button
        ? [
              {
                  name: params.button.label,
                  primary: true,
                  onClick: () => {
                      close();
                      env.services.action.doAction(params.button.action);
                  },
              },
          ]
        : [];
    close = env.services.notification.add(markup(message), {
        title: params.title,
        type: params.type || "info",
        sticky: params.sticky || false,
        buttons,
    });
    return params.next;
}

registry.category("actions").add("imap_conversations.notification", imapNotificationAction);
