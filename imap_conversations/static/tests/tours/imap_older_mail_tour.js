import { registry } from "@web/core/registry";

// A salesperson finds a customer's mail from before the first sync's horizon, and imports it.
registry.category("web_tour.tours").add("imap_conversations_older_mail", {
    steps: () => [
        {
            content: "Open the contact's Conversations tab",
            trigger: ".o_notebook .nav-link:contains(Conversations)",
            run: "click",
        },
        {
            content: "Only the recent mail is there",
            trigger: ".o_field_widget[name=imap_conversation_ids] .o_data_row:contains(recent)",
        },
        {
            content: "Find older mail on the server",
            trigger: "button[name=action_find_older_mail]",
            run: "click",
        },
        {
            content: "The dialog says what the server holds, per mailbox and folder",
            trigger: ".modal .o_data_row:contains(INBOX) td[name=count]:contains(2)",
        },
        {
            content: "Import",
            trigger: ".modal button[name=action_import]",
            run: "click",
        },
        {
            content: "Told what was imported",
            trigger: ".o_notification:contains(2 imported)",
        },
        {
            content: "The old mail is on the contact now",
            trigger: ".o_field_widget[name=imap_conversation_ids] .o_data_row:contains(old order)",
        },
    ],
});
