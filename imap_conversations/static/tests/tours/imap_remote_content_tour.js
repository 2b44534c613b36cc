import { registry } from "@web/core/registry";

// A salesperson opens a newsletter: its remote images stay hidden until asked for, then show.
registry.category("web_tour.tours").add("imap_conversations_remote_content", {
    steps: () => [
        {
            content: "The thread says remote content is hidden, and none is loaded",
            trigger:
                ".o_imap_thread .o_imap_incoming:has(.o_imap_remote_blocked)" +
                ":not(:has(img[src*='tracker.shop.example'])):contains(Our offers)",
        },
        {
            content: "The inline logo is part of the message: it shows",
            trigger: ".o_imap_thread .o_imap_body img[src^='/web/image/']",
        },
        {
            content: "Show remote content",
            trigger: ".o_imap_thread button[data-action=action_show_remote_content]",
            run: "click",
        },
        {
            content: "The remote image is now in the body, as the server renders it for this reader",
            trigger: ".o_imap_thread .o_imap_body img[src='http://tracker.shop.example/open.gif?u=carla']",
        },
        {
            content: "And the thread says so, with a way back",
            trigger: ".o_imap_thread .o_imap_remote_shown button[data-action=action_block_remote_content]",
        },
    ],
});
