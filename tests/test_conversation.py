"""The reader's conversation end to end: free text, /volg's guard rails and
lists, /ontvolg alles, /stop that asks, /start's buttons, lists whose items open, the
synonyms and the Dutch voice.  What the reader types, what the bot answers, what is (not)
stored.  Copy is checked by rule (:func:`check_copy`), not word for word."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import Harness, import_seed, visible
from tests.waits import eventually

GROUP = -100777
_ISO = re.compile(r"\b(?:NL|BE|DE|UA|US|FR|JP|RU|GB|NO)\b")


def check_copy(text: str) -> None:
    """The rules every reply keeps: Dutch names, not ISO codes or zone ids; not empty."""
    assert text.strip(), "an empty reply"
    assert "Europe/" not in text, text
    assert not _ISO.search(text), text


def keyboard(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


async def press(bot: Harness, message: dict[str, Any], data: str, chat_id: int = 1001) -> None:
    bot.api.inject_callback(data, chat_id=chat_id, message_id=message["message_id"])


async def keys(bot: Harness, chat_id: int = 1001) -> list[str]:
    return [s.key for s in await bot.services.store.subscriptions(chat_id)]


# -- 1. free text ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["hallo", "Goedemorgen!", "wat is het laatste nieuws?", "wat kun je?", "asdfghjkl",
     "🎉🎉", "de", "https://nos.nl/rss"],
)
async def test_free_text_without_a_topic_gets_a_pointer_never_silence(
    bot: Harness, text: str
) -> None:
    await import_seed(bot)
    reply = await bot.say(text)
    check_copy(reply)
    assert "/laatste" in reply or "/volg" in reply
    assert await keys(bot) == []  # free text never follows anything by itself


@pytest.mark.both_backends
async def test_free_text_naming_a_topic_answers_with_its_news_and_buttons(bot: Harness) -> None:
    await import_seed(bot)
    reply = await bot.say("Oekraïne")
    check_copy(reply)
    assert "Het nieuwste over Oekraïne" in reply and "1. " in reply and "KYIV" in reply
    message = bot.api.sent(1001)[-1]
    buttons = keyboard(message)
    follow = next(b for b in buttons if b["text"].startswith("🔔 Volg"))
    assert [b["text"] for b in buttons if b["text"].isdigit()][:2] == ["1", "2"]
    assert await keys(bot) == []
    await press(bot, message, follow["callback_data"])
    await bot.api.wait_sent(len(bot.api.sent(1001)) + 1, 1001)
    assert "Je volgt nu Oekraïne (land)" in visible(bot.api.sent(1001)[-1])
    assert await keys(bot) == ["r:UA"]


async def test_a_question_with_a_topic_is_about_that_topic(bot: Harness) -> None:
    await import_seed(bot)
    reply = await bot.say("wat is er nieuws over de staking?")
    assert "Het nieuwste over staking" in reply and "Louvre" in reply


async def test_a_known_word_without_news_offers_to_follow(bot: Harness) -> None:
    reply = await bot.say("dijkbewaking")
    assert "Nog geen nieuws over dijkbewaking" in reply
    [follow] = keyboard(bot.api.sent(1001)[-1])
    assert follow["callback_data"] == "f:a:dijkbewaking"


async def test_a_sticker_in_private_gets_the_pointer(bot: Harness) -> None:
    before = len(bot.api.sent(1001))
    bot.api.push_update({"message": {
        "message_id": 9000, "date": 0, "chat": {"id": 1001, "type": "private"},
        "from": {"id": 1001, "is_bot": False, "first_name": "Test"},
        "sticker": {"file_id": "x", "file_unique_id": "x", "type": "regular", "width": 1,
                    "height": 1, "is_animated": False, "is_video": False},
    }})
    [reply] = (await bot.api.wait_sent(before + 1, 1001))[before:]
    assert "/laatste" in visible(reply)


async def test_in_groups_only_a_mention_is_answered(bot: Harness) -> None:
    await import_seed(bot)
    bot.api.inject_message("Oekraïne", chat_id=GROUP, user_id=7, chat_type="supergroup")
    name = (await bot.app.bot.get_me()).username
    reply = await bot.say(f"@{name} Oekraïne", chat_id=GROUP, user_id=7, chat_type="supergroup")
    assert "Het nieuwste over Oekraïne" in reply
    # The plain message before it got nothing: the mention's answer is the only one.
    assert len(bot.api.sent(GROUP)) == 1


# -- 2. /volg guard rails --------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "rule"),
    [("de", "bijna elk bericht"), ("van de", "bijna elk bericht"), ("a", "te kort"),
     ("x", "te kort"), ("1234", "getal"), ("https://nos.nl/rss", "geen websites"),
     ("www.nu.nl", "geen websites")],
)
async def test_volg_refuses_what_cannot_be_followed_and_stores_nothing(
    bot: Harness, term: str, rule: str
) -> None:
    reply = await bot.say(f"/volg {term}")
    check_copy(reply)
    assert rule in reply and "/volg" in reply  # an explanation with an example
    assert await keys(bot) == []


@pytest.mark.parametrize(("term", "label"), [("VN", "Verenigde Naties"), ("EU", "Europese Unie"),
                                             ("NS", "Nederlandse Spoorwegen"),
                                             ("OM", "Openbaar Ministerie"),
                                             ("VS", "Verenigde Staten"), ("EK", "EK"),
                                             ("A2", "A2")])
async def test_known_short_names_are_followed(bot: Harness, term: str, label: str) -> None:
    reply = await bot.say(f"/volg {term}")
    assert f"Je volgt nu {label}" in reply
    assert len(await keys(bot)) == 1


async def test_the_alias_note_names_the_other_forms_in_agreement(bot: Harness) -> None:
    reply = await bot.say("/volg VN")
    assert "Ook ‘VN’ en ‘UN’ tellen mee." in reply
    reply = await bot.say("/volg OM")
    assert "Ook ‘OM’ telt mee." in reply


@pytest.mark.both_backends
@pytest.mark.parametrize("text", ["Oekraïne, Rusland", "Oekraïne; Rusland", "Oekraïne en Rusland",
                                  "Oekraïne Rusland"])
async def test_a_list_follows_each_part_with_one_reply(bot: Harness, text: str) -> None:
    before = len(bot.api.sent(1001))
    reply = await bot.say(f"/volg {text}")
    assert "Je volgt nu Oekraïne (land) en Rusland (land)." in reply
    assert sorted(await keys(bot)) == ["r:RU", "r:UA"]
    assert "Zo werkt het" in await bot.say("/help")
    assert len(bot.api.sent(1001)) == before + 2  # one reply, then /help's


async def test_a_list_with_a_bad_part_follows_the_rest_and_names_the_refusal(
    bot: Harness
) -> None:
    reply = await bot.say("/volg staking, de, Rotterdam")
    assert "Je volgt nu staking (onderwerp) en Rotterdam (gemeente)." in reply
    assert "‘de’ staat in bijna elk bericht" in reply
    assert len(await keys(bot)) == 2


async def test_a_name_with_en_is_not_split(bot: Harness) -> None:
    reply = await bot.say("/volg Bosnië en Herzegovina")
    assert "Je volgt nu Bosnië en Herzegovina (land)." in reply
    assert len(await keys(bot)) == 1


async def test_follow_links_keep_the_same_rules(bot: Harness) -> None:
    reply = await bot.say("/start volg-de")  # a hand-made link to a stop word
    assert "bijna elk bericht" in reply
    assert await keys(bot) == []


async def test_a_forged_follow_button_keeps_the_same_rules(bot: Harness) -> None:
    await bot.say("/help")
    await press(bot, bot.api.sent(1001)[-1], "f:a:de")
    await bot.api.wait_sent(2, 1001)
    assert "bijna elk bericht" in visible(bot.api.sent(1001)[-1])
    assert await keys(bot) == []


# -- 3. /ontvolg alles -----------------------------------------------------------------


@pytest.mark.both_backends
async def test_ontvolg_alles_asks_then_removes_every_follow_keeping_settings(
    bot: Harness
) -> None:
    await bot.say("/volg staking, Rotterdam, Japan")
    await bot.say("/stil 23-7")
    await bot.say("/overzicht 8:00")
    reply = await bot.say("/ontvolg alles")
    assert "alle 3 onderwerpen" in reply
    assert len(await keys(bot)) == 3  # asked, nothing removed yet
    question = bot.api.sent(1001)[-1]
    await press(bot, question, "x:nee")
    await bot.api.wait_for(lambda: "verandert niets" in visible(
        bot.api.messages[1001][question["message_id"]]))
    assert len(await keys(bot)) == 3
    await bot.say("/ontvolg alles")
    question = bot.api.sent(1001)[-1]
    await press(bot, question, "x:alles")
    await bot.api.wait_for(lambda: "Je volgt niets meer" in visible(
        bot.api.messages[1001][question["message_id"]]))
    assert "3 onderwerpen ontvolgd" in visible(bot.api.messages[1001][question["message_id"]])
    assert await keys(bot) == []
    chat = await bot.services.store.chat(1001)
    assert chat is not None and chat.quiet_from == 23 * 60 and chat.overview == "08:00"


async def test_ontvolg_a_list(bot: Harness) -> None:
    await bot.say("/volg staking, Japan")
    reply = await bot.say("/ontvolg staking, Japan, Rusland")
    assert "Je volgt staking en Japan niet meer." in reply
    assert "Je volgde Rusland (land) niet." in reply
    assert await keys(bot) == []


# -- 6. every item in a list opens -----------------------------------------------------


async def test_laatste_5_rows_open_the_whole_item(bot: Harness) -> None:
    await import_seed(bot)
    reply = await bot.say("/laatste 5")
    assert reply.splitlines()[2].startswith("1. ")
    message = bot.api.sent(1001)[-1]
    numbers = keyboard(message)
    assert [b["text"] for b in numbers] == ["1", "2", "3", "4", "5"]
    before = len(bot.api.sent(1001))
    await press(bot, message, numbers[0]["callback_data"])
    [full] = (await bot.api.wait_sent(before + 1, 1001))[before:]
    assert "PARIJS" in visible(full) and len(visible(full)) > len(reply.splitlines()[2])


async def test_an_opened_item_that_was_retracted_says_so(bot: Harness) -> None:
    await import_seed(bot)
    await bot.say("/laatste 1")
    message = bot.api.sent(1001)[-1]
    [number] = keyboard(message)
    item = await bot.services.store.item(int(number["callback_data"][2:]))
    assert item is not None
    await bot.services.intake.retract(item)
    before = len(bot.api.sent(1001))
    await press(bot, message, number["callback_data"])
    [gone] = (await bot.api.wait_sent(before + 1, 1001))[before:]
    assert "niet meer" in visible(gone)


async def test_a_shared_item_opens_in_full_from_its_start_link(bot: Harness) -> None:
    await import_seed(bot)
    [item] = await bot.services.store.newest(1, kind="brief")
    replies = await bot.replies(f"/start bericht-{item.id}", 1)
    assert item.dateline and item.dateline in replies[0]


# -- 8. /stop asks first ---------------------------------------------------------------


async def test_stop_asks_and_cancel_keeps_everything(bot: Harness) -> None:
    await bot.say("/volg Japan")
    reply = await bot.say("/stop")
    assert "Weet je het zeker?" in reply
    question = bot.api.sent(1001)[-1]
    assert [b["callback_data"] for b in keyboard(question)] == ["x:stop", "x:nee"]
    await press(bot, question, "x:nee")
    await bot.api.wait_for(lambda: "verandert niets" in visible(
        bot.api.messages[1001][question["message_id"]]))
    assert await keys(bot) == ["r:JP"]


async def test_in_a_group_only_admins_confirm_stop(bot: Harness) -> None:
    bot.api.set_admins(GROUP, [7])
    await bot.say("/volg Japan", chat_id=GROUP, user_id=7, chat_type="supergroup")
    await bot.say("/stop", chat_id=GROUP, user_id=7, chat_type="supergroup")
    question = bot.api.sent(GROUP)[-1]
    bot.api.inject_callback("x:stop", chat_id=GROUP, user_id=8,
                            message_id=question["message_id"])
    await bot.api.wait_for(lambda: bot.api.callback_answers)
    assert "beheerders" in bot.api.callback_answers[-1]["text"]
    assert await keys(bot, GROUP) == ["r:JP"]


# -- 9. /start ---------------------------------------------------------------------------


async def test_start_for_a_new_reader_offers_one_tap_beginnings(bot: Harness) -> None:
    await import_seed(bot)  # its page is "Meer uit Buitenland"
    reply = await bot.say("/start")
    check_copy(reply)
    assert len([line for line in reply.splitlines() if line.strip()]) == 3
    message = bot.api.sent(1001)[-1]
    texts = [b["text"] for b in keyboard(message)]
    assert "🔔 Buitenland" in texts and "📍 Kies je regio" in texts
    assert not any("Belangrijk nieuws" in t for t in texts)  # the newsroom has none
    buitenland = next(b for b in keyboard(message) if b["text"] == "🔔 Buitenland")
    await press(bot, message, buitenland["callback_data"])
    await bot.api.wait_sent(len(bot.api.sent(1001)) + 1, 1001)
    assert await keys(bot) == ["s:buitenland"]
    before = len(bot.api.sent(1001))
    await press(bot, message, "x:regio")
    [picker] = (await bot.api.wait_sent(before + 1, 1001))[before:]
    provinces = [b["text"] for b in keyboard(picker)]
    assert "Noord-Holland" in provinces and "Limburg" in provinces


async def test_start_offers_breaking_news_when_the_newsroom_has_it(bot: Harness) -> None:
    from datetime import UTC, datetime

    from bot.news.parse import parse_brief

    item = parse_brief("DEN HAAG (ANP) - Het kabinet is gevallen.", now=datetime.now(UTC),
                       section="Belangrijk nieuws")
    await bot.services.intake.add(item)
    await bot.say("/start")
    texts = [b["text"] for b in keyboard(bot.api.sent(1001)[-1])]
    assert texts[0] == "⚡ Belangrijk nieuws"


async def test_start_for_a_returning_reader_says_what_they_follow(bot: Harness) -> None:
    await bot.say("/volg Japan")
    reply = await bot.say("/start")
    assert "Je volgt 1 onderwerp;" in reply


# -- 10. one voice ---------------------------------------------------------------------


@pytest.mark.parametrize(("synonym", "command"), [("/volgen Japan", "/volg Japan"),
                                                  ("/instellingen", "/mijn"),
                                                  ("/nieuws 3", "/laatste 3")])
async def test_synonyms_answer_as_their_command_and_stay_out_of_the_menu(
    bot: Harness, synonym: str, command: str
) -> None:
    await import_seed(bot)
    first = await bot.say(synonym, chat_id=1001)
    second = await bot.say(command, chat_id=1002)
    assert first.replace("al;", "").split()[:3] == second.replace("al;", "").split()[:3]
    menu = [name for name, _ in bot.api.commands]
    assert {"volgen", "nieuws", "instellingen"}.isdisjoint(menu)


async def test_laatste_takes_number_words_and_caps_at_twenty(bot: Harness) -> None:
    await import_seed(bot)
    reply = await bot.say("/laatste vijf")
    assert "Het nieuwste" in reply
    assert re.search(r"^5\. ", reply, re.M) and not re.search(r"^6\. ", reply, re.M)
    reply = await bot.say("/laatste 25")
    assert "nieuwste 20" in reply


async def test_times_say_nederlandse_tijd_and_errors_share_their_phrasing(bot: Harness) -> None:
    quiet = await bot.say("/stil 23-7")
    check_copy(quiet)
    assert "Nederlandse tijd" in quiet
    assert "Nederlandse tijd" not in await bot.say("/stil uit")
    overview = await bot.say("/overzicht 7:30,18:00")
    check_copy(overview)
    assert "om 07:30 en om 18:00" in overview and "één overzicht" not in overview
    bad_quiet = await bot.say("/stil 25-7")
    bad_overview = await bot.say("/overzicht 25:00")
    assert "‘25-7’ is geen geldige tijd." in bad_quiet
    assert "‘25:00’ is geen geldige tijd." in bad_overview


async def test_an_overview_due_tomorrow_says_morgen(bot: Harness) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    evening = datetime(2026, 6, 1, 17, 30, tzinfo=ZoneInfo("Europe/Amsterdam")).timestamp()
    assert bot.services.overviews is not None
    bot.services.overviews.set_clock(lambda: evening)
    assert "Het volgende komt morgen om 08:00." in await bot.say("/overzicht 8:00")
    assert "Het volgende komt om 18:00." in await bot.say("/overzicht 18:00")


# -- 5. an alert names every follow it matched -------------------------------------------


@pytest.mark.both_backends
async def test_an_alert_names_every_follow_it_matched_most_specific_first(bot: Harness) -> None:
    await bot.say("/volg Rotterdam, staking")
    await bot.services.store.subscribe(1001, "k:de", "de")  # followed before the guard rails
    before = len(bot.api.sent(1001))
    from tests.conftest import ADMIN

    await bot.say("/plaats ROTTERDAM (ANP) - De staking in de haven gaat door.", chat_id=ADMIN)
    [alert] = (await bot.api.wait_sent(before + 1, 1001))[before:]
    text = visible(alert)
    assert "Je volgt: staking, Rotterdam, de" in text
    rows = alert["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in rows] == [
        "Ontvolg staking", "Ontvolg Rotterdam", "Ontvolg de", "Deel"
    ]
    # Each button unfollows its own follow; the others stay.
    bot.api.inject_callback(rows[2][0]["callback_data"], chat_id=1001,
                            message_id=alert["message_id"])

    async def de_gone() -> bool:
        return "k:de" not in await keys(bot)

    await eventually(de_gone, what="the follow of 'de' removed by its button")
    assert len(await keys(bot)) == 2  # staking and Rotterdam stay


async def test_an_alert_has_at_most_four_unfollow_buttons(bot: Harness) -> None:
    await bot.say("/volg Rotterdam, staking, haven, Nederland, Zuid-Holland")
    assert len(await keys(bot)) == 5
    before = len(bot.api.sent(1001))
    from tests.conftest import ADMIN

    await bot.say("/plaats ROTTERDAM (ANP) - De staking in de haven gaat door.", chat_id=ADMIN)
    [alert] = (await bot.api.wait_sent(before + 1, 1001))[before:]
    texts = [row[0]["text"] for row in alert["reply_markup"]["inline_keyboard"]]
    assert len(texts) == 5 and texts[-1] == "Deel"  # four unfollow buttons, then share
    assert texts[:2] == ["Ontvolg staking", "Ontvolg haven"]
    reason = next(line for line in visible(alert).splitlines() if line.startswith("Je volgt:"))
    for name in ("staking", "haven", "Rotterdam", "Nederland", "Zuid-Holland"):
        assert name in reason
