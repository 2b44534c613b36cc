import { registry } from "@web/core/registry";

// A salesperson answers a customer from the contact's form, with a template.
registry.category("web_tour.tours").add("imap_conversations_reply_with_template", {
    steps: () => [
        {
            content: "The contact shows its conversations",
            trigger: ".o_form_view button[name=action_open_imap_conversations]:contains(Conversations)",
            run: "click",
        },
        {
            content: "Open the customer's conversation",
            trigger: ".o_data_row td:contains(Question about delivery)",
            run: "click",
        },
        {
            content: "The thread shows what the customer wrote",
            trigger: ".o_imap_thread .o_imap_incoming:contains(When will it arrive)",
        },
        {
            content: "Reply",
            trigger: ".o_form_view button[name=action_reply]",
            run: "click",
        },
        {
            content: "The reply goes to the customer",
            trigger: ".modal .o_field_widget[name=partner_ids]:contains(Carla)",
        },
        {
            content: "The message answered stays readable beside the text",
            trigger: ".modal .o_imap_compose_parent:contains(When will it arrive)",
        },
        {
            content: "The cursor is in the body, ready to write",
            trigger: ".modal .o_field_widget[name=body] [contenteditable=true]:focus",
        },
        {
            content: "Pick a template",
            trigger: ".modal .o_field_widget[name=template_id] input",
            run: "edit Friendly",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains(Friendly)",
            run: "click",
        },
        {
            content: "The template wrote the body",
            trigger: ".modal .o_field_widget[name=body]:contains(Dear Carla)",
        },
        {
            content: "Send",
            trigger: ".modal button[name=action_send]",
            run: "click",
        },
        {
            content: "The reply is in the thread, as sent mail",
            trigger: ".o_imap_thread .o_imap_outgoing:contains(Dear Carla):contains(Sent)",
        },
    ],
});
