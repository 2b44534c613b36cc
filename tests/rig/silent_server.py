"""A TCP server that accepts connections and never says a word (or only its greeting).

An IMAP client waiting for the greeting must give up after its timeout: this is
how a hung server (or a firewall that swallows packets) looks from the client.
With a *greeting*, it greets and then never answers a command: a server that
hangs at STARTTLS or at the login.
"""

import socket
import threading

from .dovecot import LOCALHOST


class SilentServer:
    def __init__(self, greeting=None):
        self.greeting = greeting
        self._sock = socket.socket()
        self._sock.bind((LOCALHOST, 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        self._held = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while True:
            try:
                conn, _addr = self._sock.accept()
            except OSError:
                return
            self._held.append(conn)
            if self.greeting:
                conn.sendall(self.greeting)

    @property
    def accepted(self):
        """How many connections reached the server."""
        return len(self._held)

    def close(self):
        self._sock.close()
        for conn in self._held:
            conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
