"""Word pools, talking points and the obfuscation tricks bots use, for the scenario generator.

Everything here is invented for testing; talking points echo the public reporting on the BRICS
summit comment campaign (2024) so that the scenario resembles the motivating case.
"""

from __future__ import annotations

import random

RU_WORDS = (
    "сегодня вчера завтра город район улица дом школа больница дорога мост парк река погода "
    "дождь снег солнце утро вечер ночь работа зарплата цены магазин рынок хлеб молоко бензин "
    "автобус метро трамвай пробка ремонт асфальт двор соседи дети родители бабушка дедушка "
    "праздник концерт выставка музей театр кино книга новости статья фото видео комментарий "
    "вопрос ответ мнение правда ложь смысл причина результат проблема решение помощь спасибо "
    "думаю считаю знаю помню вижу слышу хочу могу нужно надо можно нельзя будет было есть "
    "очень совсем почти вообще конечно наверное кстати например зато однако поэтому потому "
    "хороший плохой новый старый большой маленький красивый странный интересный скучный "
    "дорогой дешевый быстрый медленный теплый холодный свежий вкусный тихий громкий простой "
    "сложный главный местный городской областной народный частный общий личный честный "
    "администрация мэр депутат чиновник полиция врач учитель водитель продавец инженер "
    "семья друг подруга коллега начальник сосед гость житель человек люди народ молодежь "
    "весна лето осень зима неделя месяц год выходные отпуск каникулы дача огород урожай "
    "футбол хоккей матч команда игра счет гол тренер болельщики стадион победа поражение "
    "интернет телефон компьютер сайт приложение сообщение канал группа подписка реклама "
    "собака кошка птицы лес поле озеро море берег гора остров деревня село поселок центр"
).split()
UK_WORDS = (
    "сьогодні вчора завтра місто район вулиця будинок школа лікарня дорога міст парк річка "
    "погода дощ сніг сонце ранок вечір ніч робота зарплата ціни магазин ринок хліб молоко "
    "автобус метро трамвай ремонт двір сусіди діти батьки бабуся дідусь свято концерт "
    "новини стаття фото відео коментар питання відповідь думка правда причина результат "
    "проблема рішення допомога дякую думаю вважаю знаю пам'ятаю бачу чую хочу можу треба "
    "дуже зовсім майже взагалі звичайно мабуть до речі наприклад тому однак гарний поганий "
    "новий старий великий малий красивий дивний цікавий дорогий дешевий швидкий теплий "
    "холодний свіжий смачний тихий простий складний головний місцевий народний чесний "
    "родина друг колега сусід людина люди молодь весна літо осінь зима тиждень місяць рік "
    "вихідні відпустка футбол матч команда гра рахунок гол тренер стадіон перемога "
    "світло тривога укриття волонтери збір донати підтримка фронт захисники громада"
).split()
EN_WORDS = (
    "today yesterday tomorrow city street house school hospital road bridge park river "
    "weather rain snow sun morning evening night work salary prices shop market bread milk "
    "bus subway traffic repair neighbors kids parents holiday concert museum theater movie "
    "book news article photo video comment question answer opinion truth reason result "
    "problem solution help thanks think believe know remember see hear want can need should "
    "very quite almost really probably actually however because therefore good bad new old "
    "big small beautiful strange interesting boring expensive cheap fast slow warm cold "
    "fresh tasty quiet loud simple hard main local public private fair family friend "
    "colleague boss neighbor guest people youth spring summer autumn winter week month year "
    "weekend vacation football hockey match team game score goal coach fans stadium win loss "
    "internet phone computer site app message channel group subscription ads dog cat birds"
).split()
WORDS = {"ru": RU_WORDS, "uk": UK_WORDS, "en": EN_WORDS}

NEWS_WORDS = {
    "ru": "пожар склад Казань дым эвакуация пожарные МЧС жертвы ужас кошмар видео очевидцы "
    "причина проверка следователи горит огонь всю ночь пострадавшие".split(),
}
FOOTBALL_WORDS = (
    "Рубин вперед наши судья пенальти вратарь сейв защита атака фланг угловой офсайд "
    "замена капитан форвард удар штанга перекладина трибуна кричалка шарф победим "
    "красавцы молодцы позор тренера в отставку верим гол счет таблица очки"
).split()

