import { registry } from "@web/core/registry";

// A salesperson works a customer's conversation: finds it, takes it, notes, plans, answers all, closes it.
registry.category("web_tour.tours").add("imap_conversations_work", {
    steps: () => [
        {
            // A word of the body only: the search box's first field is the text of the mail.
            content: "Search the conversation by a word of its body",
            trigger: ".o_searchview_input",
            run: "edit discount",
        },
        {
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            content: "Only the conversation whose body has the word is left",
            trigger: ".o_list_view:has(.o_data_row td:contains(Offer for 40 chairs))"
                + ":not(:has(.o_data_row td:contains(Offer for 12 tables)))",
        },
        {
            content: "Open it",
            trigger: ".o_data_row td:contains(Offer for 40 chairs)",
            run: "click",
        },
        {
            content: "The thread shows what the customer wrote",
            trigger: ".o_imap_thread .o_imap_incoming:contains(discount)",
        },
        {
            content: "Assign it to me",
            trigger: ".o_form_view button[name=action_assign_to_me]",
            run: "click",
        },
        {
            content: "It is mine: the button is gone",
            trigger: ".o_form_view .o_form_statusbar:not(:has(button[name=action_assign_to_me]))",
        },
        {
            content: "Log a note",
            trigger: ".o-mail-Chatter-topbar button.o-mail-Chatter-logNote",
            run: "click",
        },
        {
            trigger: ".o-mail-Chatter .o-mail-Composer-input",
            run: "edit She buys if we deliver by Friday",
        },
        {
            trigger: ".o-mail-Chatter .o-mail-Composer-send:enabled",
            run: "click",
        },
        {
            content: "The note is in the chatter",
            trigger: ".o-mail-Message:contains(She buys if we deliver by Friday)",
        },
        {
            content: "Schedule an activity",
            trigger: ".o-mail-Chatter-topbar button.o-mail-Chatter-activity",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=summary] input",
            run: "edit Call Carla back",
        },
        {
            trigger: ".modal button[name=action_schedule_activities]",
            run: "click",
        },
        {
            content: "The activity is planned",
            trigger: ".o-mail-Activity:contains(Call Carla back)",
        },
        {
            content: "Reply all to the customer's message",
            trigger: ".o_imap_thread .o_imap_incoming .o_imap_answer[data-mode=reply_all]",
            run: "click",
        },
        {
            content: "It goes to the customer, her colleague in copy, quoting her message",
            trigger: ".modal .o_field_widget[name=partner_ids]:contains(Carla)",
        },
        {
            trigger: ".modal .o_field_widget[name=cc_partner_ids]:contains(Bob)",
        },
        {
            trigger: ".modal .o_field_widget[name=body] blockquote:contains(discount)",
        },
        {
            content: "Send",
            trigger: ".modal button[name=action_send]",
            run: "click",
        },
        {
            content: "The reply is in the thread",
            trigger: ".o_imap_thread .o_imap_outgoing:contains(Sent)",
        },
        {
            content: "Done",
            trigger: ".o_statusbar_status button[data-value=done]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status button.o_arrow_button_current[data-value=done]",
        },
        {
            // The status is a field of the record: kept as a user keeps it, by saving the form.
            content: "Save",
            trigger: ".o_form_view",
            run() {
                document.querySelector(".o_form_view .o_form_button_save")?.click();
            },
        },
        {
            trigger: ".o_form_view .o_form_saved",
        },
    ],
});
