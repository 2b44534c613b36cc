"""The pieces :mod:`engine.parse` is made of, one concern each (as imapclient splits lexer, parser, types).

Import from :mod:`engine.parse`, the façade; these modules are its internals and their names
may change. Each is pure Python and never raises on bad input: what is odd is appended to the
``defects`` list every function takes, and the most useful reading is returned.

* :mod:`.types`: the frozen results (Address, Attachment, ParsedMessage);
* :mod:`.charsets`: bytes to text, with the charset chain declared -> utf-8 -> cp1252 -> latin-1;
* :mod:`.headers`: unfolding, RFC 2047 encoded words, RFC 2231 parameters, message ids, dates;
* :mod:`.addresses`: address lists as real mail writes them (RFC 5322 and its violations);
* :mod:`.tree`: the MIME walk that picks the bodies and the attachments;
* :mod:`.cid`: ``cid:`` references between the HTML body and its inline images;
* :mod:`.content_hash`: the hash that tells two copies of one message from two messages.
"""
