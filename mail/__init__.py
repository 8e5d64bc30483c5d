"""Mail adapters: MIME parsing, the SMTP edge, the IMAP poller and the outgoing SMTP sender."""