#: The fast-burst campaign's talking points (the BRICS summit case).
BRICS_POINTS = [
    "Россия не находится в международной изоляции, саммит БРИКС в Казани это наглядно доказал",
    "Санкции Запада теряют свое значение, страны БРИКС выбирают сотрудничество с Россией",
    "Мир больше не однополярный, БРИКС объединяет большинство человечества и его экономики",
    "Расчеты в национальных валютах освобождают нас от диктата доллара и западных банков",
    "Десятки стран хотят вступить в БРИКС, значит будущее за нами а не за Вашингтоном",
]
#: The slow synchronized campaign's scripts (local politics, posted under every new thread).
SLOW_POINTS = [
    "Опять администрация отчитывается о ремонте, а у нас во дворе яма на яме третий год подряд",
    "Кто проверял эти цифры в отчете? Деньги выделили, а ремонта никто так и не увидел",
    "Пора менять руководство района, жители устали от пустых обещаний и бесконечных отписок",
    "Соседи, подписывайте обращение к губернатору, только вместе мы добьемся проверки",
]
#: The hashtag push (X/Twitter): a rare hashtag and a link pushed within a few hours.
PUSH_HASHTAG = "#МирБезДиктата"
PUSH_URL = "https://peace-voice.example/brics-forum"
PUSH_POINTS = [
    "Весь мир видит, кто на самом деле за мир",
    "Глобальный Юг сделал свой выбор",
    "Хватит диктата одной страны",
    "The world is tired of sanctions and double standards",
    "BRICS is the voice of the global majority",
]
#: The cross-platform campaign (VK and Telegram at once, with one link).
CROSS_URL = "https://kazan-pravda.example/summit-truth"
CROSS_POINTS = [
    "Западные СМИ молчат о реальных итогах саммита, вот что они скрывают",
    "Вся правда об итогах саммита в Казани, которую вам не покажут по телевизору",
    "Читайте, пока не удалили: настоящие итоги саммита и реакция Запада",
]
BRICS_URL = "https://brics-news.example/kazan-2024?utm_source=vk"
NEWS_URL = "https://lenta-news.example/2024/10/23/sklad-pozhar"

COMMON_PHRASES = [
    "+1",
    "Согласен",
    "Согласна",
    "Слава Україні!",
    "Спасибо",
    "Спасибо!",
    "lol",
    "Класс",
    "👍",
    "Ахаха",
    "Дякую",
    "Точно",
    "Это правда",
    "Жесть",
    "Молодцы",
    "ok",
    "Браво",
    "Героям слава!",
    "Поддерживаю",
    "😂😂😂",
    "Ну да",
    "Верно",
    "Так и есть",
    "Ого",
]
MEME = (
    "Я не говорю что это плохо, я просто говорю что когда мой дед вернулся с рыбалки он сказал "
    "что рыба сегодня не клюет потому что луна не в той фазе, и с тех пор я каждый раз "
    "проверяю календарь прежде чем выйти из дома"
)
QUOTE = "Перемен требуют наши сердца, перемен требуют наши глаза"
GREETINGS = [
    "Всем доброго утра, друзья! ☀️",
    "Доброго дня всім, тримаймося!",
    "Привет всем из Казани!",
    "Good morning everyone, have a great day!",
    "Всем мира и добра 🙏",
    "Утречко доброе, соседи!",
    "Хорошего вечера всем читателям",
    "Всім гарного настрою!",
    "Добрый вечер, земляки",
    "Всех с пятницей!",
]

# --- The tricks bots use -------------------------------------------------------------------

# Cyrillic letters and the Latin letters that look the same (both directions are used).
HOMOGLYPHS = {
    "а": "a",
    "е": "e",
    "о": "o",
    "р": "p",
    "с": "c",
    "у": "y",
    "х": "x",
    "і": "i",
    "А": "A",
    "В": "B",
    "Е": "E",
    "К": "K",
    "М": "M",
    "Н": "H",
    "О": "O",
    "Р": "P",
    "С": "C",
    "Т": "T",
    "Х": "X",
}
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
EMOJI = ["🇷🇺", "💪", "👍", "🔥", "✊", "❗", "🙏", "👏", "😡", "🤝"]
GREETING_PREFIXES = [
    "Полностью согласен!",
    "Друзья,",
    "Добрый день!",
    "Так и есть.",
    "Все верно:",
    "Скажу прямо:",
    "Абсолютно точно,",
    "Коллеги,",
]
SYNONYMS = {
    "находится": ["пребывает", "оказалась"],
    "наглядно": ["ясно", "убедительно"],
    "доказал": ["показал", "подтвердил"],
    "Санкции": ["Ограничения", "Запреты"],
    "теряют": ["утрачивают"],
    "значение": ["смысл", "силу"],
    "страны": ["государства"],
    "выбирают": ["предпочитают"],
    "объединяет": ["сплачивает"],
    "большинство": ["основную часть"],
    "освобождают": ["избавляют"],
    "диктата": ["гнета", "засилья"],
    "хотят": ["желают", "стремятся"],
    "будущее": ["завтрашний день"],
    "Опять": ["Снова"],
    "ремонте": ["благоустройстве"],
    "подряд": ["кряду"],
    "проверял": ["считал"],
    "устали": ["утомились"],
    "пустых": ["бесконечных"],
    "подписывайте": ["подпишите"],
    "молчат": ["помалкивают"],
    "скрывают": ["утаивают"],
    "реальных": ["настоящих"],
}


