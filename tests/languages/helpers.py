"""What the language tests share: browsers' preferences and the English-word detector."""

import re
from html.parser import HTMLParser

SPANISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "es-MX,es;q=0.9,en;q=0.5"}
ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}

ENGLISH_ONLY = set(
    [
        "the",
        "your",
        "you",
        "and",
        "with",
        "this",
        "that",
        "what",
        "when",
        "how",
        "walk",
        "walks",
        "walking",
        "today",
        "yesterday",
        "week",
        "minutes",
        "pain",
        "before",
        "after",
        "please",
        "save",
        "sign",
        "back",
        "have",
        "been",
        "were",
        "will",
        "would",
        "should",
        "about",
        "from",
        "for",
        "are",
        "was",
        "not",
        "any",
        "our",
        "their",
        "there",
        "here",
        "more",
        "each",
        "next",
        "than",
        "then",
        "into",
        "which",
        "who",
        "why",
        "yes",
        "only",
        "also",
        "again",
        "still",
        "start",
        "stop",
        "show",
        "hide",
        "open",
        "close",
        "see",
        "log",
        "day",
        "days",
        "your",
        "answer",
        "answers",
        "question",
        "questions",
        "help",
        "call",
        "now",
        "new",
        "change",
        "changes",
        "home",
        "page",
    ]
)
READ_ALOUD = ("alt", "title", "aria-label", "placeholder")


# Place names of the time zone database, shown as they are (America/New York).
TIME_ZONE_NAME = re.compile(r"^\s*[A-Z][a-z]+/[A-Za-z_ /-]+\s*$")


class VisibleWords(HTMLParser):
    """The words a reader sees or hears: text outside scripts and styles, and the
    attributes a screen reader speaks. Text marked as English on purpose (lang="en-gb":
    the line to show staff at the emergency department) is left out."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self.skipping = 0
        self.english = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag in ("script", "style"):
            self.skipping += 1
        if (values.get("lang") or "").startswith("en") and tag != "html":
            self.english.append(tag)
            self.skipping += 1
        self.texts += [values[name] for name in READ_ALOUD if values.get(name)]
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.texts.append(values["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skipping -= 1
        if self.english and self.english[-1] == tag:
            self.english.pop()
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping and not TIME_ZONE_NAME.match(data):
            self.texts.append(data)


def english_words(html: str) -> set[str]:
    parser = VisibleWords()
    parser.feed(html)
    words = set(re.findall(r"[A-Za-z]+", " ".join(parser.texts).lower()))
    return words & ENGLISH_ONLY
