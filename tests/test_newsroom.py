"""The newsroom's tools end to end, through the Bot API emulator: /breaking, a photo with
/plaats as its caption, the "Gecorrigeerd om" line, /berichten with its buttons, /bereik,
/intrekken's confirmation, /stats' follows, and the admins' /help.

Tests marked both_backends run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re
import time
from datetime import datetime

import feedparser
import pytest

from bot.feeds import entry_to_item
from bot.news.parse import parse_brief, parse_page
from bot.news.sections import BREAKING_KEY
from tests.conftest import ADMIN, Harness, visible
from tests.waits import eventually

CORRECTED = re.compile(r"Gecorrigeerd (om|op \d+ \S+ om) \d\d:\d\d")


async def post(bot: Harness, text: str) -> int:
    now = datetime.now(bot.services.settings.tz)
    stored = await bot.services.intake.add(parse_brief(text, now=now, source="test"))
    assert stored.item is not None and stored.item.id is not None
    return stored.item.id


async def sent_status(bot: Harness, chat_id: int, status: str = "sent") -> bool:
    rows = await bot.services.store.chat_deliveries(chat_id)
    return bool(rows) and rows[0].status == status


@pytest.mark.both_backends
async def test_breaking_reaches_its_followers_and_overview_readers_at_once(
    bot: Harness,
) -> None:
    reply = await bot.say("/volg belangrijk nieuws", chat_id=2001)
    assert "Belangrijk nieuws" in reply
    subs = await bot.services.store.subscriptions(2001)
    assert [s.key for s in subs] == [BREAKING_KEY]
    await bot.say("/volg Japan", chat_id=2002)
    await bot.say("/overzicht 8:00", chat_id=2002)  # would hold an ordinary alert
    reply = await bot.say("/breaking TOKIO (ANP) - Zware aardbeving in Japan.", chat_id=ADMIN)
    assert "opgeslagen als #1" in reply and "gaat voor alle andere meldingen" in reply
    item = await bot.services.store.item(1)
    assert item is not None and item.breaking
    for chat in (2001, 2002):
        alert = (await bot.api.wait_sent(3 if chat == 2002 else 2, chat))[-1]
        text = visible(alert)
        assert text.startswith("⚡ Belangrijk nieuws\nTOKIO (ANP) - Zware aardbeving in Japan.")
    assert await bot.services.store.held_count(2002) == 0


async def test_breaking_without_text_gives_usage(bot: Harness) -> None:
    reply = await bot.say("/breaking", chat_id=ADMIN)
    assert "Gebruik: /breaking" in reply
    assert await bot.services.store.count_items() == 0
    assert "alleen voor de redactie" in await bot.say("/breaking PARIJS - Iets.")


@pytest.mark.both_backends
async def test_admin_photo_with_plaats_caption_keeps_its_file_id(bot: Harness) -> None:
    before = len(bot.api.sent(ADMIN))
    bot.api.inject_photo(
        "/plaats UTRECHT (ANP) - Brand in de binnenstad.", chat_id=ADMIN, user_id=ADMIN,
        file_id="PHOTO-brand",
    )
    [reply] = (await bot.api.wait_sent(before + 1, ADMIN))[before:]
    assert "opgeslagen als #1" in visible(reply) and "Met foto" in visible(reply)
    item = await bot.services.store.item(1)
    assert item is not None and item.photo == "PHOTO-brand" and not item.breaking
    assert item.body == "Brand in de binnenstad."

    bot.api.inject_photo("/breaking UTRECHT (ANP) - Tweede brand.", chat_id=ADMIN, user_id=ADMIN)
    await bot.api.wait_sent(before + 2, ADMIN)
    second = await bot.services.store.item(2)
    assert second is not None and second.breaking and second.photo


async def test_photo_with_another_caption_gets_usage_and_readers_are_refused(
    bot: Harness,
) -> None:
    bot.api.inject_photo("/foto iets", chat_id=ADMIN, user_id=ADMIN)
    [reply] = await bot.api.wait_sent(1, ADMIN)
    assert "/plaats of /breaking" in visible(reply)
    bot.api.inject_photo("/plaats PARIJS - Iets.", chat_id=1001)
    [refused] = await bot.api.wait_sent(1, 1001)
    assert "alleen voor de redactie" in visible(refused)
    assert await bot.services.store.count_items() == 0


@pytest.mark.both_backends
async def test_corrected_alert_says_when(bot: Harness) -> None:
    await bot.say("/volg Japan", chat_id=2010)
    item_id = await post(bot, "TOKIO (ANP) - Japan meldt 10 doden.")
    alert = (await bot.api.wait_sent(2, 2010))[-1]
    assert "Gecorrigeerd" not in visible(alert)
    await eventually(lambda: sent_status(bot, 2010), what="alert sent")
    await bot.say(f"/corrigeer {item_id} Japan meldt 12 doden.", chat_id=ADMIN)

    def edited() -> str | None:
        stored = bot.api.messages[2010][alert["message_id"]]
        return stored["text"] if "12 doden" in stored["text"] else None

    text = await eventually(edited, what="alert edited")
    assert CORRECTED.search(text), text
    item = await bot.services.store.item(item_id)
    assert item is not None and item.corrected_at is not None
    local = item.corrected_at.astimezone(bot.services.settings.tz)
    assert f"{local.hour:02d}:{local.minute:02d}" in text


async def test_berichten_names_a_feed_by_its_host(bot: Harness) -> None:
    now = datetime.now(bot.services.settings.tz)
    item = parse_brief("GENT (BELGA) - De Gentse Feesten beginnen.", now=now,
                       source="feed:https://feeds.example.be/nieuws.xml")
    assert (await bot.services.intake.add(item)).item is not None
    listing = await bot.say("/berichten", chat_id=ADMIN)
    assert "feeds.example.be" in listing and "feed:" not in listing


@pytest.mark.both_backends
async def test_berichten_lists_with_buttons_reach_and_retract(bot: Harness) -> None:
    await bot.say("/volg Japan", chat_id=2020)
    first = await post(bot, "TOKIO (ANP) - Japan eerst.")
    await eventually(lambda: sent_status(bot, 2020), what="alert sent")
    second = await post(bot, "OSAKA (ANP) - Japan daarna.")
    await eventually(lambda: sent_status(bot, 2020), what="second alert sent")

    listing = (await bot.api.wait_sent(0, ADMIN), await bot.say("/berichten", chat_id=ADMIN))[1]
    assert f"#{second}" in listing and f"#{first}" in listing
    assert listing.index(f"#{second}") < listing.index(f"#{first}")
    assert "1/1 bereikt" in listing and "test" in listing
    message = bot.api.sent(ADMIN)[-1]
    rows = message["reply_markup"]["inline_keyboard"]
    assert len(rows) == 2
    correct, ask, reach = rows[0]
    assert correct["switch_inline_query_current_chat"] == (
        f"/corrigeer {second} OSAKA (ANP) - Japan daarna."
    )

    before = len(bot.api.sent(ADMIN))
    bot.api.inject_callback(reach["callback_data"], chat_id=ADMIN,
                            message_id=message["message_id"])
    shown = visible((await bot.api.wait_sent(before + 1, ADMIN))[-1])
    assert f"Bereik van bericht #{second}" in shown and "Verstuurd: 1" in shown
    assert "Van opslaan tot laatste verzending:" in shown

    bot.api.inject_callback(ask["callback_data"], chat_id=ADMIN,
                            message_id=message["message_id"])
    question = (await bot.api.wait_sent(before + 2, ADMIN))[-1]
    assert f"Bericht #{second} intrekken?" in visible(question)
    yes, _ = question["reply_markup"]["inline_keyboard"][0]
    bot.api.inject_callback(yes["callback_data"], chat_id=ADMIN,
                            message_id=question["message_id"])

    def answered() -> str | None:
        text = bot.api.messages[ADMIN][question["message_id"]]["text"]
        return text if "ingetrokken" in text else None

    assert f"Bericht #{second} ingetrokken" in await eventually(answered, what="retracted")
    assert await bot.services.store.item(second, live=True) is None
    # The alert that went out is deleted.
    await eventually(
        lambda: all("daarna" not in (m.get("text") or "") for m in
                    bot.api.messages[2020].values()),
        what="sent alert deleted",
    )


async def test_prefilled_correction_is_carried_out(bot: Harness) -> None:
    item_id = await post(bot, "TOKIO (ANP) - Japan meldt 10 doden.")
    reply = await bot.say(
        f"@{bot.api.bot_username} /corrigeer {item_id} TOKIO (ANP) - Japan meldt 11 doden.",
        chat_id=ADMIN,
    )
    assert f"Bericht #{item_id} gecorrigeerd" in reply
    item = await bot.services.store.item(item_id)
    assert item is not None and item.body == "Japan meldt 11 doden."


async def test_newsroom_buttons_refuse_readers(bot: Harness) -> None:
    item_id = await post(bot, "TOKIO (ANP) - Japan.")
    await bot.say("/start", chat_id=2030)
    bot.api.inject_callback(f"a:j:{item_id}", chat_id=2030)
    await bot.api.wait_for(lambda: bot.api.callback_answers)
    assert "alleen voor de redactie" in bot.api.callback_answers[-1]["text"]
    assert await bot.services.store.item(item_id, live=True) is not None


async def test_intrekken_asks_first_and_nee_keeps_it(bot: Harness) -> None:
    item_id = await post(bot, "TOKIO (ANP) - Japan.")
    question = await bot.say(f"/intrekken {item_id}", chat_id=ADMIN)
    assert f"Bericht #{item_id} intrekken?" in question and "Japan" in question
    message = bot.api.sent(ADMIN)[-1]
    yes, no = message["reply_markup"]["inline_keyboard"][0]
    assert (yes["text"], no["text"]) == ("Ja, intrekken", "Nee")
    bot.api.inject_callback(no["callback_data"], chat_id=ADMIN, message_id=message["message_id"])
    await bot.api.wait_for(
        lambda: "blijft staan" in bot.api.messages[ADMIN][message["message_id"]]["text"]
    )
    assert await bot.services.store.item(item_id, live=True) is not None
    assert "Gebruik: /intrekken" in await bot.say(f"/intrekken {item_id} misschien",
                                                  chat_id=ADMIN)


@pytest.mark.both_backends
async def test_bereik_gives_one_items_delivery(bot: Harness) -> None:
    await bot.say("/volg Japan", chat_id=2040)
    await bot.say("/volg Japan", chat_id=2041)
    await bot.say("/overzicht 8:00", chat_id=2041)
    item_id = await post(bot, "TOKIO (ANP) - Japan.")
    await eventually(lambda: sent_status(bot, 2040), what="alert sent")
    reply = await bot.say(f"/bereik {item_id}", chat_id=ADMIN)
    for line in (
        "Gesprekken die het zochten: 2", "Verstuurd: 1", "Wachtend: 0",
        "Vastgehouden voor een overzicht of pauze: 1", "Mislukt of niet meer verstuurd: 0",
        "Verlopen",
        "Van opslaan tot laatste verzending:",
    ):
        assert line in reply, line
    assert "Gebruik: /bereik" in await bot.say("/bereik", chat_id=ADMIN)
    assert "geen bericht #99" in await bot.say("/bereik 99", chat_id=ADMIN)


@pytest.mark.both_backends
async def test_stats_shows_most_followed_and_follows_of_the_day(bot: Harness) -> None:
    for chat in (2050, 2051, 2052):
        await bot.say("/volg Japan", chat_id=chat)
    await bot.say("/volg staking", chat_id=2050)
    await bot.say("/ontvolg staking", chat_id=2050)
    since = time.time()
    assert since  # the figures below count from 24 hours before the command
    reply = await bot.say("/stats", chat_id=ADMIN)
    assert "Meest gevolgd\n1. Japan: 3" in reply
    assert "Afgelopen 24 uur: 4 keer gevolgd, 1 keer ontvolgd" in reply


async def test_help_shows_the_newsroom_commands_to_admins_only(bot: Harness) -> None:
    admin = await bot.say("/help", chat_id=ADMIN)
    for command in ("/breaking", "/berichten", "/bereik", "/intrekken"):
        assert command in admin
    reader = await bot.say("/help", chat_id=2060)
    assert "/breaking" not in reader and "/berichten" not in reader


@pytest.mark.both_backends
async def test_photo_alert_goes_as_photo_its_caption_corrected_and_deleted(bot: Harness) -> None:
    await bot.say("/volg Utrecht", chat_id=2070)
    bot.api.inject_photo(
        "/plaats UTRECHT (ANP) - Brand in de binnenstad.", chat_id=ADMIN, user_id=ADMIN,
        file_id="PHOTO-brand",
    )
    alert = (await bot.api.wait_sent(2, 2070))[-1]
    assert alert["photo"] == "PHOTO-brand" and "Brand in de binnenstad" in alert["caption"]
    assert "Je volgt: Utrecht" in visible(alert)
    await eventually(lambda: sent_status(bot, 2070), what="photo alert sent")
    item_id = (await bot.services.store.recent_items(1))[0].id
    await bot.say(f"/corrigeer {item_id} UTRECHT (ANP) - Grote brand in de binnenstad.",
                  chat_id=ADMIN)

    def caption() -> str | None:
        stored = bot.api.messages[2070][alert["message_id"]]
        return stored["caption"] if "Grote brand" in stored.get("caption", "") else None

    assert CORRECTED.search(await eventually(caption, what="caption edited"))
    assert bot.api.calls_to("editMessageCaption")
    await bot.say(f"/intrekken {item_id} ja", chat_id=ADMIN)
    await eventually(lambda: alert["message_id"] not in bot.api.messages[2070],
                     what="photo message deleted")


async def test_long_text_with_a_url_photo_goes_as_text_with_the_photo_above(
    bot: Harness,
) -> None:
    await bot.say("/volg Japan", chat_id=2080)
    long_text = "TOKIO (ANP) - Japan. " + "Een lange zin over het nieuws uit Japan. " * 40
    now = datetime.now(bot.services.settings.tz)
    item = parse_brief(long_text, now=now, source="test").with_(
        photo="https://nos.nl/foto.jpg", link="https://nos.nl/artikel/1"
    )
    await bot.services.intake.add(item)
    alert = (await bot.api.wait_sent(2, 2080))[-1]
    assert "photo" not in alert and len(visible(alert)) > 1024
    options = alert["link_preview_options"]
    assert options["url"] == "https://nos.nl/foto.jpg" and options["show_above_text"] is True


async def test_item_with_a_link_and_no_photo_shows_its_preview(bot: Harness) -> None:
    await bot.say("/volg Japan", chat_id=2090)
    now = datetime.now(bot.services.settings.tz)
    item = parse_brief("TOKIO (ANP) - Japan kiest.", now=now, source="test").with_(
        link="https://nos.nl/artikel/2"
    )
    await bot.services.intake.add(item)
    alert = (await bot.api.wait_sent(2, 2090))[-1]
    assert alert["link_preview_options"] == {
        "url": "https://nos.nl/artikel/2", "prefer_small_media": True
    }


async def test_breaking_is_never_combined_with_waiting_alerts(bot: Harness) -> None:
    """A chat with ordinary alerts waiting gets the breaking one first, as its own message."""
    await bot.say("/volg Japan", chat_id=2100)
    now = datetime.now(bot.services.settings.tz)
    items = [parse_brief(f"TOKIO (ANP) - Japan gewoon {n}.", now=now, source="test")
             for n in range(3)]
    items.append(parse_brief("TOKIO (ANP) - Japan breaking.", now=now, source="test")
                 .with_(breaking=True))
    await bot.services.intake.add_many(items)  # all waiting at once
    sent = await bot.api.wait_sent(3, 2100)
    first, combined = visible(sent[1]), visible(sent[2])
    assert "breaking" in first and "gewoon" not in first
    assert all(f"gewoon {n}" in combined for n in range(3)) and "breaking" not in combined


FEED = """<?xml version="1.0"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>t</title>
<item><title>Brand</title><link>https://n.example/1</link><guid>1</guid>
  <description>UTRECHT (ANP) - Brand.</description>
  <enclosure url="https://n.example/brand.jpg" type="image/jpeg" length="1"/></item>
