"""The scenario model: organic life, planted campaigns, organic look-alikes, and the writers.

Sizes scale with ``comments`` (the committed sample uses 30,000): each planted campaign and
each look-alike is instantiated once per 30,000 comments (at least once), with its own accounts
and, for replicas, its own talking points.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import itertools
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import polars as pl

from . import texts as T

__all__ = ["Scenario", "build", "generate"]

START = datetime(2024, 10, 7, tzinfo=UTC)
DAYS = 21
MSK = timedelta(hours=3)  # the exporting machine's local time for Telegram's "date"
UNIT = 30_000  # comments per instance of every planted style
_T0 = START.timestamp()
_T1 = _T0 + DAYS * 86400
BRICS_START = datetime(2024, 10, 22, 6, tzinfo=UTC).timestamp()  # the summit: 22-24 October
# Relative activity per hour of the day (UTC): low at night in Moscow/Kyiv (UTC+2/+3).
_HOURLY = [2, 1, 1, 2, 4, 6, 8, 9, 9, 9, 9, 9, 9, 10, 10, 11, 12, 12, 11, 9, 7, 5, 4, 3]


@dataclass
class Account:
    platform: str
    aid: str
    name: str
    label: str = "organic"  # a campaign id, or "organic"
    lookalike: str = ""  # organic look-alike type, or "" (background) / "campaign"


@dataclass
class Thread:
    platform: str
    key: str  # canonical thread_id
    owner: int  # VK wall owner / Telegram chat id / 0
    post_id: int
    created: float
    topic: str = "general"
    lang: str = "ru"
    comments: list[Comment] = field(default_factory=list)


@dataclass
class Comment:
    thread: Thread
    account: Account
    ts: float
    text: str
    label: str = "organic"
    lookalike: str = ""
    parent: Comment | None = None
    broken: str = ""  # reject reason this record is written to trigger, or ""
    cid: str = ""  # canonical comment_id, set by the writer
    native_id: int = 0
    repost: Comment | None = None  # a plain re-share (retweet) of this original
    link: str = ""  # a link target written behind a per-post wrapper (t.co)


@dataclass
class Scenario:
    """A generated scenario: its comments, threads, planted campaigns and look-alikes."""

    seed: int
    comments: list[Comment] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    threads: dict[str, list[Thread]] = field(default_factory=dict)
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    posts: list[tuple[str, str, str, float]] = field(default_factory=list)  # platform rows
    # that are posts, not comments: (platform, comment_id, account_id, time)


class _Ids:
    """Unique, platform-shaped account ids drawn from one seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[tuple[str, str]] = set()

    def new(self, platform: str) -> str:
        while True:
            if platform == "vk":
                v = str(self.rng.randint(100_000_000, 899_999_999))
            elif platform == "telegram":
                v = f"user{self.rng.randint(100_000_000, 7_999_999_999)}"
            elif platform == "twitter":
                v = str(self.rng.randint(10**17, 19 * 10**17))
            else:
                v = f"f{self.rng.randint(10_000, 9_999_999)}"
            if (platform, v) not in self.used:
                self.used.add((platform, v))
                return v


_FIRST = [
    "Анна",
    "Иван",
    "Ольга",
    "Сергей",
    "Мария",
    "Дмитрий",
    "Елена",
    "Алексей",
    "Наталья",
    "Андрей",
    "Юлия",
    "Павел",
    "Ирина",
    "Олег",
    "Татьяна",
    "Максим",
    "Оксана",
    "Тарас",
]
_LAST = [
    "Иванов",
    "Петрова",
    "Смирнов",
    "Кузнецова",
    "Попов",
    "Соколова",
    "Лебедев",
    "Козлова",
    "Новиков",
    "Морозова",
    "Шевченко",
    "Коваленко",
    "Бондаренко",
    "Ткаченко",
]


