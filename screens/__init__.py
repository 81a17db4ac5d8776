"""One module per Textual screen: sessions, session, participant, quality, help."""
