"""Conversations as work: who has one (assignee) and where it stands (status).

A conversation is open until someone answers and waits for the customer, or closes
it as done. New incoming mail reopens it, waiting or done (the customer answered):
that happens in the sync's own bulk statement (imap.conversation._refresh_summary),
so the sync never posts in the chatter. Sending a reply keeps the status, as Help
Scout and Front do: the user says when a conversation waits or is done.

The assignee is someone who may use the mailbox: assigning a conversation to a user
who cannot read it would hand them work they cannot see, so it is refused where the
value is written (create and write), whatever the form shows. Followers likewise: only
people who may read the conversation follow it (imap.conversation._message_subscribe).
"""

from odoo.exceptions import AccessError, UserError

OPEN = "open"
WAITING = "waiting"
DONE = "done"
STATUSES = [(OPEN, "Open"), (WAITING, "Waiting for customer"), (DONE, "Done")]
#: The statuses new incoming mail takes a conversation out of.
REOPENED = (WAITING, DONE)

#: What a user who may use the mailbox writes on its conversations (the rest is the sync's).
USER_FIELDS = frozenset({"link_ids", "assignee_id", "status"})


def _may_read(conversations, user):
    """Whether *user* may read every one of *conversations*, with their own rights and companies."""
    as_user = conversations.with_user(user).with_context(allowed_company_ids=user.company_ids.ids)
    return user.has_group("imap_conversations.group_user") and len(as_user._filtered_access("read")) == len(
        conversations
    )


def check_assignee(conversations, user):
    """Refuse *user* as assignee of *conversations* unless they may read every one of them.

    Read with the assignee's own rights and companies, not the writer's: an administrator
    must not hand a personal mailbox's mail to a colleague either.
    """
    if not user:
        return
    if not _may_read(conversations, user):
        raise UserError(
            conversations.env._(
                "%(user)s cannot use the mailbox of this conversation, so it cannot be assigned to them.",
                user=user.name,
            )
        )


def check_followers(conversations, partners):
    """Refuse as followers of *conversations* the contacts none of whose users may read every one of them.

    A follower receives the conversation's messages and notes: a colleague the mailbox is not
    shared with, or a contact without a user, would read through them what they may not open.
    """
    refused = partners.sudo().filtered(lambda p: not any(_may_read(conversations, u) for u in p.user_ids))
    if refused:
        raise AccessError(
            conversations.env._(
                "%(names)s cannot use the mailbox of this conversation, so they cannot follow it.",
                names=", ".join(refused.mapped("display_name")),
            )
        )


def follow_in_bulk(env, conversation_ids, partner_id):
    """Make *partner_id* a follower of the conversations (with the default subtypes), in two statements.

    For the sync, which creates conversations by SQL: message_subscribe per record would cost
    queries per conversation. The same rows as message_subscribe writes.
    """
    if not conversation_ids or not partner_id:
        return
    subtypes = env["mail.message.subtype"].default_subtypes("imap.conversation")[0]
    env["mail.followers"].flush_model()
    env.cr.execute(
        """
        INSERT INTO mail_followers (res_model, res_id, partner_id)
             SELECT 'imap.conversation', id, %s FROM unnest(%s::int[]) AS t(id)
        ON CONFLICT DO NOTHING
          RETURNING id
        """,
        [partner_id, list(conversation_ids)],
    )
    follower_ids = [row[0] for row in env.cr.fetchall()]
    if follower_ids and subtypes:
        env.cr.execute(
            """
            INSERT INTO mail_followers_mail_message_subtype_rel (mail_followers_id, mail_message_subtype_id)
                 SELECT f, s FROM unnest(%s::int[]) AS f, unnest(%s::int[]) AS s
            ON CONFLICT DO NOTHING
            """,
            [follower_ids, subtypes.ids],
        )
    env["mail.followers"].invalidate_model()
