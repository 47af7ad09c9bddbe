"""The command list the bot publishes (setMyCommands) and shows in /help."""

from __future__ import annotations

# (command, description): Dutch, as readers see them in Telegram's menu.
READER_COMMANDS: list[tuple[str, str]] = [
    ("laatste", "Het belangrijkste nieuws van dit moment"),
    ("volg", "Volg een land, plaats of onderwerp"),
    ("ontvolg", "Stop met volgen"),
    ("mijn", "Wat je volgt, met knoppen om te stoppen"),
    ("zoek", "Zoek in het nieuws"),
    ("stil", "Stille uren: meldingen zonder geluid"),
    ("pauze", "Even geen meldingen, daarna alles in één bericht"),
    ("overzicht", "Meldingen in een overzicht op vaste tijden"),
    ("stop", "Stop alle meldingen en wis je gegevens"),
    ("help", "Uitleg en voorbeelden"),
    ("start", "Begin"),
]

ADMIN_COMMANDS: list[tuple[str, str]] = [
    ("plaats", "Plaats een kort bericht"),
    ("opening", "Plaats het openingsverhaal"),
    ("corrigeer", "Corrigeer een bericht"),
    ("intrekken", "Trek een bericht in"),
    ("stats", "Cijfers over abonnees en bezorging"),
    ("link", "Link om een onderwerp met één tik te volgen"),
]
