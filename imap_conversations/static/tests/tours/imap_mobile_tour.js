import { registry } from "@web/core/registry";

// On a phone (test_mobile_tour.py runs it 390 px wide): the list as cards, answering at hand.
registry.category("web_tour.tours").add("imap_conversations_mobile", {
    steps: () => [
        {
            content: "Each conversation is a card: who wrote, the subject, how the last message starts",
            trigger:
                ".o_kanban_view .o_kanban_record:contains(Carla Customer):contains(Question about delivery):contains(when will the 40 chairs arrive)",
        },
        {
            content: "Unread, with the assignee's avatar",
            trigger: ".o_kanban_record:contains(Carla Customer) .o_imap_unread_dot",
        },
        {
            trigger: ".o_kanban_record:contains(Carla Customer) .o_field_many2one_avatar_user",
        },
        {
            content: "Open it",
            trigger: ".o_kanban_record:contains(Question about delivery) .o_imap_preview",
            run: "click",
        },
        {
            content: "Reply all is on the conversation itself, not in the gear menu",
            trigger: ".o_form_view .o_imap_mobile_answers button[name=action_reply_all]",
            run: "click",
        },
        {
            content: "The composer shows the message answered",
            trigger: ".modal .o_imap_compose_parent:contains(when will the 40 chairs arrive)",
        },
        {
            content: "and puts the cursor in the text",
            trigger: ".modal .o_field_widget[name=body] [contenteditable=true]:focus",
        },
        {
            content: "Discard",
            trigger: ".modal footer button:contains(Discard)",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_imap_thread:contains(when will the 40 chairs arrive)",
        },
    ],
});