def _diurnal(rng: random.Random, t0: float, t1: float) -> float:
    """Return a time in [t0, t1) following the hourly activity curve (rejection sampling)."""
    top = max(_HOURLY)
    while True:
        t = t0 + rng.random() * (t1 - t0)
        if rng.random() * top < _HOURLY[int(t // 3600) % 24]:
            return t


class _Builder:
    def __init__(self, seed: int, n_comments: int, real_background: bool = False) -> None:
        self.seed = seed
        self.n = n_comments
        self.real_background = real_background
        self.replicas = max(1, round(n_comments / UNIT))
        self.scale = n_comments / UNIT / self.replicas  # per-replica size factor (~1)
        self.ids = _Ids(self._rng("ids"))
        self.sc = Scenario(seed)
        self._mark = 0  # comments before this index belong to earlier campaigns

    def _rng(self, name: str) -> random.Random:
        return random.Random(f"bot_analysis-scenario:{self.seed}:{name}")

    def account(
        self, platform: str, rng: random.Random, label: str = "organic", lookalike: str = ""
    ) -> Account:
        aid = self.ids.new(platform)
        if platform == "twitter":
            name = f"{rng.choice(['news', 'anna', 'ivan', 'real', 'the', 'mr'])}_{aid[-5:]}"
        else:
            name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        a = Account(platform, aid, name, label, lookalike)
        self.sc.accounts.append(a)
        return a

    def add(
        self,
        thread: Thread,
        account: Account,
        ts: float,
        text: str,
        *,
        label: str = "organic",
        lookalike: str = "",
    ) -> Comment:
        c = Comment(
            thread, account, min(max(ts, thread.created + 1), _T1 - 1), text, label, lookalike
        )
        self.sc.comments.append(c)
        thread.comments.append(c)
        return c

    # -- the world ------------------------------------------------------------------------

    def threads(self) -> None:
        rng = self._rng("threads")
        th: dict[str, list[Thread]] = {"vk": [], "telegram": [], "twitter": [], "forum": []}
        n_walls = 25 * self.replicas
        self.vk_walls = [-rng.randint(10_000_000, 99_999_999) for _ in range(n_walls)]
        for owner in self.vk_walls:
            pid = rng.randint(1000, 90000)
            t = _T0
            while True:
                t += rng.expovariate(6 / 86400)
                if t >= _T1 - 3600:
                    break
                pid += rng.randint(1, 3)
                th["vk"].append(Thread("vk", f"{owner}_{pid}", owner, pid, t))
        self.tg_chat = rng.randint(1_100_000_000, 1_999_999_999)
        t = _T0
        mid = 1
        while True:
            t += rng.expovariate(8 * self.replicas / 86400)
            if t >= _T1 - 3600:
                break
            th["telegram"].append(Thread("telegram", "", self.tg_chat, mid, t, lang="uk"))
            mid += 1
        for _ in range(300 * self.replicas):
            t = _diurnal(rng, _T0, _T1 - 3600)
            root = str(rng.randint(10**18, 19 * 10**17 + 10**18))
            th["twitter"].append(Thread("twitter", root, 0, 0, t, lang="en"))
        for i in range(50 * self.replicas):
            t = _diurnal(rng, _T0, _T1 - 3600)
            th["forum"].append(Thread("forum", f"topic{1000 + i}", 0, 0, t))
        for v in th.values():
            v.sort(key=lambda x: x.created)
        # fan community wall: match threads (the fan group's home)
        self.fan_walls = []
        for r in range(self.replicas):
            owner = -rng.randint(10_000_000, 99_999_999)
            self.fan_walls.append(owner)
            for m in range(6):
                t = _T0 + (2 + m * 3.3) * 86400 + 16 * 3600 + rng.random() * 3600
                th["vk"].append(
                    Thread("vk", f"{owner}_{500 + m}", owner, 500 + m, t, topic=f"match{r}")
                )
        self.sc.threads = th
        # popularity weights (heavy tailed) for organic comment placement
        weights = {k: [rng.paretovariate(1.2) for _ in v] for k, v in th.items()}
        self.cum_weights = {k: list(itertools.accumulate(w)) for k, w in weights.items()}

    def pick_thread(self, rng: random.Random, platform: str, t: float | None = None) -> Thread:
        threads = self.sc.threads[platform]
        if t is None:
            return rng.choices(threads, cum_weights=self.cum_weights[platform])[0]
        # a thread created before t, preferring recent ones
        lo = 0
        hi = len(threads)
        while lo < hi:
            mid = (lo + hi) // 2
            if threads[mid].created < t:
                lo = mid + 1
            else:
                hi = mid
        if lo == 0:
            return threads[0]
        back = min(lo, 1 + int(rng.expovariate(1 / 6)))
        return threads[lo - back]

    def background(self) -> None:
        rng = self._rng("background")
        tags = self._rng("tags")  # everyday hashtags on tweets (a long tail; own stream)
        total = int(self.n * 0.55)
        split = {"vk": 0.6, "telegram": 0.2, "twitter": 0.15, "forum": 0.05}
        for platform, share in split.items():
            need = int(total * share)
            slots: list[Account] = []
            while len(slots) < need:
                a = self.account(platform, rng)
                k = min(int(rng.paretovariate(1.3)), 120)
                slots.extend([a] * k)
            slots = slots[:need]
            rng.shuffle(slots)
            for a in slots:
                th = self.pick_thread(rng, platform)
                ts = th.created + rng.expovariate(1 / (3 * 3600))
                lang = th.lang if platform != "telegram" else rng.choice(["ru", "uk"])
                if platform == "twitter":
                    lang = rng.choice(["en", "en", "ru"])
                text = T.organic_text(rng, lang)
                if platform == "twitter" and tags.random() < 0.25:
                    text += f" #{tags.choice(T.WORDS[lang])}{min(int(tags.paretovariate(1.1)), 99)}"
                self.add(th, a, ts, text)

    # -- planted campaigns ------------------------------------------------------------------

    def _points(self, base: list[str], r: int, rng: random.Random) -> list[str]:
        if r == 0:
            return list(base)
        # replicas push their own talking points: invented sentences of the same length
        return [
            " ".join(rng.choice(T.RU_WORDS) for _ in range(len(p.split()))).capitalize()
            for p in base
        ]

    def _campaign(
        self,
        cid: str,
        style: str,
        accounts: list[Account],
        points: list[str],
        extra: dict[str, Any],
    ) -> None:
        comments = [c for c in self.sc.comments[self._mark :] if c.label == cid]
        self._mark = len(self.sc.comments)
        self.sc.campaigns.append(
            {
                "campaign_id": cid,
                "style": style,
                "platforms": sorted({a.platform for a in accounts}),
                "n_accounts": len(accounts),
                "n_comments": len(comments),
                "start": _iso(min(c.ts for c in comments)),
                "end": _iso(max(c.ts for c in comments)),
                "talking_points": points,
                **extra,
            }
        )

    def brics_burst(self, r: int) -> None:
        rng = self._rng(f"brics{r}")
        cid = f"brics_burst_{r}"
        accounts = [
            self.account("vk", rng, cid, "campaign")
            for _ in range(max(20, round(150 * self.scale)))
        ]
        points = self._points(T.BRICS_POINTS, r, rng)
        link = T.BRICS_URL if r == 0 else f"https://brics{r}.example/news?utm_source=vk"
        t0 = BRICS_START + r * 3600 * 5 % (86400 * 3)
        t1 = t0 + 46 * 3600
        walls = set(rng.sample(self.vk_walls, min(15, len(self.vk_walls))))
        posts = [th for th in self.sc.threads["vk"] if th.owner in walls and t0 <= th.created < t1]
        target = max(200, round(4000 * self.scale))
        per_post = max(3, target // max(1, len(posts)))
        n = 0
        for th in posts:
            wave = rng.sample(accounts, min(len(accounts), max(3, int(rng.gauss(per_post, 4)))))
            for a in wave:
                text = T.obfuscate(rng.choice(points), rng)
                if rng.random() < 0.45:
                    text += " " + link
                self.add(
                    th,
                    a,
                    th.created + rng.uniform(60, 50 * 60),
                    text,
                    label=cid,
                    lookalike="campaign",
                )
                n += 1
        self._campaign(cid, "fast_burst", accounts, points, {"link": link})

    def slow_sync(self, r: int) -> None:
        rng = self._rng(f"slow{r}")
        cid = f"slow_sync_{r}"
        accounts = [
            self.account("vk", rng, cid, "campaign") for _ in range(max(12, round(30 * self.scale)))
        ]
        points = self._points(T.SLOW_POINTS, r, rng)
        walls = rng.sample(self.vk_walls, 2)
        t0 = _T0 + 3 * 86400
        t1 = t0 + 10 * 86400
        posts = [th for th in self.sc.threads["vk"] if th.owner in walls and t0 <= th.created < t1]
        for th in posts:
            k = rng.randint(8, min(15, len(accounts)))
            for a in rng.sample(accounts, k):
                text = T.obfuscate(rng.choice(points), rng, k=1)
                self.add(
                    th, a, th.created + rng.uniform(60, 300), text, label=cid, lookalike="campaign"
                )
        self._campaign(cid, "slow_synchronized", accounts, points, {"walls": walls})

    def hashtag_push(self, r: int) -> None:
        rng = self._rng(f"push{r}")
        cid = f"hashtag_push_{r}"
        accounts = [
            self.account("twitter", rng, cid, "campaign")
            for _ in range(max(20, round(60 * self.scale)))
        ]
        tag = T.PUSH_HASHTAG if r == 0 else f"#Кампания{r}Мир"
        url = T.PUSH_URL if r == 0 else f"https://push{r}.example/go"
        points = self._points(T.PUSH_POINTS, r, rng)
        t0 = datetime(2024, 10, 23, 9, tzinfo=UTC).timestamp() + r * 7200
        for a in accounts:
            for _ in range(rng.randint(5, 10)):
                ts = t0 + rng.uniform(0, 3 * 3600)
                th = self.pick_thread(rng, "twitter", ts)
                text = f"{rng.choice(points)} {tag}"
                if rng.random() < 0.7:
                    text += f" {url}"
                if rng.random() < 0.5:
                    text = T.obfuscate(text, rng, k=1)
                self.add(th, a, ts, text, label=cid, lookalike="campaign")
        self._campaign(cid, "hashtag_push", accounts, points, {"hashtag": tag, "link": url})

    def cross_platform(self, r: int) -> None:
        rng = self._rng(f"cross{r}")
        cid = f"cross_platform_{r}"
        k = max(8, round(20 * self.scale))
        vk = [self.account("vk", rng, cid, "campaign") for _ in range(k)]
        tg = [self.account("telegram", rng, cid, "campaign") for _ in range(k)]
        points = self._points(T.CROSS_POINTS, r, rng)
        url = T.CROSS_URL if r == 0 else f"https://cross{r}.example/truth"
        t0 = datetime(2024, 10, 24, 12, tzinfo=UTC).timestamp() + r * 3600
        for w in range(20):
            tw = t0 + w * 3600 * 1.2
            for platform, pool in (("vk", vk), ("telegram", tg)):
                for a in rng.sample(pool, max(3, k * 2 // 5)):
                    ts = tw + rng.uniform(0, 600)
                    th = self.pick_thread(rng, platform, ts)
                    text = T.obfuscate(rng.choice(points), rng, k=rng.randint(0, 2)) + " " + url
                    self.add(th, a, ts, text, label=cid, lookalike="campaign")
        self._campaign(cid, "cross_platform", vk + tg, points, {"link": url})

    # -- organic look-alikes ----------------------------------------------------------------

    def viral_news(self, r: int) -> None:
        rng = self._rng(f"viral{r}")
        t0 = datetime(2024, 10, 15, 14, tzinfo=UTC).timestamp() + r * 86400 * 0.37
        url = T.NEWS_URL if r == 0 else f"https://lenta-news.example/story{r}"
        news = [th for th in self.sc.threads["vk"] if t0 <= th.created < t0 + 4 * 3600][:6]
        news += [th for th in self.sc.threads["telegram"] if t0 <= th.created < t0 + 4 * 3600][:2]
        if not news:
            news = [self.pick_thread(rng, "vk", t0 + 3600)]
        for _ in range(round(2500 * self.scale)):
            th = rng.choice(news)
            a = self.account(th.platform, rng, "organic", "viral_news")
            text = T.organic_text(rng, "ru", T.NEWS_WORDS["ru"])
            if rng.random() < 0.4:
                text += " " + url
            self.add(th, a, th.created + rng.expovariate(1 / 3600), text, lookalike="viral_news")

    def common_phrases(self, r: int) -> None:
        rng = self._rng(f"common{r}")
        for _ in range(round(2500 * self.scale)):
            platform = rng.choice(["vk", "vk", "telegram", "twitter"])
            a = self.account(platform, rng, "organic", "common_phrase")
            th = self.pick_thread(rng, platform)
            ts = th.created + rng.expovariate(1 / 7200)
            self.add(th, a, ts, rng.choice(T.COMMON_PHRASES), lookalike="common_phrase")

    def meme(self, r: int) -> None:
        rng = self._rng(f"meme{r}")
        text = T.MEME if r == 0 else f"{T.MEME} (версия {r})"
        for _ in range(round(300 * self.scale)):
            platform = rng.choice(["vk", "telegram"])
            a = self.account(platform, rng, "organic", "meme")
            ts = _diurnal(rng, _T0 + 3600, _T1 - 3600)
            self.add(self.pick_thread(rng, platform, ts), a, ts, text, lookalike="meme")

    def quote(self, r: int) -> None:
        rng = self._rng(f"quote{r}")
        t0 = _T0 + (8 + r % 10) * 86400
        for _ in range(round(200 * self.scale)):
            platform = rng.choice(["vk", "telegram", "twitter"])
            a = self.account(platform, rng, "organic", "quote")
            ts = _diurnal(rng, t0, t0 + 5 * 86400)
            text = T.QUOTE + rng.choice(["", "", " — В. Цой", " 🎸", "!"])
            self.add(self.pick_thread(rng, platform, ts), a, ts, text, lookalike="quote")

    def hyperactive(self, r: int) -> None:
        rng = self._rng(f"hyper{r}")
        for i in range(10):
            platform = "vk" if i < 7 else "telegram"
            a = self.account(platform, rng, "organic", "hyperactive")
            hello = T.GREETINGS[i]
            for _ in range(round(150 * self.scale)):
                ts = _diurnal(rng, _T0, _T1 - 3600)
                text = hello if rng.random() < 0.3 else T.organic_text(rng, "ru")
                self.add(self.pick_thread(rng, platform, ts), a, ts, text, lookalike="hyperactive")

    def fan_group(self, r: int) -> None:
        rng = self._rng(f"fans{r}")
        fans = [
            self.account("vk", rng, "organic", "fan_group")
            for _ in range(max(15, round(40 * self.scale)))
        ]
        owner = self.fan_walls[r]
        for th in (t for t in self.sc.threads["vk"] if t.owner == owner):
            for a in rng.sample(fans, int(len(fans) * 0.75)):
                for _ in range(rng.randint(2, 6)):
                    ts = th.created + rng.uniform(0, 110 * 60)
                    self.add(
                        th,
                        a,
                        ts,
                        T.organic_text(rng, "ru", T.FOOTBALL_WORDS),
                        lookalike="fan_group",
                    )

    # -- re-shares, links behind wrappers, replies, bursts (real platforms' shapes) ----------

    def _original(self, rng: random.Random, ts: float, lookalike: str) -> Comment:
        """Return an authored tweet by a new organic account, for others to re-share."""
        a = self.account("twitter", rng, "organic", lookalike)
        th = self.pick_thread(rng, "twitter", ts)
        return self.add(th, a, ts, T.organic_text(rng, "ru"), lookalike=lookalike)

    def _repost(self, orig: Comment, a: Account, ts: float, label: str, lookalike: str) -> None:
        c = self.add(orig.thread, a, ts, orig.text, label=label, lookalike=lookalike)
        c.repost = orig

    def repost_ring(self, r: int) -> None:
        """Plant a ring of accounts re-sharing the same originals.

        20 accounts re-sharing the same 30 originals (by 30 unrelated authors) within
        seconds of each other, over ten days: co-retweet, no authored text at all.
        """
        rng = self._rng(f"ring{r}")
        cid = f"repost_ring_{r}"
        ring = [
            self.account("twitter", rng, cid, "campaign")
            for _ in range(max(10, round(20 * self.scale)))
        ]
        t0 = _T0 + (2 + r % 5) * 86400
        for k in range(30):
            orig = self._original(rng, t0 + k * 8 * 3600 + rng.uniform(0, 3600), "source")
            go = orig.ts + rng.uniform(120, 1800)
            for a in rng.sample(ring, rng.randint(len(ring) * 3 // 5, len(ring) * 9 // 10)):
                self._repost(orig, a, go + rng.uniform(0, 20), cid, "campaign")
        self._campaign(cid, "repost_ring", ring, [], {})

    def repost_wave(self, r: int) -> None:
        """Organic: one viral post re-shared once each by 1,500 accounts within an hour."""
        rng = self._rng(f"wave{r}")
        t0 = datetime(2024, 10, 12, 15, tzinfo=UTC).timestamp() + r * 86400 * 0.41
        orig = self._original(rng, t0, "source")
        for _ in range(round(1500 * self.scale)):
            a = self.account("twitter", rng, "organic", "repost_wave")
            self._repost(
                orig, a, orig.ts + min(3500, rng.expovariate(1 / 900)), "organic", a.lookalike
            )

    def live_event(self, r: int) -> None:
        """Organic: thousands of accounts on one hashtag for three hours (a televised debate).

        One to three tweets each, in their own words.
        """
        rng = self._rng(f"live{r}")
        tag = "#Дебаты2024" if r == 0 else f"#Дебаты{r}"
        t0 = datetime(2024, 10, 18, 17, tzinfo=UTC).timestamp() + r * 86400 * 0.29
        for _ in range(round(2000 * self.scale)):
            a = self.account("twitter", rng, "organic", "live_event")
            for _ in range(rng.choice([1, 1, 1, 2, 3])):
                ts = t0 + rng.uniform(0, 3 * 3600)
                text = f"{T.organic_text(rng, 'ru')} {tag}"
                self.add(self.pick_thread(rng, "twitter", ts), a, ts, text, lookalike="live_event")

    def bots_in_bursts(self, r: int) -> None:
        """Plant accounts that meet inside organic hashtag bursts.

        5 accounts that meet, within a minute or two, inside six organic hashtag bursts of
        200 accounts each, in their own words: co-action hidden in crowds.
        """
        rng = self._rng(f"inburst{r}")
        cid = f"bots_in_bursts_{r}"
        bots = [self.account("twitter", rng, cid, "campaign") for _ in range(5)]
        t0 = _T0 + (5 + r % 7) * 86400 + 0.5 * 86400
        for k in range(6):
            tag = f"#Шоу{r}x{k}"
            start = t0 + k * 26 * 3600
            for _ in range(round(200 * self.scale)):
                a = self.account("twitter", rng, "organic", "burst_crowd")
                ts = start + rng.uniform(0, 1800)
                text = f"{T.organic_text(rng, 'ru')} {tag}"
                self.add(self.pick_thread(rng, "twitter", ts), a, ts, text, lookalike="burst_crowd")
            go = start + rng.uniform(300, 1500)
            for a in bots:
                ts = go + rng.uniform(0, 90)
                text = f"{T.organic_text(rng, 'ru')} {tag}"
                self.add(
                    self.pick_thread(rng, "twitter", ts),
                    a,
                    ts,
                    text,
                    label=cid,
                    lookalike="campaign",
                )
        self._campaign(cid, "bots_in_bursts", bots, [], {})

    def link_push(self, r: int) -> None:
        """25 accounts pushing one article in their own words.

        Each tweet's link a per-post t.co wrapper: only the expanded target (in the export's
        entities) is shared.
        """
        rng = self._rng(f"linkpush{r}")
        cid = f"link_push_{r}"
        accounts = [
            self.account("twitter", rng, cid, "campaign")
            for _ in range(max(10, round(25 * self.scale)))
        ]
        # four articles, two waves each: an edge needs two distinct shared items (by design)
        targets = [
            f"https://pravda-segodnya.example/2024/10/{20 + r % 9}/statya-{r}-{k}" for k in range(4)
        ]
        t0 = datetime(2024, 10, 20, 8, tzinfo=UTC).timestamp() + r * 3 * 3600
        for w in range(8):
            go = t0 + w * 6 * 3600
            target = targets[w % 4]
            for a in rng.sample(accounts, rng.randint(len(accounts) // 2, len(accounts) * 4 // 5)):
                ts = go + rng.uniform(0, 300)
                th = self.pick_thread(rng, "twitter", ts)
                c = self.add(th, a, ts, T.organic_text(rng, "ru"), label=cid, lookalike="campaign")
                c.link = target
        self._campaign(cid, "link_push_wrapped", accounts, [], {"links": targets})

    def reply_brigade(self, r: int) -> None:
        """15 accounts answering the same 12 comments within minutes, in their own words."""
        rng = self._rng(f"brigade{r}")
        cid = f"reply_brigade_{r}"
        brigade = [
            self.account("vk", rng, cid, "campaign") for _ in range(max(8, round(15 * self.scale)))
        ]
        t0 = _T0 + (9 + r % 6) * 86400
        for k in range(12):
            ts = t0 + k * 9 * 3600 + rng.uniform(0, 3600)
            th = self.pick_thread(rng, "vk", ts)
            author = self.account("vk", rng, "organic", "reply_target")
            target = self.add(th, author, ts, T.organic_text(rng, "ru"), lookalike="reply_target")
            go = ts + rng.uniform(60, 900)
            for a in rng.sample(brigade, rng.randint(len(brigade) // 2, len(brigade) * 4 // 5)):
                c = self.add(
                    th,
                    a,
                    go + rng.uniform(0, 240),
                    T.organic_text(rng, "ru"),
                    label=cid,
                    lookalike="campaign",
                )
                c.parent = target
        self._campaign(cid, "reply_brigade", brigade, [], {})

    def templated_push(self, r: int) -> None:
        """Plant a templated push: openers and claims mixed, in waves.

        40 accounts posting, in six waves over two days, texts built from one of five
        openers, one of six claims, the hashtag and an emoji: no shared link, no thread of
        their own; whole texts fall into dozens of small clusters, the claims are shared.
        """
        rng = self._rng(f"templated{r}")
        cid = f"templated_push_{r}"
        accounts = [
            self.account("vk", rng, cid, "campaign") for _ in range(max(15, round(40 * self.scale)))
        ]
        tag = T.TEMPLATE_HASHTAG if r == 0 else f"#Выбор{r}"
        claims = T.TEMPLATE_CLAIMS if r == 0 else self._points(T.TEMPLATE_CLAIMS, r, rng)
        t0 = datetime(2024, 10, 16, 7, tzinfo=UTC).timestamp() + r * 5 * 3600
        for w in range(6):
            go = t0 + w * 8 * 3600
            k = rng.randint(len(accounts) // 2, len(accounts) * 4 // 5)
            for a in accounts if w == 0 else rng.sample(accounts, k):  # everyone posts once
                ts = go + rng.uniform(0, 600)
                text = (
                    f"{rng.choice(T.TEMPLATE_OPENERS)} {rng.choice(claims)} {tag} "
                    f"{rng.choice(T.EMOJI)}"
                )
                th = self.pick_thread(rng, "vk", ts)
                self.add(th, a, ts, text, label=cid, lookalike="campaign")
        self._campaign(cid, "templated_push", accounts, claims, {"hashtag": tag})

    def slot_automation(self, r: int) -> None:
        """Organic (not a campaign).

        A game's bot posting "Recent events for: NAME - I killed MONSTER" for 30 players,
        each at its own times, in sessions: automated template posting, which a reviewer
        wants to see as such and not as coordination.
        """
        rng = self._rng(f"automation{r}")
        monsters = ["Araxxi", "Vorago", "Telos", "Nex", "Zulrah", "Kalphite Queen", "Jad"]
        finds = ["a dragon pickaxe", "a pet", "an abyssal whip", "a crystal key"]
        skills = ["Attack", "Slayer", "Mining", "Magic", "Prayer"]
        for _ in range(max(10, round(30 * self.scale))):
            a = self.account("forum", rng, "organic", "template_automation")
            name = (
                f"{rng.choice(['Bard', 'Zezima', 'Lynx', 'Mod', 'Iron'])}{rng.randint(1, 999):03d}"
            )
            for _ in range(rng.randint(3, 6)):  # play sessions
                t = _diurnal(rng, _T0, _T1 - 7200)
                for _ in range(rng.randint(2, 6)):
                    t += rng.uniform(60, 900)
                    u = rng.random()
                    if u < 0.5:
                        text = f"Recent events for: {name} - I killed {rng.choice(monsters)}."
                    elif u < 0.8:
                        text = f"Recent events for: {name} - I found {rng.choice(finds)}."
                    else:
                        text = (
                            f"Recent events for: {name} - I levelled my {rng.choice(skills)} "
                            f"skill, I am now level {rng.randint(50, 99)}."
                        )
                    th = self.pick_thread(rng, "forum", t)
                    self.add(th, a, t, text, lookalike="template_automation")

    # -- replies and broken records ---------------------------------------------------------

    def finish(self) -> None:
        rng = self._rng("finish")
        for threads in self.sc.threads.values():
            for th in threads:
                th.comments.sort(key=lambda c: (c.ts, c.account.aid))
                tops: list[Comment] = []
                for c in th.comments:
                    if c.parent is not None or c.repost is not None:
                        continue  # a planted reply keeps its parent; a re-share answers none
                    if (
                        tops
                        and c.label == "organic"
                        and c.lookalike != "reply_target"
                        and rng.random() < 0.2
                    ):
                        c.parent = rng.choice(tops[-20:])
                    if c.parent is None:
                        tops.append(c)
        # deliberately broken records among organic background comments
        for c in self.sc.comments:
            if c.label != "organic" or c.lookalike or c.parent is not None:
                continue
            p = c.thread.platform
            u = rng.random()
            if p == "vk" and u < 0.004:
                c.broken = "missing_text"  # attachment-only comment: "text": ""
            elif p == "telegram" and u < 0.004:
                c.broken = "missing_text"  # sticker-only message
            elif p == "twitter" and u < 0.002:
                c.broken = "bad_timestamp"  # created_at null
            elif p == "forum" and u < 0.01:
                c.broken = rng.choice(["wrong_column_count", "naive_timestamp", "missing_id"])

    def build(self) -> Scenario:
        self.threads()
        if not self.real_background:  # else real comments are the background (see generate)
            self.background()
        for r in range(self.replicas):
            self.brics_burst(r)
            self.slow_sync(r)
            self.hashtag_push(r)
            self.cross_platform(r)
            self.viral_news(r)
            self.common_phrases(r)
            self.meme(r)
            self.quote(r)
            self.hyperactive(r)
            self.fan_group(r)
            self.repost_ring(r)
            self.repost_wave(r)
            self.live_event(r)
            self.bots_in_bursts(r)
            self.link_push(r)
            self.reply_brigade(r)
            self.slot_automation(r)
            self.templated_push(r)
        self.finish()
        return self.sc


def build(seed: int = 0, comments: int = UNIT, real_background: bool = False) -> Scenario:
    """Build the scenario in memory (deterministic for a seed and a size).

    With ``real_background`` no ordinary background is generated (a real one is planted into).
    """
    return _Builder(seed, comments, real_background).build()


def real_background(path: str | Path) -> pl.DataFrame:
    """Three weeks of a real dump.

    Read by the tool's own ingest and shifted by whole days so that they start on the scenario's
    first day: comment_id, account_id, created_at, text, thread_id, platform (a generic file's
    comments count as VK's, as the bundled VK set is).
    """
    from ..ingest import read_inputs

    c = read_inputs([path]).comments.filter(pl.col("account_id").is_not_null())
    if c.height == 0:
        raise ValueError(f"{path}: no comments with an account to plant into")
    earliest = cast(datetime, c["created_at"].min())
    first = earliest.replace(hour=0, minute=0, second=0, microsecond=0)
    window = c.filter(pl.col("created_at") < first + timedelta(days=DAYS))
    shift = START - first
    return (
        window.with_columns(
            pl.col("created_at") + shift,
            pl.col("platform").replace("generic", "vk"),
            pl.col("thread_id").cast(pl.String),
        )
        .select("comment_id", "account_id", "created_at", "text", "thread_id", "platform")
        .sort("created_at", "comment_id")
    )


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


# ---------------------------------------------------------------------------------------------
# Writers: each returns {file name: {reason: count}} of deliberately broken records.


def _gz(path: Path, data: bytes) -> None:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=6) as g:
        g.write(data)
    path.write_bytes(buf.getvalue())


def _write_vk(sc: Scenario, dumps: Path) -> dict[str, dict[str, int]]:
    rng = random.Random(f"vkwrite:{sc.seed}")
    lines = []
    broken: dict[str, int] = {}
    next_id: dict[int, int] = {}
    for th in sc.threads["vk"]:
        if not th.comments:
            continue
        for c in th.comments:  # ids grow with time on a wall
            nid = next_id.get(th.owner, rng.randint(1000, 50000)) + rng.randint(1, 4)
            next_id[th.owner] = nid
            c.native_id = nid
            c.cid = f"{th.owner}_{nid}"
        items = []
        by_parent: dict[int, list[dict]] = {}
        authors: dict[str, Account] = {}
        for c in th.comments:
            a = c.account
            authors[a.aid] = a
            item: dict[str, Any] = {
                "id": c.native_id,
                "from_id": int(a.aid),
                "post_id": th.post_id,
                "owner_id": th.owner,
                "parents_stack": [],
                "date": int(c.ts),
                "text": "" if c.broken == "missing_text" else c.text,
                "likes": {"can_like": 1, "count": int(rng.expovariate(0.5)), "user_likes": 0},
            }
            if c.broken:
                broken[c.broken] = broken.get(c.broken, 0) + 1
                item["attachments"] = [{"type": "sticker", "sticker": {"sticker_id": 9}}]
            if c.parent is not None:
                item["parents_stack"] = [c.parent.native_id]
                item["reply_to_comment"] = c.parent.native_id
                item["reply_to_user"] = int(c.parent.account.aid)
                by_parent.setdefault(c.parent.native_id, []).append(item)
            else:
                items.append(item)
        for item in items:
            replies = by_parent.get(item["id"], [])
            item["thread"] = {
                "count": len(replies),
                "items": replies[:10],
                "can_post": True,
                "show_reply_button": True,
                "groups_can_post": True,
            }
            # replies beyond the first 10 come from a separate comment_id call: add them flat
        flat_extra = [r for item in items for r in by_parent.get(item["id"], [])[10:]]
        resp = {
            "count": len(th.comments),
            "current_level_count": len(items),
            "can_post": True,
            "items": items + flat_extra,
            "profiles": [
                {
                    "id": int(a.aid),
                    "first_name": a.name.split()[0],
                    "last_name": a.name.split()[-1],
                    "can_access_closed": True,
                    "is_closed": False,
                }
                for a in sorted(authors.values(), key=lambda x: x.aid)
            ],
            "groups": [
                {
                    "id": -th.owner,
                    "name": f"Сообщество {-th.owner}",
                    "screen_name": f"club{-th.owner}",
                    "type": "page",
                    "is_closed": 0,
                }
            ],
        }
        lines.append(json.dumps({"response": resp}, ensure_ascii=False))
    _gz(dumps / "vk_wall_comments.jsonl.gz", ("\n".join(lines) + "\n").encode())
    # an overlapping re-scrape: some responses fetched again (exact duplicates)
    again = rng.sample(lines, max(1, len(lines) // 50))
    texts = [t for x in again for t in _vk_texts(json.loads(x))]
    overlap = {
        "duplicates": sum(1 for t in texts if t),
        "missing_text": sum(1 for t in texts if not t),
    }
    _gz(dumps / "vk_rescrape_overlap.jsonl.gz", ("\n".join(again) + "\n").encode())
    return {
        "vk_wall_comments.jsonl.gz": broken,
        "vk_rescrape_overlap.jsonl.gz": {k: v for k, v in overlap.items() if v},
    }


def _vk_texts(doc: dict) -> list[str]:
    out = []
    for it in doc["response"]["items"]:
        out.append(it["text"])
        out.extend(r["text"] for r in it.get("thread", {}).get("items", []))
    return out


def _write_telegram(sc: Scenario, dumps: Path) -> dict[str, dict[str, int]]:
    rng = random.Random(f"tgwrite:{sc.seed}")
    chat = sc.threads["telegram"][0].owner
    events: list[tuple[float, int, Any]] = []
    for th in sc.threads["telegram"]:
        events.append((th.created, 0, th))
        for c in th.comments:
            events.append((c.ts, 1, c))
    for _ in range(12):  # service messages: joins and pins (skipped, not rows)
        events.append((_diurnal(rng, _T0, _T1), 2, None))
    events.sort(key=lambda e: (e[0], e[1], getattr(e[2], "ts", 0)))
    msgs = []
    broken: dict[str, int] = {}
    skipped = 0
    mid = 1
    post_mid: dict[int, int] = {}
    for ts, kind, obj in events:
        base = {
            "id": mid,
            "type": "message",
            "date": datetime.fromtimestamp(int(ts), UTC)
            .replace(tzinfo=None)
            .__add__(MSK)
            .isoformat(),
            "date_unixtime": str(int(ts)),
        }
        if kind == 2:
            skipped += 1
            base.update(
                type="service",
                actor="Новый участник",
                actor_id=f"user{mid + 10**9}",
                action="join_group_by_link",
                text="",
                text_entities=[],
            )
        elif kind == 0:
            th = obj
            post_mid[id(th)] = mid
            th.key = f"{chat}:{mid}"
            th.post_id = mid
            text: Any = T.organic_text(rng, "uk")
            sc.posts.append(("telegram", f"{chat}:{mid}", f"channel{chat + 7}", ts))
            base.update(
                {
                    "from": "Новини Громади",
                    "from_id": f"channel{chat + 7}",
                    "forwarded_from": "Новини Громади",
                    "text": text,
                    "text_entities": [{"type": "plain", "text": text}],
                }
            )
        else:
            c = obj
            c.native_id = mid
            c.cid = f"{chat}:{mid}"
            a = c.account
            reply = c.parent.native_id if c.parent is not None else post_mid[id(c.thread)]
            text = "" if c.broken == "missing_text" else c.text
            entities = [{"type": "plain", "text": text}] if text else []
            if text and "https://" in text:
                pre, _, rest = text.partition("https://")
                url, sp, post = rest.partition(" ")
                parts = [
                    p for p in (pre, {"type": "link", "text": "https://" + url}, sp + post) if p
                ]
                text = parts
                entities = [
                    p if isinstance(p, dict) else {"type": "plain", "text": p} for p in parts
                ]
            base.update(
                {
                    "from": a.name,
                    "from_id": a.aid,
                    "reply_to_message_id": reply,
                    "text": text,
                    "text_entities": entities,
                }
            )
            if c.broken:
                base["sticker_emoji"] = "👍"
                base["media_type"] = "sticker"
                broken[c.broken] = broken.get(c.broken, 0) + 1
        msgs.append(base)
        mid += 1
    doc = {
        "name": "Новини Громади — обговорення",
        "type": "public_supergroup",
        "id": chat,
        "messages": msgs,
    }
    _gz(dumps / "telegram_result.json.gz", json.dumps(doc, ensure_ascii=False, indent=1).encode())
    return {"telegram_result.json.gz": {**broken, "skipped": skipped}}


_WRAP_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _write_twitter(sc: Scenario, dumps: Path) -> dict[str, dict[str, int]]:
    rng = random.Random(f"twwrite:{sc.seed}")
    out = []
    broken: dict[str, int] = {}
    comments = sorted(
        (c for th in sc.threads["twitter"] for c in th.comments),
        key=lambda c: (c.ts, c.account.aid),
    )
    base_id = 1_848_000_000_000_000_000
    for i, c in enumerate(comments):
        tid = str(base_id + i * 1000 + rng.randint(0, 999))
        c.cid = tid
        a = c.account
        parent = c.parent.cid if c.parent is not None else c.thread.key
        words = c.text.split()
        text, refs = c.text, [{"type": "replied_to", "id": parent}]
        conversation = c.thread.key
        if c.repost is not None:  # a retweet: "RT @author: text", the original inline
            o = c.repost
            text = f"RT @{o.account.name}: {o.text}"
            refs = [{"type": "retweeted", "id": o.cid, "text": o.text, "author_id": o.account.aid}]
            conversation = tid
        urls = [{"expanded_url": w} for w in words if w.startswith("https://")]
        if c.link:  # the export carries the target; the text only its per-tweet wrapper
            wrapper = "https://t.co/" + "".join(rng.choices(_WRAP_CHARS, k=10))
            text = f"{text} {wrapper}"
            urls.append({"url": wrapper, "expanded_url": c.link, "display_url": c.link[8:30]})
        tw: dict[str, Any] = {
            "id": tid,
            "text": text,
            "created_at": None
            if c.broken == "bad_timestamp"
            else datetime.fromtimestamp(c.ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "author_id": a.aid,
            "conversation_id": conversation,
            "referenced_tweets": refs,
            "public_metrics": {
                "retweet_count": 0,
                "reply_count": 0,
                "like_count": int(rng.expovariate(0.3)),
                "quote_count": 0,
            },
            "entities": {
                "hashtags": [{"tag": w[1:]} for w in words if w.startswith("#")],
                "urls": urls,
            },
            "lang": "ru" if any("а" <= ch <= "я" for ch in c.text) else "en",
            "author": {"id": a.aid, "username": a.name, "name": a.name},
        }
        if c.broken:
            broken[c.broken] = broken.get(c.broken, 0) + 1
        out.append(json.dumps(tw, ensure_ascii=False))
    # an interrupted collection run: the last line is cut off
    last = json.dumps({"id": str(base_id - 1), "text": "обрыв", "author_id": "1"})
    out.append(last[: len(last) // 2])
    broken["bad_json"] = 1
    _gz(dumps / "twitter_tweets.jsonl.gz", ("\n".join(out) + "\n").encode())
    return {"twitter_tweets.jsonl.gz": broken}


def _write_forum(sc: Scenario, dumps: Path) -> dict[str, dict[str, int]]:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["comment_id", "account_id", "created_at", "text", "thread_id", "parent_id"])
    broken: dict[str, int] = {}
    comments = sorted(
        (c for th in sc.threads["forum"] for c in th.comments), key=lambda c: (c.ts, c.account.aid)
    )
    for i, c in enumerate(comments):
        c.cid = f"m{100000 + i}"
        ts = datetime.fromtimestamp(c.ts, UTC).isoformat(timespec="seconds")
        row = [
            c.cid,
            c.account.aid,
            ts.replace("+00:00", "+00:00"),
            c.text,
            c.thread.key,
            c.parent.cid if c.parent is not None else "",
        ]
        if c.broken == "wrong_column_count":
            row.append("extra field")
        elif c.broken == "naive_timestamp":
            row[2] = ts[:19].replace("T", " ")
        elif c.broken == "missing_id":
            row[0] = ""
        if c.broken:
            broken[c.broken] = broken.get(c.broken, 0) + 1
        w.writerow(row)
    (dumps / "forum_export.csv").write_text(buf.getvalue(), encoding="utf-8", newline="")
    return {"forum_export.csv": broken}


def _write_flat(sc: Scenario, path: Path) -> None:
    """Every valid comment in one CSV without thread ids (see :func:`generate`)."""
    platform = {"vk": "vk", "telegram": "telegram", "twitter": "twitter", "forum": "generic"}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = "comment_id platform account_id created_at text parent_id repost_of links"
    w.writerow(cols.split())
    for c in sorted((c for c in sc.comments if not c.broken), key=lambda c: (c.ts, c.cid)):
        w.writerow(
            [
                c.cid,
                platform[c.thread.platform],
                c.account.aid,
                _iso(c.ts),
                c.text,
                c.parent.cid if c.parent is not None else "",
                c.repost.cid if c.repost is not None else "",
                c.link,
            ]
        )
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")


def _write_truth(
    sc: Scenario,
    truth: Path,
    broken: dict[str, dict[str, int]],
    background: pl.DataFrame | None = None,
) -> None:
    platform = {"vk": "vk", "telegram": "telegram", "twitter": "twitter", "forum": "generic"}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["platform", "account_id", "label", "lookalike", "n_comments"])
    for p, aid in sorted({(p, aid) for p, _, aid, _ in sc.posts}):
        w.writerow([p, aid, "organic", "channel", sum(1 for x in sc.posts if x[2] == aid)])
    counts: dict[int, int] = {}
    for c in sc.comments:
        if not c.broken:
            counts[id(c.account)] = counts.get(id(c.account), 0) + 1
    for a in sc.accounts:
        w.writerow([platform[a.platform], a.aid, a.label, a.lookalike, counts.get(id(a), 0)])
    if background is not None:  # real people: organic, ordinary
        for p, aid, n in (
            background.group_by("platform", "account_id").len().sort("platform", "account_id")
        ).iter_rows():
            w.writerow([p, aid, "organic", "", n])
    _gz(truth / "accounts.csv.gz", buf.getvalue().encode())
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["platform", "comment_id", "account_id", "label", "lookalike", "created_at"])
    rows = [
        (c.ts, platform[c.thread.platform], c.cid, c.account.aid, c.label, c.lookalike)
        for c in sc.comments
        if not c.broken
    ]
    rows += [(ts, p, cid, aid, "organic", "channel_post") for p, cid, aid, ts in sc.posts]
    if background is not None:
        rows += [
            (t.timestamp(), p, cid, aid, "organic", "")
            for cid, aid, t, p in background.select(
                "comment_id", "account_id", "created_at", "platform"
            ).iter_rows()
        ]
    for ts, *row in sorted(rows, key=lambda r: (r[0], r[2])):
        w.writerow([*row, _iso(ts)])
    _gz(truth / "comments.csv.gz", buf.getvalue().encode())
    (truth / "campaigns.json").write_text(
        json.dumps(sc.campaigns, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    summary = {
        "seed": sc.seed,
        "comments_valid": sum(1 for c in sc.comments if not c.broken) + len(sc.posts),
        "comments_campaign": sum(1 for c in sc.comments if c.label != "organic" and not c.broken),
        "accounts": len(sc.accounts),
        "accounts_campaign": sum(1 for a in sc.accounts if a.label != "organic"),
        "lookalikes": _tally(
            c.lookalike for c in sc.comments if c.label == "organic" and c.lookalike
        ),
        "broken_records": broken,
    }
    (truth / "scenario.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def _tally(values: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return dict(sorted(out.items()))


def generate(
    out: str | Path,
    seed: int = 0,
    comments: int = UNIT,
    background: str | Path | None = None,
    thread_less: bool = False,
) -> dict[str, Any]:
    """Build the scenario and write ``out/dumps`` and ``out/truth``; return the summary.

    With ``background`` (a real dump, e.g. the bundled VK comments), the planted campaigns
    and look-alikes go into three weeks of it instead of a generated background: its comments
    are written to ``dumps/background.csv`` and labelled organic in the truth. The same seed,
    size and background give the same bytes (gzip headers carry no time stamp).

    With ``thread_less``, the same scenario is written as one flat CSV without thread ids
    (``dumps/all_comments.csv``: comment_id, platform, account_id, created_at, text,
    parent_id, repost_of, links), as a tweet dump or a spreadsheet export has it: every
    campaign style's thread-less twin, with the same truth.
    """
    out = Path(out)
    dumps, truth = out / "dumps", out / "truth"
    dumps.mkdir(parents=True, exist_ok=True)
    truth.mkdir(parents=True, exist_ok=True)
    bg = real_background(background) if background is not None else None
    sc = build(seed, comments, real_background=bg is not None)
    broken: dict[str, dict[str, int]] = {}
    broken.update(_write_vk(sc, dumps))
    broken.update(_write_telegram(sc, dumps))
    broken.update(_write_twitter(sc, dumps))
    broken.update(_write_forum(sc, dumps))
    if bg is not None:
        bg.with_columns(pl.col("created_at").dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")).write_csv(
            dumps / "background.csv"
        )
    if thread_less:  # the per-format files gave every comment its id; now one flat file
        for f in list(dumps.iterdir()):
            if f.name != "background.csv":
                f.unlink()
        _write_flat(sc, dumps / "all_comments.csv")
    _write_truth(sc, truth, broken, bg)
    summary = json.loads((truth / "scenario.json").read_text(encoding="utf-8"))
    if bg is not None:
        summary["background"] = {"file": Path(background).name, "comments": bg.height}  # type: ignore[arg-type]
        (truth / "scenario.json").write_text(
            json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    return summary


def file_hashes(folder: str | Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (for the same-seed-same-bytes check)."""
    folder = Path(folder)
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
