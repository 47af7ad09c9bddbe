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
    ("plaats", "Plaats een kort bericht (ook als onderschrift van een foto)"),
    ("breaking", "Belangrijk nieuws: gaat voor alle andere meldingen"),
    ("opening", "Plaats het openingsverhaal"),
    ("berichten", "De tien nieuwste berichten, met knoppen"),
    ("bereik", "Hoe ver een bericht kwam"),
    ("corrigeer", "Corrigeer een bericht"),
    ("intrekken", "Trek een bericht in (ik vraag het eerst na)"),
    ("stats", "Cijfers over bezorging en wat lezers volgen"),
    ("link", "Link om een onderwerp met één tik te volgen"),
]


ADMIN_HELP = (
    "\n\n<b>Voor de redactie</b>\n"
    "/plaats &lt;bericht&gt; — plaats een kort bericht; als onderschrift van een foto gaat de "
    "foto mee\n"
    "/breaking &lt;bericht&gt; — belangrijk nieuws: gaat voor alle andere meldingen uit, "
    "altijd als eigen bericht, naar wie Belangrijk nieuws volgt en wie de plaatsen en "
    "onderwerpen erin volgt (ook met een foto)\n"
    "/opening — het openingsverhaal\n"
    "/berichten — de tien nieuwste berichten met nummer, bron, leeftijd en bereik; met "
    "knoppen om te corrigeren, in te trekken en het bereik te zien\n"
    "/bereik &lt;nummer&gt; — hoeveel gesprekken het zochten, verstuurd, wachtend, "
    "vastgehouden, mislukt (per reden), verlopen, en de tijd tot de laatste verzending\n"
    "/corrigeer &lt;nummer&gt; &lt;nieuwe tekst&gt; — verbeter een bericht; lezers zien "
    "‘Gecorrigeerd om 17:42’\n"
    "/intrekken &lt;nummer&gt; — trek een bericht in (met een knop ter bevestiging; "
    "/intrekken &lt;nummer&gt; ja doet het meteen)\n"
    "/stats — bezorging, de meest gevolgde onderwerpen en volgers van het afgelopen etmaal\n"
    "/link &lt;onderwerp&gt; — een link om met één tik te volgen"
)