def homoglyphs(text: str, rng: random.Random, rate: float = 0.15) -> str:
    """Swap some Cyrillic letters for their Latin look-alikes."""
    return "".join(
        HOMOGLYPHS[ch] if ch in HOMOGLYPHS and rng.random() < rate else ch for ch in text
    )


def zero_width(text: str, rng: random.Random, n: int = 3) -> str:
    """Insert invisible zero-width characters inside words."""
    chars = list(text)
    for _ in range(n):
        i = rng.randrange(1, max(2, len(chars)))
        chars.insert(i, rng.choice(ZERO_WIDTH))
    return "".join(chars)


def emoji(text: str, rng: random.Random) -> str:
    """Add emoji at the end, the start or between words."""
    e = "".join(rng.choice(EMOJI) for _ in range(rng.randint(1, 3)))
    where = rng.random()
    if where < 0.6:
        return f"{text} {e}"
    if where < 0.8:
        return f"{e} {text}"
    words = text.split()
    words.insert(rng.randrange(len(words) + 1), e)
    return " ".join(words)


def punctuation_case(text: str, rng: random.Random) -> str:
    """Change punctuation and letter case."""
    r = rng.random()
    if r < 0.3:
        text = text.upper()
    elif r < 0.5:
        text = text.lower()
    text = text.replace(",", rng.choice([",", " -", "...", ""]))
    return text + rng.choice(["!", "!!!", ".", "", "?!", "..."])


def synonym_swap(text: str, rng: random.Random, n: int = 1) -> str:
    """Replace up to ``n`` words by a synonym."""
    words = text.split()
    idx = [i for i, w in enumerate(words) if w.strip(",.!?") in SYNONYMS]
    rng.shuffle(idx)
    for i in idx[:n]:
        w = words[i]
        core = w.strip(",.!?")
        words[i] = w.replace(core, rng.choice(SYNONYMS[core]))
    return " ".join(words)


def word_order(text: str, rng: random.Random) -> str:
    """Swap two neighbouring words, or the two halves of a sentence around a comma."""
    if "," in text and rng.random() < 0.5:
        a, b = text.split(",", 1)
        return f"{b.strip()}, {a.strip()[0].lower()}{a.strip()[1:]}"
    words = text.split()
    if len(words) > 3:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words)


def greeting(text: str, rng: random.Random) -> str:
    """Prefix a greeting or agreement phrase."""
    return f"{rng.choice(GREETING_PREFIXES)} {text}"


TRICKS = [homoglyphs, zero_width, emoji, punctuation_case, synonym_swap, word_order, greeting]


def obfuscate(text: str, rng: random.Random, k: int | None = None) -> str:
    """Apply ``k`` (default 1-3) random tricks, the way operators vary a talking point."""
    k = rng.randint(1, 3) if k is None else k
    for trick in rng.sample(TRICKS, k):
        text = trick(text, rng)
    return text


def organic_text(rng: random.Random, lang: str, extra: list[str] | None = None) -> str:
    """Return a diverse organic comment: random words with a Zipf-like preference, 3-25 words."""
    pool = WORDS[lang]
    n = min(int(rng.paretovariate(1.6) * 4), 25)
    words = []
    for _ in range(max(n, 3)):
        if extra and rng.random() < 0.35:
            words.append(rng.choice(extra))
        else:
            # skewed index: frequent words are chosen more often
            words.append(pool[int(len(pool) * rng.random() ** 1.8)])
    text = " ".join(words)
    text = text[0].upper() + text[1:]
    r = rng.random()
    if r < 0.5:
        text += rng.choice([".", "!", "?", "...", ")", "!!"])
    elif r < 0.6:
        text += " " + rng.choice(EMOJI)
    return text


# A templated push: each post one opener, one claim, the hashtag and an emoji ("Мы вместе!
# Запад проиграл #тег 💪"): texts that share the claim but not the opener are not near-duplicates.
TEMPLATE_OPENERS = [
    "Мы вместе, друзья!",
    "Правда за нами, братья!",
    "Не верьте Западу никогда!",
    "Все честно и открыто!",
    "Россия сильна как никогда!",
]
TEMPLATE_CLAIMS = [
    "Запад проиграл эту войну санкций и уже не оправится",
    "Выборы прошли честно и народ сделал свой выбор сам",
    "Наша экономика растет вопреки всем прогнозам иностранных экспертов",
    "Только враги страны говорят о нарушениях на участках",
    "Явка была рекордной потому что люди верят в будущее",
    "Иностранные агенты снова пытаются расколоть наше общество изнутри",
]
TEMPLATE_HASHTAG = "#ВыборНарода"
