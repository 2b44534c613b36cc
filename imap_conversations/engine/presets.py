"""Where the well-known mail providers keep their IMAP and SMTP servers, and how they log in.

Pure data for the mailbox form's "Provider" choice: picking one fills host, port and security
for IMAP and SMTP, and the authentication method. Google and Microsoft 365 take OAuth2 (Microsoft
refuses passwords for IMAP and SMTP; Google takes them only as app passwords); the others take
an app password, made in the account's security settings, not the password one signs in with.
"""

from dataclasses import dataclass

AUTH_PASSWORD = "password"
AUTH_OAUTH2 = "oauth2"
OTHER = "other"


@dataclass(frozen=True)
class Preset:
    label: str
    host: str
    port: int
    security: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    auth_method: str = AUTH_PASSWORD
    #: The kind of OAuth application (imap.oauth.provider) the mailbox needs, for OAuth2.
    oauth_kind: str | None = None

    def mailbox_values(self):
        """The mailbox fields this preset sets."""
        return {
            "host": self.host,
            "port": self.port,
            "security": self.security,
            "smtp_host": self.smtp_host,
            "smtp_port": self.smtp_port,
            "smtp_security": self.smtp_security,
            "auth_method": self.auth_method,
        }


PRESETS = {
    "google": Preset(
        "Gmail / Google Workspace",
        "imap.gmail.com",
        993,
        "ssl",
        "smtp.gmail.com",
        587,
        "starttls",
        AUTH_OAUTH2,
        "google",
    ),
    "microsoft": Preset(
        "Microsoft 365 / Outlook.com",
        "outlook.office365.com",
        993,
        "ssl",
        "smtp.office365.com",
        587,
        "starttls",
        AUTH_OAUTH2,
        "microsoft",
    ),
    "yahoo": Preset("Yahoo Mail", "imap.mail.yahoo.com", 993, "ssl", "smtp.mail.yahoo.com", 465, "ssl"),
    "icloud": Preset("iCloud Mail", "imap.mail.me.com", 993, "ssl", "smtp.mail.me.com", 587, "starttls"),
    "fastmail": Preset("Fastmail", "imap.fastmail.com", 993, "ssl", "smtp.fastmail.com", 465, "ssl"),
    "zoho": Preset("Zoho Mail", "imap.zoho.com", 993, "ssl", "smtp.zoho.com", 465, "ssl"),
}
#: For a Selection field: every preset, then "Other" (the servers are typed by hand).
SELECTION = [(key, preset.label) for key, preset in PRESETS.items()] + [(OTHER, "Other")]