<item><title>Storm</title><link>https://n.example/2</link><guid>2</guid>
  <description>Storm.</description>
  <media:content url="https://n.example/storm.mp4" medium="video"/>
  <media:content url="https://n.example/storm.jpg" medium="image"/></item>
<item><title>Regen</title><link>https://n.example/3</link><guid>3</guid>
  <description>Regen.</description>
  <media:thumbnail url="https://n.example/regen-klein.jpg"/></item>
<item><title>Geen</title><link>https://n.example/4</link><guid>4</guid>
  <description>Geen foto.</description>
  <enclosure url="https://n.example/audio.mp3" type="audio/mpeg" length="1"/>
  <media:thumbnail url="javascript:alert(1)"/></item>
</channel></rss>"""


def test_feed_entries_keep_their_image() -> None:
    """An image enclosure, media:content that is an image, or media:thumbnail; never a
    video, a sound or a non-http URL."""
    now = datetime.now().astimezone()
    items = [entry_to_item(e, "feed:x", now) for e in feedparser.parse(FEED).entries]
    assert [i.photo if i else None for i in items] == [
        "https://n.example/brand.jpg",
        "https://n.example/storm.jpg",
        "https://n.example/regen-klein.jpg",
        None,
    ]


def test_a_page_may_name_its_lead_storys_photo() -> None:
    page = parse_page(
        "Kabinet valt\nFoto: https://n.example/kabinet.jpg\n"
        "DEN HAAG (ANP) - Het kabinet is gevallen.\nMeer uit Binnenland\n"
        "UTRECHT (ANP) - Brand.\n5 minuten geleden",
        now=datetime.now().astimezone(),
    )
    assert page.article.photo == "https://n.example/kabinet.jpg"
    assert page.article.paragraphs == ("Het kabinet is gevallen.",)
    assert all(brief.photo is None for brief in page.briefs)


@pytest.mark.both_backends
async def test_breaking_news_is_a_section_start_offers_and_laatste_lists(bot: Harness) -> None:
    """After a /breaking brief, a new reader's /start offers the breaking-news topic and
    /laatste belangrijk nieuws shows the brief, whatever section the brief itself has."""
    await bot.say("/breaking TOKIO (ANP) - Zware aardbeving in Japan.", chat_id=ADMIN)
    await bot.say("/start", chat_id=2101)
    start = bot.api.sent(2101)[-1]
    texts = [b["text"] for row in start["reply_markup"]["inline_keyboard"] for b in row]
    assert texts[0] == "⚡ Belangrijk nieuws"
    reply = await bot.say("/laatste belangrijk nieuws", chat_id=2101)
    assert "Zware aardbeving in Japan" in reply
