"""Frames for follow-ups: "follow up on PAY-12 on Friday", "make sure Alice closes PAY-12 by Friday, escalate to her
manager if not", "remind me to check the Acme renewal next week", "check in 2 hours whether OPS-4 is in progress",
"track this", "ping Sam every Monday until PAY-9 is done", "juan has until friday to finish OPS-4, hold him to it",
"look at OPS-2 again in an hour and a half", "on monday, make sure OPS-3 has moved to in progress".

A follow-up names what to watch (an issue or a deal), optionally who owns it and when to check. What it leaves out is
left empty for grounding to fill (the issue's assignee as owner) or to ask (when to check). When to check may come
first ("every friday, ping alice about PAY-10", "tomorrow, follow up on OPS-4"): it is read off the front, and the
rest of the sentence must be a follow-up of its own.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from approvals.core.intents import ActionRequest, FollowUpRequest
from understanding.dates import WEEKDAY_ABBREVIATIONS, WEEKDAYS, parse_date
from understanding.mapped import Mapped
from understanding.reading import (
    BOUNDARY,
    DATE,
    ISSUE_REF,
    KEY,
    VAGUE_DATE,
    Continuation,
    Ctx,
    Filler,
    Item,
    Read,
    clean,
    issue_value,
    unclear_date,
)

_I = re.IGNORECASE

_NOT_A_NAME = (
    r"(?!(?:on|by|before|after|in|within|at|around|to|about|re|regarding|every|for|until|till|if|when|once|and|with|actua"
    r"lly|really|definitely|finally|properly|also|still|daily|weekly|biweekly|fortnightly)\b"
    rf"|{DATE})"
)
"""What cannot be the second word of a name: "remind alice on friday" names alice, not "alice on"."""
_PERSON = rf"(?P<who>me|myself|<@[uw][a-z0-9]+(?:\|[^>]*)?>|[a-z][\w'.-]*(?:\s+{_NOT_A_NAME}[a-z][\w'.-]*)?)"
_SUBJECT = rf"(?P<issue>{ISSUE_REF})|(?P<rec>(?:the\s+)?[a-z0-9][\w&.'/-]*(?:\s+[a-z0-9][\w&.'/-]*){{0,4}}?)"
_HIM = r"(?:him|her|them)"
_NUDGE = r"(?:ping|nudge|poke|remind|bug|nag|pester|hound|remember)"
"""Asking for someone to be reminded: "ping alice", "nag sam", and "remember me" as "remind me" is written by people
for whom English is a second language (it is no request of its own: "remember alice is out" is read by no frame)."""
_HE = r"(?:he|she|they)"

# How long from now: "in 2 hours", "in an hour and a half", "in half an hour", "in 1.5 hrs", "in a couple of days"
_COUNT = (
    r"an?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|forty(?:-|\s+)five|forty|"
    r"ninety|(?:a\s+)?couple(?:\s+of)?|\d+(?:\.\d+)?"
)
_DURATION = (
    rf"(?:in|after|within)\s+(?:(?P<half_hour>half\s+an\s+hour)|(?P<n>{_COUNT})(?:\s+|(?<=\d))(?P<unit>minute|min|hour|hr|"
    r"day|week|wk|h|m|d)s?\b(?P<and_half>\s+and\s+a\s+half)?)"
)
"""How long from now, also written short: "in 2h", "in 30 mins", "in 3d"."""
_AGAIN = r"(?:again|agian|agin|agan)"
"""'again', and its usual slips ("check OPS-3 agian in 2h")."""
_DAYS = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_CLOCK = (
    r"(?:\d{1,2}(?::[0-5]\d)?\s*(?:am|pm|a\.m\.?|p\.m\.?)|(?:[01]?\d|2[0-3]):[0-5]\d(?:\s*h(?:rs)?)?|noon|midday)"
    r"(?:\s*(?:pt|pst|pdt|et|est|edt|ct|cst|cdt|mt|mst|mdt|utc|gmt|cet|cest|bst|ist|jst|aest|sgt)\b"
    r"|\s+(?:my|your)\s+time)?"
)
_AT_TIME = rf"(?:\s+(?:at\s+|around\s+|~\s*)?{_CLOCK})"
"""A time of day said after the day ("tomorrow 09:00 PT", "friday at 3pm"): the follow-up is due that day (a time
is never counted in minutes: the request has no current time to count from)."""
_DATED = rf"(?:{_CLOCK}\s+(?:on\s+)?(?=[a-z\d]))?(?:{DATE}){_AT_TIME}?"
"""A date, with the time of day said before or after it ("9am tomorrow", "friday at 3pm")."""
_WHEN = (
    rf"(?:weekly\s+|every\s+week\s+)on\s+(?P<weekly_on>{_DAYS})s?|(?:weekly\s+)?on\s+(?P<weekly_on2>{_DAYS})s\b"
    rf"|(?:(?:on|by|before|next|this|at|around|for)\s+)?(?:(?P<date>{_DATED})|(?P<vague>{VAGUE_DATE}))|{_DURATION}"
    rf"|(?P<cadence>daily|weekly|biweekly|fortnightly)"
)
"""When to check: a date ("by friday"), a time too loose to be one ("some time next month", "by the end of next week"
written on a Sunday: left empty, so grounding asks), a delay ("in 2 hrs") or how often ("weekly", and "weekly on
mondays" or "on fridays": every week on that day)."""
_EVERY = (
    r"(?:other\s+)?(?:day|weekday|morning|week)|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"(?:mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)\b|(?:\d+|two|three|four)\s+(?:days|weeks)"
)
"""How often a nudge repeats, after "every": "friday" (or "fri"), "day", "other week", "3 days"."""
_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "forty five": 45,
    "forty-five": 45,
    "ninety": 90,
    "couple": 2,
    "a couple": 2,
    "couple of": 2,
    "a couple of": 2,
}
_MINUTES = {
    "minute": 1,
    "min": 1,
    "m": 1,
    "hour": 60,
    "hr": 60,
    "h": 60,
    "day": 1440,
    "d": 1440,
    "week": 10080,
    "wk": 10080,
}


def _inflected(verbs: tuple[str, ...]) -> str:
    """The verbs as a pattern, each also with its third-person -s ("fix" and "fixes", "look at" and "looks at")."""
    forms: list[str] = []
    for verb in verbs:
        first, _, rest = verb.partition(" ")
        if first.endswith("y") and first[-2] not in "aeiou":
            third = first[:-1] + "ies"
        else:
            third = first + ("es" if first.endswith(("s", "sh", "ch", "x", "o")) else "s")
        forms += [verb, f"{third} {rest}".strip()]
    return "(?:" + "|".join(sorted((form.replace(" ", r"\s+") for form in forms), key=len, reverse=True)) + ")"


_DONE_BASE = (
    "close",
    "close out",
    "finish up",
    "button up",
    "nail down",
    "fix",
    "finish",
    "resolve",
    "ship",
    "do",
    "handle",
    "complete",
    "wrap up",
    "get",
    "move",
    "look at",
    "look into",
    "take a look at",
    "review",
    "pick up",
    "get to",
    "deal with",
    "sort out",
    "merge",
    "deploy",
    "test",
    "triage",
    "answer",
    "respond to",
    "reply to",
    "land",
    "push",
    "advance",
    "update",
)
"""What someone is to do about a record for a follow-up to check it: "make sure juan looks at it", "alice has until
friday to finish OPS-4"."""
_DONE_VERBS = _inflected(_DONE_BASE)
_DONE_PAST = (
    r"(?:closed(?:\s+out)?|fixed|finished(?:\s+up)?|buttoned\s+up|nailed\s+down|resolved|shipped|done|handled|"
    r"completed|wrapped\s+up|gotten(?:\s+to)?|got(?:\s+to)?|moved|"
    r"looked\s+(?:at|into)|taken\s+a\s+look\s+at|reviewed|picked\s+up|dealt\s+with|sorted(?:\s+out)?|merged|deployed|"
    r"tested|triaged|answered|responded\s+to|replied\s+to|landed|pushed|advanced|updated|sent|signed)"
)
"""The same, done: "if ivy hasn't moved globex to proposal by wed", "if bob hasn't closed PAY-9"."""
_WE_SHOULD = r"(?:(?:we|i)\s+(?:should|need\s+to|must|have\s+to|got\s+to|want\s+to)\s+)?"
"""Who asks a follow-up, said before it: "we should make sure alice has PAY-4 fixed by friday"."""
_ALONG = r"(?:\s+(?:forward|along|ahead|through|over\s+the\s+(?:line|finish\s+line)|across\s+the\s+line))?"
"""How a record is moved on, after it: "moves the umbrella renewal forward", "gets PAY-4 over the line"."""
_NAME = (
    r"(?:<@[uw][a-z0-9]+(?:\|[^>]*)?>|(?!(?:p[0-5]|sev[0-5]|highest|high|critical|urgent|blocker)\b)[a-z][\w'.-]*"
    r"(?:\s+(?!if\b|when\b|unless\b|in\s+case\b)[a-z][\w'.-]*)?)"
)
"""Someone to escalate to ("escalate to Bob", "loop in sam torres"); never a priority ("escalate to p1")."""
_ESCALATE_TO = (
    r"\s*,?\s+(?:then\s+)?(?:please\s+)?escalate(?:\s+(?:it|this))?(?:\s+to\s+(?:(?:her|his|their|the|my)\s+"
    rf"(?:manager|boss|lead)|{_NAME}))?"
)
"""The escalation an "if ... by <day>" leads into: "..., escalate to frank"."""

_HAS_NOT = (
    r"(?:hasn'?t|hasnt|has\s+not|haven'?t|havent|have\s+not|didn'?t|didnt|did\s+not|doesn'?t|doesnt|does\s+not|"
    r"isn'?t|isnt|is\s+not|aren'?t|arent|are\s+not|won'?t|wont)"
)
"""A verb said not to have happened: "hasn't", "hasnt" (typed without the apostrophe), "didn't"."""

_ASK_VERB = (
    r"(?:file|create|open|raise|log|make|add|assign|reassign|unassign|give|hand|move|mark|close|resolve|reopen|set|change|"
    r"update|rename|bump|push|drop|link|comment|post|remind|put|label|tag|escalate|ping|nudge|page|chase|tell|send|then|"
    r"and|please|pls)"
)
"""A word that starts another ask, which a condition said after a follow-up never runs on into ("if he hasn't started
move it to carol": the condition is the move's)."""

_NO_NEWS = (
    r"(?:if|in\s+case)\s+(?:"
    r"(?:we|i|you|they|he|she)\s+(?:still\s+)?(?:haven'?t|hasn'?t|have\s+not|has\s+not|don'?t|didn'?t|do\s+not)\s+"
    r"(?:yet\s+)?(?:heard|hear|gotten|get|got|received|seen)(?:\s+(?:anything|back|a\s+(?:thing|word|peep)|from\s+"
    r"(?:them|him|her|anyone|anybody|the\s+\w+)|an?\s+(?:reply|response|answer|update)))*(?:\s+(?:yet|by\s+then))?"
    r"|nothing\s+(?:has\s+)?(?:happened|moved|changed)(?:\s+(?:yet|by\s+then))?"
    r"|there(?:'s|\s+is|\s+has\s+been)\s+(?:still\s+)?no\s+(?:news|update|progress|movement|reply|response|word|answer)"
    r"(?:\s+(?:yet|by\s+then))?"
    r"|(?:no\s+one|nobody)\s+(?:has\s+)?(?:replied|responded|answered|picked\s+it\s+up|gotten\s+back(?:\s+to\s+(?:us|me))?)"
    r"(?:\s+(?:yet|by\s+then))?"
    rf"|(?:it|this|that|{KEY})(?:'s|\s+is)\s+still\s+(?:open|pending|unresolved|stuck|blocked|waiting)"
    r"|(?:it|this|that)\s+(?:(?:still\s+)?(?:isn'?t|is\s+not|hasn'?t\s+been)|is\s+still\s+not)\s+(?:done|closed|fixed|"
    r"resolved|sorted|shipped)(?:\s+(?:yet|by\s+then))?"
    r"|(?:there'?s\s+)?no\s+(?:movement|progress|news|update|change|reply|response|word)(?:\s+(?:yet|by\s+then))?"
    # "if procurement still hasnt sent the PO", "if the customer hasn't replied yet": something that has not happened,
    # which is what the follow-up checks
    rf"|(?!(?:it|this|that|{KEY})\b)(?:[a-z][\w'-]*\s+){{1,3}}?(?:still\s+)?{_HAS_NOT}\s+(?:yet\s+)?"
    rf"[a-z][\w'-]*(?:\s+(?!{_ASK_VERB}\b)[\w'-]+){{0,5}}?"
    # only where the follow-up's clause ends (or escalates): before another ask, the condition may be that ask's
    rf"(?=\s*(?:[.!?;]|$)|(?:\s*,\s*|\s+)(?:and\s+)?(?:then\s+)?(?:please\s+)?(?:escalate|loop|{_NUDGE}|page|chase)\b)"
    r")"
)
"""The condition every follow-up has, said: nothing happened by then ("if we haven't heard anything", "if there's no
update", "if it's still open"). It asks for no more than the follow-up does, so it is part of it."""
_MISSED = (
    # "if not", "if he misses it", "if it slips", "if nothing moves", "if it is still open", "unless it's closed"
    rf"(?:if|when)\s+(?:not|nothing|(?:{_HE}|it|that|this|{KEY})(?:'s|\s+is|\s+are)?\s+(?:miss(?:es)?|slips?|doesn'?t|"
    r"don'?t|didn'?t|isn'?t|aren'?t|hasn'?t|haven'?t|won'?t|can'?t|fails?|not|still))\b(?:\s+[\w'-]+){0,4}?"
    rf"|unless\s+(?:{_HE}|it|that|this|{KEY})\b(?:\s+[\w'-]+){{1,4}}?|{_NO_NEWS}"
    # "if the order form still isn't signed by then": something of the record that has not happened
    r"|(?:if|when)\s+(?:the|their|our|its|his|her)\s+[\w-]+(?:\s+[\w-]+){0,2}?\s+(?:still\s+)?(?:isn'?t|is\s+not|hasn'?t\s+been|"
    r"has\s+not\s+been|is\s+still\s+not|aren'?t|are\s+still\s+not|haven'?t\s+been)\s+(?:yet\s+)?[\w-]+(?:\s+(?:yet|by\s+then))?"
)
"""The condition of an escalation: the record did not move."""
_ESCALATE = re.compile(
    r"(?:,\s*|\s+)(?:and\s+)?(?:(?:please|pls|then)\s+)?(?:"
    r"(?:escalate|tell\s+(?:her|his|their|the)\s+manager|ping\s+(?:her|his|their)\s+manager)"
    rf"(?:\s+(?:it|this))?(?:\s+to\s+(?:(?:her|his|their|the|my)\s+(?:manager|boss|lead)|{_NAME}))?(?:\s+(?:{_MISSED}))?"
    # "loop in frank if he doesn't", "bring bob in if it slips": someone else brought in when it did not move
    rf"|(?:loop|bring|pull|rope)\s+(?:in\s+{_NAME}|{_NAME}\s+in)\s+(?:{_MISSED})"
    r")",
    _I,
)
_HOLD_THEM = (
    rf"(?:hold\s+{_HIM}\s+to\s+it|keep\s+{_HIM}\s+(?:honest|on\s+track|on\s+it|to\s+it)|"
    rf"make\s+sure\s+{_HE}\s+(?:does|do|delivers?|gets?\s+it\s+done|sticks?\s+to\s+it)(?:\s+it)?|"
    rf"follow\s+up\s+with\s+{_HIM}|(?:chase|ping|nudge|nag)\s+{_HIM}(?:\s+(?:on|about)\s+it)?|check\s+in\s+with\s+{_HIM}|"
    rf"check\s+on\s+{_HIM})"
)
"""What asks the bot to hold someone to what they were said to have to do ("hold him to it", "keep her honest")."""
_HOLD_ASK = (
    rf"(?:{_HOLD_THEM}|follow\s+up(?:\s+on\s+(?:it|that|this))?|follow\s+(?:it|this|that)(?:\s+through)?|"
    r"check\s+on\s+(?:it|that|this)|(?:track|watch|monitor)\s+(?:it|this|that)|keep\s+(?:an\s+)?eye\s+on\s+(?:it|this|that))"
)
"""The same, or an ask to follow what was said ("follow this", "keep an eye on it")."""
_HOLD = r"(?:\s*,\s*|\s+)(?:(?:so|and|please|pls|just)\s+)*" + _HOLD_ASK
"""What asks the bot to hold someone to what they said they would do ("..., hold him to it")."""
_OBLIGED = (
    rf"(?:needs\s+to|has\s+to|has\s+got\s+to|must|should|is\s+(?:supposed|going|meant|expected)\s+to|promised\s+to|"
    rf"agreed\s+to|said\s+{_HE}\s*(?:would|'d)|will)"
)
"""What makes a statement someone's obligation: "ivy must ...", "bob needs to ...", "sam promised to ..."."""
_BY_DATE = rf"(?:\s+(?:by|before|on|until|till|til)\s+(?P<date>{_DATED})|\s+(?P<bare_date>{_DATED}))?"
"""When it is due: "by friday", and "until friday" as people for whom English is a second language write it."""

_NOT_YET = (
    r"\s+(?:(?:still\s+)?(?:isn'?t|is\s+not|hasn'?t\s+been|has\s+not\s+been|wasn'?t|aren'?t|haven'?t\s+been)|(?:is|are)\s+still\s+not)"
    r"\s+(?:yet\s+)?(?:done|closed|fixed|resolved|shipped|finished|merged|deployed|released|live|out|signed|won|closed\s+won|"
    r"approved|booked|sorted|over\s+the\s+line)"
    r"|(?:\s*'s|\s+is|\s+are)\s+still\s+(?:open|pending|unsigned|unresolved|unassigned|stuck|blocked|waiting|on\s+hold)"
)
"""A record that has not moved: "isn't done", "still isn't signed", "is still open"."""
_STATE = (
    r"(?P<state>(?:is|isn'?t|was|wasn'?t|are|has|hasn'?t|have|had|got|gets|did|didn'?t|does|went|goes|moved|landed|"
    r"shipped|closed|merged|signed|made)\b(?:\s+[\w'-]+){0,5}?)"
)
"""What a record is to be checked for, after "whether PAY-12": a verb first ("got picked up", "is in review")."""
_STANDS = (
    r"(?:(?:'s|\s+is|\s+are)(?:\s+(?:at|going|doing|looking|progressing|moving|coming\s+along|shaping\s+up|trending))?"
    r"|\s+(?:stands?|progress(?:es)?|landed|ended\s+up|came\s+out|shook\s+out|turned\s+out))"
    # "where globex new business landed after their board meeting": when it got there
    r"(?:\s+(?:after|following|since)\s+(?:the|their|our|its|his|her|this|that)\s+[\w-]+(?:\s+[\w-]+){0,3}?)?"
)
"""Where a record stands, after "check where <record>" / "look in on how <record>": "'s at", "stands", "is
progressing", "landed after their board meeting"."""
_CHECK = (
    r"(?:(?:check|see|verify|confirm|find\s+out|double[\s-]?check|ask)\s+(?:(?:whether|if|that)\s+|(?=(?:it|this|[a-z][a-z0-9]{1"
    r",9}-\d+)\s+(?:is|has|got|was)\b))|(?:make\s+sure|ensure)"
    r"\s+(?:that\s+)?|(?:check(?:\s+(?:in\s+)?on)?|see|find\s+out|ask|look(?:\s+(?:in\s+)?(?:on|at|into))?)\s+"
    rf"(?P<where>where|how)\s+(?=.*?{_STANDS}(?:\s+(?:(?:on|by|next|this)\s+)?{DATE})?\s*(?:$|[,.;!?]))"
    r"|(?:check|look\s+at|follow\s+up\s+on|check\s+on|check\s+in\s+on|look\s+in\s+on|look\s+into|chase|"
    r"revisit)\s+(?:on\s+)?)"
)
"""What someone is reminded to do about a record. Whether-clauses first: "check whether PAY-12 ..." is never a record
called "whether PAY-12"; "check where it's at", "see how the acme renewal is going": where it stands (``_WHERE``)."""
_HOW_IT_GOES = r"(?P<how>how|where)\s+"
_GOES = r"(?:'s|\s+is|\s+are)\s+(?:going|doing|progressing|moving|coming\s+along|at)|\s+(?:goes|stands|progresses)"
"""What is followed, said as a question of how it goes: "keep track of how the Globex deal is going"."""
_NUDGE_IF_STUCK = (
    r"(?:\s*,?\s+and\s+(?:nudge|ping|chase|poke|nag|remind)\s+(?:people|folks|everyone|everybody|the\s+team|whoever|"
    r"them|(?:the\s+)?owners?)\s+(?:if|when|whenever|once)\s+(?:it|things?|that|this)\s+(?:stalls?|slips?|gets?\s+stuck|goes\s+"
    r"quiet|stops\s+moving|drags|slows\s+down))?"
)
"""The nudge every follow-up is, said after it: "..., and nudge people if it stalls"."""
_SO_TO = (
    r"(?:to|so\s+(?:that\s+)?(?:i|we|you|he|she|they|[a-z]+)\s+can|so\s+(?:that\s+)?(?:i|we|he|she|they)\s+remember\s+to)"
    r"\s+"
)
"""What links a nudge to what it is for: "remind me to check ...", "ping me monday so I can check whether ..."."""
_WHERE = _STANDS
"""After "check where <record>": "'s at", "stands", "is going"."""
_UNTIL = (
    r"(?:\s+(?:until|till|til|'til)\s+(?:(?:the|its|our|their)\s+[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2}?\s+"
    r"(?P<until_done>lands|ships|merges|goes\s+(?:out|live|in)|(?:is|gets|has\s+been)\s+(?:done|merged|shipped|fixed|"
    r"released|deployed|finished|live|out|in)|has\s+(?:landed|shipped|gone\s+(?:out|live|in)))"
    r"|(?:it'?s\s+been\s+|it\s+has\s+been\s+|it'?s\s+|it\s+is\s+|it\s+gets\s+|it\s+)?"
    r"(?P<until>[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2}?)))"
)
"""How long a nudge goes on: "till it's closed", "until it is in review", "until it ships", and until the work it
stands for is done ("until the sdk upgrade lands": resolved)."""
_WHILE = r"(?:\s+(?:while|during|as)\s+(?:the|our|their|this|that|its?)\b(?:\s+[\w'-]+){1,5}?)"
"""How long a record is watched, said as something else going on ("while the canary bakes", "during the rollout"):
no time to check, which grounding asks for."""
_ITS_PART = r"(?:[a-z][\w-]*(?:\s+[a-z][\w-]*)?)"
"""Something of a record that is to be finished: "OPS-4's runbook", "PAY-9 release notes"."""
_PART_OF_IT = (
    r"(?:(?:'s)?\s+(?:quote|contract|order\s+form|po|msa|nda|sow|proposal|invoice|renewal\s+form|fix|pr|patch|"
    r"release|deploy|runbook)(?=\s+(?:got|gets|is|was|has|have|did)\b))?"
)
"""Something of the record checked on, before what is checked ("the acme renewal quote got countersigned")."""
_FINISHED = (
    r"(?:done|written|finished|complete|completed|closed|fixed|resolved|shipped|merged|deployed|released|signed|ready|live|"
    r"out|published|reviewed|approved|in\s+place|sorted(?:\s+out)?)"
)
"""What a record (or something of it) is when a nudge stops: done, which is what an empty ``until_status`` means."""
_DONE_WITHOUT_STATUS = frozenset(
    {"closes", "ships", "lands", "merges", "merged", "landed", "out", "goes out", "live", "goes live", "sorted"}
)
"""Ends of "until it ...": the record is resolved, which is what an empty ``until_status`` means."""


_STALLED = (
    rf"(?:not|(?:there'?s\s+)?no\s+(?:movement|progress|news|update|change|reply|response)|nothing\s+(?:moves|happens|changes)"
    rf"|(?:it|this|that|{KEY}|{_HE})\s+(?:stalls?|slips?|gets?\s+stuck|goes\s+quiet|stops\s+moving|drags(?:\s+on)?|"
    r"(?:still\s+)?(?:hasn'?t|has\s+not|doesn'?t|isn'?t)\s+(?:moved?|moving|budged?)(?:\s+(?:it|this|that))?|"
    r"is\s+(?:still\s+)?stuck))"
    r"(?:\s+(?:yet|by\s+then))?"
)
"""A record that did not move by the time it is checked: "if no movement", "if it stalls", "if it hasn't moved"."""
_NUDGE_IF_STALLED = (
    rf"(?:\s*,\s*|\s+)(?:and\s+)?(?:then\s+)?(?:please\s+)?(?:{_NUDGE}|page|chase)\s+(?P<stall_who>{_NAME})\s+"
    rf"(?:(?:if|when|whenever|in\s+case)\s+{_STALLED}|{_MISSED})"
)
"""Whom to nudge when the record did not move, said after the follow-up ("..., nudge juan if no movement", "page
carol if not"): its owner, or, when the follow-up names another owner, someone to escalate to."""
_PURPOSE = (
    r"\s*,?\s+(?:(?:i|we)\s+)?(?:just\s+|really\s+)?(?:want|need|'d\s+like|would\s+like)\s+to\s+(?:know|see|check|"
    rf"confirm|make\s+sure)\s+(?:(?:if|whether|that)\s+)?(?P<purpose_issue>it|this|that|{KEY})(?:'s|\s+is|\s+has\s+been|"
    r"\s+gets|\s+got|\s+was)\s+(?:(?:actually|really|finally|properly|been)\s+)?(?P<purpose_state>[a-z][\w-]*(?:\s+[a-z][\w-]*)"
    r"{0,2}?)"
)
"""Why the follow-up is asked, said after it ("..., want to know it's staffed"): what the check is for (a status to
wait for when it names one)."""


def _m(pattern: str, ends: str = BOUNDARY) -> re.Pattern[str]:
    """A frame: it reads to the end of its clause, an "if we haven't heard anything", what it is for ("want to know
    it's staffed"), whom to nudge if nothing moved ("nudge juan if no movement") and an "escalate if not" included."""
    return re.compile(
        pattern + rf"(?:\s*,?\s+(?P<no_news>{_NO_NEWS}))?(?P<purpose>{_PURPOSE})?(?P<stall>{_NUDGE_IF_STALLED})?"
        rf"(?P<escalate>{_ESCALATE.pattern})?{ends}",
        _I,
    )


class _Frame(NamedTuple):
    """A follow-up frame: its pattern; how its groups are read ("status": a status to wait for); whether it is a
    follow-up only with a time to check ("look at OPS-2" is a look now, "look at OPS-2 tomorrow" a follow-up)."""

    pattern: re.Pattern[str]
    how: str
    needs_time: bool = False


_FRAMES: list[_Frame] = [
    # "chase PAY-4 for me", "keep after the globex deal": someone is to be chased about it; when is asked
    _Frame(
        _m(
            rf"^(?:please\s+)?(?:(?:can|could)\s+you\s+)?(?:chase|keep\s+after|keep\s+on\s+top\s+of|stay\s+on)\s+(?:{_SUBJECT})"
            rf"(?:\s+for\s+me)?(?:\s+(?:(?:on|by|next|this)\s+)?(?P<date>{_DATED}))?"
            rf"(?=\s*(?:$|[,.;!?]|\s-\s|\s+(?:and|but|it|they|he|she)\b))"
        ),
        "owned",
    ),
    # "make sure Alice closes PAY-12 by Friday (, escalate to her manager if not)", "make sure juan looks at it"
    _Frame(
        _m(
            rf"^(?:please\s+)?(?:make\s+sure|ensure|check\s+that|see\s+that)\s+{_PERSON}\s+(?:(?:actually|really|definitely|finally|"
            rf"properly)\s+)?{_DONE_VERBS}\s+(?:on\s+)?(?:{_SUBJECT})"
            rf"{_ALONG}(?:\s+(?:done|fixed|closed|resolved))?(?:\s+(?:by|before|on)\s+(?P<date>{_DATED})"
            rf"|\s+(?P<bare_date>{_DATED})|\s+{_DURATION})?"
        ),
        "owned",
    ),
    # "make sure juan has the OPS-4 runbook written by fri", "we should make sure alice has PAY-4 fixed by friday":
    # what someone is to have done by when
    _Frame(
        _m(
            rf"^(?:please\s+)?{_WE_SHOULD}(?:make\s+sure|ensure|check\s+that|see\s+that)\s+(?:that\s+)?{_PERSON}\s+"
            rf"(?:has|have|gets|got|has\s+got)\s+(?:{_SUBJECT})(?:(?:'s)?\s+{_ITS_PART})??\s+{_FINISHED}"
            rf"(?:\s+(?:by|before|on)\s+(?P<date>{_DATED})|\s+(?P<bare_date>{_DATED}))?"
        ),
        "owned",
    ),
    # "if ivy hasnt moved globex to proposal by wed escalate to frank", "if alice doesn't close PAY-4 by friday,
    # escalate to me": the escalation, said after what was to be done by when
    _Frame(
        _m(
            rf"^(?:if|in\s+case)\s+{_PERSON}\s+(?:still\s+)?(?:(?:hasn'?t|hasnt|has\s+not|haven'?t|have\s+not)\s+(?:yet\s+)?"
            rf"{_DONE_PAST}|(?:didn'?t|didnt|did\s+not|doesn'?t|doesnt|does\s+not|won'?t|wont|can'?t)\s+{_DONE_VERBS})\s+"
            rf"(?:on\s+)?(?:{_SUBJECT}){_ALONG}(?:\s+(?:to|into)\s+(?P<target>[a-z][\w-]*(?:\s+[a-z][\w-]*)?))?"
            rf"(?:\s+(?:done|fixed|closed|resolved))?\s+(?:by|before|on)\s+(?P<date>{_DATED})" + _ESCALATE_TO
        ),
        "escalated",
    ),
    # "if PAY-4 isn't done by friday, escalate to bob", "if the acme renewal hasn't been signed by the 18th escalate"
    _Frame(
        _m(
            rf"^(?:if|in\s+case)\s+(?:{_SUBJECT})\s+(?:still\s+)?(?:isn'?t|isnt|is\s+not|hasn'?t\s+been|hasnt\s+been|"
            rf"has\s+not\s+been|is\s+still\s+not)\s+(?:yet\s+)?{_FINISHED}\s+(?:by|before|on)\s+(?P<date>{_DATED})"
            + _ESCALATE_TO
        ),
        "escalated",
    ),
    # "juan has until friday to finish OPS-4, hold him to it": what someone has to do by when, and the ask to hold
    # them to it (without that ask it is only a statement)
    _Frame(
        _m(
            rf"^{_PERSON}\s+(?:has|has\s+got|'s\s+got|got)\s+(?:until|till|til|'til)\s+(?P<date>{_DATED})\s+to\s+"
            rf"{_DONE_VERBS}\s+(?:on\s+)?(?:{_SUBJECT}){_HOLD}"
        ),
        "owned",
    ),
    # "bob needs to close PAY-9 by thursday, keep him honest", "ivy promised to ship OPS-2 friday, follow up"
    _Frame(
        _m(rf"^{_PERSON}\s+{_OBLIGED}\s+{_DONE_VERBS}\s+(?:on\s+)?(?:{_SUBJECT}){_ALONG}{_BY_DATE}{_HOLD}"),
        "owned",
    ),
    # "follow up on PAY-12 on Friday", "follow up with alice on PAY-12 friday", "follow up on this in 2 hours"
    _Frame(
        _m(
            rf"^(?:please\s+)?(?:can\s+you\s+)?(?:follow[\s-]?up|check(?:\s+back)?(?:\s+in)?|circle\s+back|chase(?:\s+up)?)"
            rf"(?:\s+with\s+{_PERSON})?\s+(?:on|about|re|regarding|concerning)\s+(?:{_SUBJECT})(?:\s+(?:{_WHEN}))?"
            rf"(?:\s+with\s+(?P<who_after>me|myself|<@[uw][a-z0-9]+(?:\|[^>]*)?>|[a-z][\w'.-]*(?:\s+[a-z][\w'.-]*)?))?"
        ),
        "follow",
    ),
    # "check back tomorrow on OPS-4", "follow up friday with ivy about the hooli deal": when, before what
    _Frame(
        _m(
            rf"^(?:please\s+)?(?:can\s+you\s+)?(?:follow[\s-]?up|check(?:\s+back)?|circle\s+back)\s+(?:{_WHEN})"
            rf"(?:\s+with\s+{_PERSON})?\s+(?:on|about|re|regarding|concerning)\s+(?:{_SUBJECT})"
        ),
        "follow",
    ),
    # "set a follow-up on OPS-3", "add a reminder for PAY-12 on friday": the follow-up named as a thing to set
    _Frame(
        _m(
            rf"^(?:please\s+)?(?:(?:can|could)\s+(?:you|u)\s+)?(?:set(?:\s+up)?|add|create|put\s+in|schedule|make)\s+"
            rf"(?:a\s+|an\s+)?(?:follow[\s-]?up|reminder|check-?in)\s+(?:on|for|about|re)\s+(?:{_SUBJECT})"
            rf"(?:\s+(?:{_WHEN}))?"
        ),
        "follow",
    ),
    # "put a reminder to me for monday to check PAY-12 progress", "set a reminder for alice on friday to look at OPS-2":
    # the reminder named as a thing, for someone, and what they are to check
    _Frame(
        _m(
            rf"^(?:please\s+)?(?:(?:can|could)\s+(?:you|u)\s+)?(?:set(?:\s+up)?|add|create|put(?:\s+in)?|schedule|make|keep)\s+"
            rf"(?:a\s+|an\s+)?(?:follow[\s-]?up|reminder|check-?in)\s+(?:to|for)\s+{_PERSON}(?:\s+(?:{_WHEN}))?\s+{_SO_TO}"
            rf"{_CHECK}(?:{_SUBJECT})(?:'s)?(?:\s+(?:progress|status))?(?:\s+{_AGAIN})?(?:\s+{_STATE}|{_WHERE})?"
        ),
        "remind",
    ),
    # "ping me about the hooli deal", "nudge alice on PAY-12 friday", "ping alice about PAY-10 every friday till it's
    # closed": someone to remind about a record, maybe again and again
    _Frame(
        _m(
            rf"^(?:please\s+)?(?:{_NUDGE}|chase)\s+{_PERSON}\s+(?:about|on|re|regarding)\s+(?:{_SUBJECT})"
            rf"(?:\s+(?:{_WHEN}))?(?:\s+every\s+(?P<every>{_EVERY}))?{_UNTIL}?"
        ),
        "follow",
    ),
    # "ping alice every friday about PAY-10 till it's closed", "nag sam weekly on mondays about PAY-7", "nudge bob
    # tomorrow about the hooli deal": when, before what
    _Frame(
        _m(
            rf"^(?:please\s+)?(?:{_NUDGE}|chase)\s+{_PERSON}\s+(?:{_WHEN}|every\s+(?P<every>{_EVERY}))\s+"
            rf"(?:about|on|re|regarding)\s+(?:{_SUBJECT}){_UNTIL}?"
        ),
        "follow",
    ),
    # "weekly poke to juan about OPS-2 until it's closed", "a daily reminder for me on the hooli deal": the nudge named
    # as a thing, with how often
    _Frame(
        _m(
            rf"^(?:please\s+)?(?:(?:can|could)\s+(?:you|u)\s+)?(?:(?:set(?:\s+up)?|add|schedule|send|start|put\s+in)\s+)?"
            rf"(?:a\s+)?(?P<cadence>daily|weekly|biweekly|fortnightly)\s+(?:poke|nudge|ping|reminder|check-?in|follow[\s-]?up)s?"
            rf"\s+(?:to|for)\s+{_PERSON}\s+(?:about|on|re|regarding)\s+(?:{_SUBJECT}){_UNTIL}?"
        ),
        "follow",
    ),
    # "weekly nudge for <@U0JUAN001> on mondays until OPS-4's runbook is written", "a daily ping to sam until PAY-9
    # is merged": the nudge named as a thing, for as long as the record (or something of it) is not done
    _Frame(
        _m(
            rf"^(?:please\s+)?(?:(?:can|could)\s+(?:you|u)\s+)?(?:(?:set(?:\s+up)?|add|schedule|send|start|put\s+in)\s+)?"
            rf"(?:a\s+)?(?P<cadence>daily|weekly|biweekly|fortnightly)\s+(?:poke|nudge|ping|reminder|check-?in|follow[\s-]?up)s?"
            rf"\s+(?:to|for)\s+{_PERSON}(?:\s+on\s+(?P<weekly_on2>{_DAYS})s?)?\s+(?:until|till|til)\s+(?:{_SUBJECT})"
            rf"(?:(?:'s|\s+)\s*{_ITS_PART})?\s+(?:is|are|gets?|has\s+been|have\s+been)\s+{_FINISHED}"
        ),
        "follow",
    ),
    # "weekly check on PAY-10", "a daily look at the acme renewal until it closes": the check named as a thing, with
    # how often (the day it starts and whom it nudges may follow: ``_STARTING``, ``_NUDGE_EACH_TIME``)
    _Frame(
        _m(
            rf"^(?:please\s+)?(?:(?:can|could)\s+(?:you|u)\s+)?(?:(?:set(?:\s+up)?|add|schedule|start|put\s+in|do)\s+)?"
            r"(?:a\s+)?(?P<cadence>daily|(?P<cadence_weekly>weekly)|biweekly|fortnightly)\s+(?:check(?:-?in)?|look|"
            r"follow[\s-]?up|review)s?"
            rf"\s+(?:on|of|at|in\s+on|for|about)\s+(?:{_SUBJECT})(?(cadence_weekly)(?:\s+on\s+(?P<weekly_on2>{_DAYS})s?)?|)"
            rf"{_UNTIL}?",
            ends=rf"(?:{BOUNDARY}|(?=\s+(?:starting|beginning)\s))",
        ),
        "follow",
    ),
    # "remind me to check (on) the Acme renewal next week", "remind alice to look at PAY-12 tomorrow", "nudge me to
    # see if PAY-12 got merged"
    _Frame(
        _m(
            rf"^(?:please\s+)?{_NUDGE}\s+{_PERSON}\s+{_SO_TO}{_CHECK}(?:{_SUBJECT}){_PART_OF_IT}(?:\s+{_AGAIN})?(?:\s+{_STATE}|{_WHERE})?"
            rf"(?:\s+(?:{_WHEN}))?"
        ),
        "remind",
    ),
    # "remind me in 2 hours to check on PAY-12", "remind me tmrw to check whether PAY-12 got picked up"
    _Frame(
        _m(
            rf"^(?:please\s+)?{_NUDGE}\s+{_PERSON}\s+(?:{_WHEN})\s+{_SO_TO}{_CHECK}(?:{_SUBJECT}){_PART_OF_IT}(?:\s+{_AGAIN})?"
            rf"(?:\s+{_STATE}|{_WHERE})?"
        ),
        "remind",
    ),
    # "ping alice friday if PAY-10 isn't done", "ping me friday if the initech expansion still isn't signed", "nudge
    # sam tomorrow if OPS-4 is still open": someone to remind then, if the record has not moved
    _Frame(
        _m(
            rf"^(?:please\s+)?(?:{_NUDGE}|chase)\s+{_PERSON}\s+(?:{_WHEN})\s+(?:if|in\s+case)\s+"
            rf"(?:{_SUBJECT})(?:{_NOT_YET})(?:\s+(?:yet|by\s+then))?"
        ),
        "follow",
    ),
    # "remind me when PAY-12 is done", "let me know once OPS-4 is in progress", "ping bob when PAY-9 gets closed"
    _Frame(
        _m(
            rf"^(?:please\s+)?(?:remind|ping|tell|notify|nudge|let)\s+{_PERSON}(?:\s+know)?\s+(?:when|once|as\s+soon\s+as)"
            rf"\s+(?P<issue>{KEY}|it|this)\s+(?:is|gets|has\s+been|goes|moves)\s+(?:moved\s+)?(?:to\s+|into\s+)?"
            rf"(?P<status>[a-z][\w ]*?)"
        ),
        "status",
    ),
    # "check in 2 hours whether OPS-4 is in progress", "check on friday if PAY-12 is done", "in 2 hours, check whether
    # OPS-4 is in progress" (without a time it is a question about the issue now, which no follow-up is)
    _Frame(
        _m(
            rf"^(?:please\s+)?(?:check|verify|confirm)\s+(?:(?:{_WHEN})\s+)?(?:whether|if|that)\s+(?P<issue>{KEY}|it|this)\s+"
            r"(?:(?:is|has\s+been|got|was)\s+(?:moved\s+(?:to|into)\s+)?|(?:has\s+)?(?:made\s+it|moved|gone|went|gotten|got)\s+"
            r"(?:to|into)\s+)(?P<status>[a-z][\w ]*?)"
        ),
        "status",
        needs_time=True,
    ),
    # "make sure OPS-3 has moved to in progress by monday", "ensure PAY-12 is done by friday": a status to check for,
    # not a move to make ("check that PAY-12 is done" is the frame above: a question now unless a time is said)
    _Frame(
        _m(
            rf"^(?:please\s+)?(?:make\s+sure|ensure|see\s+(?:to\s+it\s+)?that)\s+(?:that\s+)?(?P<issue>{KEY}|it|this)\s+"
            rf"(?:is|has\s+been|has|gets|got|goes|moves|has\s+gone|ends\s+up)(?:\s+(?:moved|put|set))?(?:\s+(?:to|into))?"
            rf"\s+(?P<status>[a-z][\w ]*?)"
            rf"(?:\s+(?:{_WHEN}))?"
        ),
        "status",
    ),
    # "ping Sam every Monday until PAY-9 is done"
    _Frame(
        _m(
            rf"^(?:please\s+)?{_NUDGE}\s+{_PERSON}\s+every\s+(?P<every>{_EVERY})\s+until\s+"
            rf"(?:{_SUBJECT})\s+is\s+(?:done|closed|resolved|fixed|shipped|finished)"
        ),
        "follow",
    ),
    # "track this", "keep an eye on PAY-12", "follow this through", "watch the Acme renewal until it closes", "stay on
    # top of the globex new business"
    _Frame(
        _m(
            rf"^(?:please\s+)?(?:track|keep\s+(?:an\s+|a\s+close\s+)?eye\s+on|keep\s+tabs\s+on|keep\s+track\s+of|"
            rf"(?:stay|keep)\s+on\s+top\s+of|monitor|follow|watch)\s+(?:{_HOW_IT_GOES})?(?:{_SUBJECT})(?(how)(?:{_GOES})|"
            rf"(?:\s+through|{_UNTIL}|{_WHILE})?)(?:\s+(?:{_WHEN}))?{_NUDGE_IF_STUCK}"
        ),
        "follow",
    ),
    # "make sure PAY-9 doesn't fall through the cracks", "don't let the acme renewal slip": a watch on it, when
    # asked (no date said: grounding asks)
    _Frame(
        _m(
            rf"^(?:please\s+)?(?:(?:make\s+sure|ensure)(?P<sure>)|(?:don'?t|do\s+not|never)\s+let)\s+(?:{_SUBJECT})\s+(?(sure)(?:doesn'?t"
            rf"|does\s+not|won'?t|will\s+not|isn'?t|is\s+not)\s+(?:get\s+)?|)(?:fall\s+through\s+the\s+cracks|slip(?:\s+through"
            rf"\s+the\s+cracks)?|get\s+(?:lost|forgotten|dropped|stuck)|lost|forgotten|dropped|stall|go\s+stale|drop)"
            rf"(?:\s+(?:{_WHEN}))?"
        ),
        "follow",
    ),
    # "look at OPS-2 again in an hour and a half", "check PAY-12 again tomorrow", "revisit the acme renewal on
    # friday": a look at a record at a later time (without the time it is a look now, which is no follow-up)
    _Frame(
        _m(
            rf"^(?:please\s+)?(?:look\s+at|look\s+in\s+on|check(?:\s+on)?|re-?check|revisit|take\s+(?:another|a\s+second)"
            rf"\s+look\s+at|circle\s+back\s+(?:to|on)|come\s+back\s+to)\s+(?:{_SUBJECT})(?:\s+{_AGAIN})?(?:\s+(?:{_WHEN}))?"
            rf"(?:\s+{_AGAIN})?"
        ),
        "follow",
        needs_time=True,
    ),
]

_HELD = _Frame(_m(rf"^(?:please\s+)?(?:(?:can|could)\s+(?:you|u)\s+)?(?:please\s+)?{_HOLD_THEM}"), "held")
"""'hold her to it', 'keep him honest' in a sentence of its own, after what someone has to do was said
(``_OBLIGATION``): a follow-up on that."""
_FRAMES.append(_HELD)

_OBLIGATION = re.compile(
    rf"^{_PERSON}\s+{_OBLIGED}\s+{_DONE_VERBS}\s+(?:on\s+)?(?:{_SUBJECT}){_ALONG}{_BY_DATE}(?=\s*[.!;]*\s*$)", _I
)
"""What someone has to do about a record, said as a sentence of its own ("Ivy must update the Hooli analytics by the
end of the month."): a statement, the follow-up's owner, record and date when the message then asks to follow it."""
_HOLD_AFTER = re.compile(
    rf"(?:^\s*|[.!?;]\s+|,\s*|\s-\s)(?:(?:and|so|then|please|pls|just|(?:can|could|would)\s+(?:you|u))\s+)*{_HOLD_ASK}\b",
    _I,
)

_TIME_FIELDS = ("due_date", "due_in_minutes", "every_days")
_BACK = (
    r"(?:once|when|after|as\s+soon\s+as)\s+(?:<@[uw][a-z0-9]+(?:\|[^>]*)?>|[a-z][\w'.-]*(?:\s+[a-z][\w'.-]*)?)\s+"
    r"(?:(?:is|'s|are|gets|get|comes|come)\s+back|returns|(?:is|'s|are)\s+back\s+in\s+(?:the\s+)?office)"
    r"(?:\s+(?:from|in|to)\s+(?:the\s+|her\s+|his\s+|their\s+)?[a-z][\w'-]*(?:\s+[a-z][\w'-]*){0,2}?)?"
)
"""When someone is back ("once Kara is back from Tokyo", "when alice returns from leave"): a day nobody has said."""
_LEADING_WHEN = re.compile(
    rf"^(?:every\s+(?P<every>{_EVERY})|(?:(?:on|by|next|this|at|around)\s+)?(?P<date>{_DATED})|{_DURATION}"
    rf"|(?P<vague>{VAGUE_DATE}|at\s+some\s+(?:point|stage)|some\s*time|one\s+of\s+these\s+days|{_BACK}))\s*,?\s+"
    r"(?:(?:please\s+)?(?:can|could|would|will)\s+(?:you|u)\s+(?:please\s+|kindly\s+)?)?",
    _I,
)
"""When to check, said before what: "every friday, ping alice about PAY-10", "on monday, make sure OPS-3 ...", and
said too loosely to be a time ("at some point, follow up w sam ...", "once Kara is back from Tokyo, check in on ...":
left empty, so grounding asks when)."""


_ESCALATION_AFTER = re.compile(
    r"^(?:and\s+|but\s+|otherwise\s+)?(?:(?:if|in\s+case)\s+(?:"
    # "if it's not in progress by then": the status the follow-up waits for
    rf"(?P<said>it|this|that|{KEY})(?:(?:'s|\s+is|\s+are)\s+(?:still\s+)?not|\s+(?:still\s+)?(?:isn'?t|aren'?t))"
    r"\s+(?:yet\s+)?(?:(?:been\s+)?(?:moved|gone)\s+(?:to|into)\s+)?(?P<status>[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2}?)"
    # "if it hasn't moved to in progress"
    rf"|(?P<moved>it|this|that|{KEY})\s+(?:still\s+)?(?:hasn'?t|has\s+not)\s+(?:yet\s+)?(?:moved|gone|made\s+it)\s+"
    r"(?:to|into)\s+(?P<moved_to>[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2}?)"
    rf")|(?P<missed>{_MISSED}))"
    r"(?:\s+(?:yet|by\s+then|by\s+that\s+(?:point|time)|at\s+that\s+point))?\s*,?\s*(?:then\s+)?(?:please\s+|pls\s+)?"
    rf"escalate(?:\s+(?:it|this))?(?:\s+to\s+(?:(?:her|his|their|the|my)\s+(?:manager|boss|lead)|{_NAME}))?{BOUNDARY}",
    _I,
)
"""An escalation said after a follow-up, its condition first ("check PAY-12 again tomorrow. if it's not in progress
by then escalate to bob"; "...; if he hasn't, please escalate to Carol"): the follow-up escalates, and waits for the
status the condition names."""


def _escalation_after(piece: Mapped, ctx: Ctx) -> tuple[Item, int] | None:
    match = _ESCALATION_AFTER.match(piece.text)
    if match is None:
        return None
    values: dict[str, Any] = {"escalate": True}
    said, group = (match["said"], "status") if match["said"] else (match["moved"], "moved_to")
    if said:
        if not ctx.last_key or not _same_issue(said, {"issue": ctx.last_key}, ctx):
            return None  # a status of another issue, or of a deal: asked about
        written = clean(piece.source(match.start(group), match.end(group)))
        status = ctx.lexicon.status(written)
        if status is None or ctx.lexicon.stage(written) is not None:
            return None
        if status != "Done":
            values["until_status"] = written
    return Continuation(values, piece.source(0, match.end()).strip()), match.end()


def follow_up(piece: Mapped, ctx: Ctx) -> tuple[Item, int] | None:
    if ctx.last_kind == "followthrough.follow_up":
        escalation = _escalation_after(piece, ctx)
        if escalation is not None:
            return escalation
    lead = _LEADING_WHEN.match(piece.text)
    if lead is None:
        found = _follow_up_fields(piece, ctx, timed=False)
        if found is None:
            return _obligation(piece, ctx)
        pronoun = bool(found[0].pop("_pronoun", False))
        unclear = found[0].pop("_unclear", None)
        return Read(FollowUpRequest(**found[0]), pronoun=pronoun, question=_date_question(unclear)), found[1]
    found = _follow_up_fields(piece.slice(lead.end(), len(piece.text)), ctx, timed=True)
    if found is None:
        return None  # "on monday, move PAY-3 to done": another request's time, not a follow-up's
    fields, used = found
    pronoun = bool(fields.pop("_pronoun", False))
    when = _when(lead, ctx)
    if when is None:
        return None
    unclear = when.pop("_unclear", None) or fields.pop("_unclear", None)
    if any(fields.get(name) for name in _TIME_FIELDS) or (unclear and any(when.get(n) for n in _TIME_FIELDS)):
        # "tomorrow, follow up on PAY-12 friday": which time is meant is the person's to say, so neither is taken and
        # grounding asks when to check
        fields = {name: value for name, value in fields.items() if name not in _TIME_FIELDS}
        when = {}
    question = _date_question(unclear)
    return Read(FollowUpRequest(**fields, **when), pronoun=pronoun, question=question), lead.end() + used


def _date_question(written: str | None) -> str | None:
    """The question for a date the follow-up names that could be either of two days ("on 4/1")."""
    return unclear_date("due_date", written) if written else None


def _obligation(piece: Mapped, ctx: Ctx) -> tuple[Item, int] | None:
    """ "Ivy must update the Hooli analytics by Friday." followed in the message by "please follow this" (or "hold
    her to it"): a statement, kept for that follow-up (``Ctx.said_obligation``) and no request of its own. Without
    such an ask after it, it is no follow-up and is left to the other frames (or asked about)."""
    match = _OBLIGATION.match(piece.text.lower())
    if match is None:
        return None
    written = piece.source()
    message = ctx.request.request_text
    at = message.find(written)
    after = message[at + len(written) :] if at >= 0 else ""
    if not _HOLD_AFTER.search(after):
        return None
    fields = _fields(piece, match, "owned", ctx)
    if fields is None or fields.pop("_pronoun", False):
        return None
    ctx.said_obligation = fields
    # nothing of it is left to read: the follow-up asked for after it carries it whole (as a statement it would be
    # read again by the field its verb names: "advance the acme renewal" is no stage change here)
    return Filler(clean(written)), match.end()


def _follow_up_fields(piece: Mapped, ctx: Ctx, *, timed: bool) -> tuple[dict[str, Any], int] | None:
    """The fields of the follow-up at the head of ``piece`` and how far it reads; ``timed``: a time to check was
    said before it."""
    low = piece.text.lower()
    for frame in _FRAMES:
        match = frame.pattern.match(low)
        if match is None:
            continue
        fields = _fields(piece, match, frame.how, ctx)
        if fields is None:
            continue
        if frame.needs_time and not (timed or fields.get("due_date") or fields.get("due_in_minutes")):
            continue
        if frame.how == "escalated":
            fields["escalate"] = True
            if match.groupdict().get("target") and fields.get("issue"):
                # "if alice hasn't moved PAY-4 to in review by friday, escalate": the status it is checked for
                target = piece.source(match.start("target"), match.end("target"))
                status = ctx.lexicon.status(target)
                if status is None and ctx.lexicon.stage(target) is None:
                    continue  # "... moved PAY-4 to bob by friday": no status
                if status is not None:
                    fields["until_status"] = None if status == "Done" else clean(target)
        end = _said_after(piece, match, fields, ctx)
        expected = _EXPECTED.match(low, end)
        if expected is not None and fields.get("until_status") is None and _same_issue(expected["issue"], fields, ctx):
            status = ctx.lexicon.status(expected["status"])
            if status is not None:
                # "check OPS-3 in 2 hrs, should be in progress by then": what it is checked for
                fields["until_status"] = None if status == "Done" else clean(piece.source(*expected.span("status")))
                end = expected.end()
        starting = _STARTING.match(low, end)
        if starting is not None and fields.get("every_days"):
            # "nudge juan every week on OPS-4, starting monday": the first nudge is on that day
            first = parse_date(_without_clock(starting["date"]), today=ctx.today, order=ctx.order)
            if first is not None:
                fields["due_date"] = first
                end = starting.end()
        each = _NUDGE_EACH_TIME.match(low, end) if fields.get("every_days") else None
        if each is not None and _nudged_each_time(piece, each, fields, ctx):
            end = each.end()
        return fields, end
    return None


def _said_after(piece: Mapped, match: re.Match[str], fields: dict[str, Any], ctx: Ctx) -> int:
    """What the follow-up's clause says after it, read into ``fields``: the status a condition or a purpose names
    ("if alice hasn't moved it to in review", "want to know it's in review"), whom to nudge if nothing moved, an
    escalation. Returns where the follow-up ends: before the first of these that cannot be read (a nudge for someone
    nobody knows, a purpose about another issue), which is then left to be asked about."""

    def status_of(written: str) -> None:
        status = ctx.lexicon.status(written)
        if status is not None and fields.get("issue") and fields.get("until_status") is None:
            fields["until_status"] = None if status == "Done" else clean(written)

    if match["no_news"]:
        moved = re.search(r"\b(?:to|into)\s+(?P<status>[a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s*$", match["no_news"], _I)
        if moved is not None:
            start = match.start("no_news") + moved.start("status")
            status_of(piece.source(start, start + len(moved["status"])))
    if match["purpose"]:
        if not _same_issue(match["purpose_issue"], fields, ctx):
            return match.start("purpose")  # "..., want to know PAY-7 is staffed": about another issue
        status_of(piece.source(match.start("purpose_state"), match.end("purpose_state")))
    if match["stall"]:
        person = ctx.lexicon.person(piece.source(match.start("stall_who"), match.end("stall_who")))
        if person is None:
            return match.start("stall")  # "..., nudge the vendor if it stalls": no one to nudge
        if not fields.get("owner"):
            fields["owner"] = person  # "look at OPS-2 again in 30m and nudge juan if no movement"
        elif fields["owner"] == "me" and person != "me":
            return match.start("stall")  # "remind me friday about PAY-4, ping bob if not": who does what is asked
        elif person.casefold() != str(fields["owner"]).casefold():
            fields["escalate"] = True  # "make sure juan has it written by fri, page carol if not"
    if match["escalate"]:
        fields["escalate"] = True
    return match.end()


_EXPECTED = re.compile(
    r"\s*(?:,|;|\s-\s|\s*[\u2014\u2013])?\s*(?:and\s+|but\s+)?"
    rf"(?:(?P<issue>it|this|that|they|{KEY})(?:'s|\s+is|\s+are)?\s+)?(?:should|ought\s+to|needs?\s+to|has\s+to|must|is\s+supposed\s+to)"
    r"\s+(?:be|have\s+(?:been\s+)?(?:moved|gone)\s+(?:to|into))\s+(?:moved\s+(?:to|into)\s+)?(?P<status>[a-z][\w ]*?)"
    rf"(?:\s+by\s+(?:then|that\s+point|that\s+time|now))?{BOUNDARY}",
    _I,
)
"""What the record should have reached when it is checked, said after the follow-up ("..., should be in progress by
then"): the status it is checked for."""


def _same_issue(said: str | None, fields: dict[str, Any], ctx: Ctx) -> bool:
    """Whether an issue said after a follow-up ("it", "OPS-3") is the one followed up on."""
    if said is None or said.lower() in ("it", "this", "that", "they"):
        return True
    return bool(fields.get("issue")) and said.upper() == fields["issue"]


_STARTING = re.compile(
    rf"\s*,?\s*(?:starting|beginning|from)\s+(?:on\s+)?(?P<date>(?:{_DAYS},?\s+(?=\d{{4}}-))?{_DATED})\b", _I
)
"""The first check of a recurring one: "starting monday", "starting monday 2027-05-10" (the date says which
Monday)."""


_NUDGE_EACH_TIME = re.compile(
    rf"\s*(?:,|;|\s-)?\s*(?:and\s+)?(?:then\s+)?(?:please\s+)?(?:{_NUDGE}|chase)\s+{_PERSON}"
    rf"(?:\s+(?:each|every)\s+time)?(?P<until_said>{_UNTIL})?{BOUNDARY}",
    _I,
)
"""Whom a recurring check nudges, said after it ("weekly check on PAY-10, nudge alice each time until it's
resolved"): its owner."""


def _nudged_each_time(piece: Mapped, each: re.Match[str], fields: dict[str, Any], ctx: Ctx) -> bool:
    """Reads whom a recurring check nudges (and until when) into ``fields``; False, reading nothing, for someone
    nobody knows, another owner than the one named, or an end that is no status."""
    person = ctx.lexicon.person(piece.source(each.start("who"), each.end("who")))
    if person is None or (fields.get("owner") and str(fields["owner"]).casefold() != person.casefold()):
        return False
    until: str | None = None
    if each["until_said"]:
        if each["until_done"]:
            until = ""
        else:
            until = _until_status(clean(piece.source(each.start("until"), each.end("until"))), ctx)
            if until is None:
                return False
    fields["owner"] = person
    if until:
        fields["until_status"] = until
    return True


def _without_clock(written: str) -> str:
    """A date said with the time of day after it, without the time ("tomorrow 09:00 PT": tomorrow)."""
    return re.sub(rf"^{_CLOCK}\s+(?:on\s+)?|{_AT_TIME}$", "", written.strip(), flags=_I)


def _fields(piece: Mapped, match: re.Match[str], how: str, ctx: Ctx) -> dict[str, Any] | None:
    groups = match.groupdict()
    fields: dict[str, Any] = {}
    said: dict[str, Any] = {}
    if how == "held":
        if ctx.said_obligation is None:
            return None  # "hold him to it" with nothing said for him to do
        said = dict(ctx.said_obligation)
        fields.update({name: said[name] for name in ("issue", "account", "opportunity") if said.get(name)})
    elif groups.get("issue"):
        issue, pronoun = issue_value(groups["issue"], ctx)
        said = _said_before(ctx) if pronoun else {}
        if said:
            # "Ivy must update the Hooli analytics by Friday. Please follow this": what was said; "The Initech
            # expansion has been sitting with legal ... remind me Monday to check where it's at": that deal
            fields.update({name: said[name] for name in ("issue", "account", "opportunity") if said.get(name)})
        else:
            fields["issue"] = issue
        if pronoun and not said:
            fields["_pronoun"] = True  # "check it's done": the issue named before it in the message
    elif groups.get("rec"):
        record = ctx.lexicon.record(piece.source(match.start("rec"), match.end("rec")))
        if record is None or not (record.account and ctx.lexicon.account(record.account)):
            return None  # "follow up on the discussion": not a record anyone can check
        if record.opportunity and not all(ctx.lexicon.is_opportunity_word(w) for w in record.opportunity.split()):
            return None  # "chase the umbrella paperwork": a thing to do, not a deal to watch
        fields["account"], fields["opportunity"] = record.account, record.opportunity
    else:
        return None
    who_group = "who" if groups.get("who") else "who_after"
    who = groups.get(who_group)
    if who:
        person = ctx.lexicon.person(piece.source(match.start(who_group), match.end(who_group)))
        if person is None:
            return None
        fields["owner"] = person
    elif said.get("owner"):
        fields["owner"] = said["owner"]
    when = _when(match, ctx)
    if when is None:
        return None
    fields.update(when)
    if not any(fields.get(name) for name in _TIME_FIELDS) and said.get("due_date"):
        fields["due_date"] = said["due_date"]
    if how == "status":
        written = clean(piece.source(match.start("status"), match.end("status")))
        status = ctx.lexicon.status(written)
        if status is None:
            return None
        # done, closed, resolved: the follow-up ends when the issue is resolved, which is what None means
        fields["until_status"] = None if status == "Done" else written
    if groups.get("until"):
        until = _until_status(clean(piece.source(match.start("until"), match.end("until"))), ctx)
        if until is None:
            return None
        fields["until_status"] = until or None
    if groups.get("state") and not groups.get("where"):  # "check how PAY-4 is doing": where it is, no status
        fields["until_status"] = _status_reached(clean(piece.source(match.start("state"), match.end("state"))), ctx)
    return fields


def _said_before(ctx: Ctx) -> dict[str, Any]:
    """What "it" / "this" in a follow-up means when the message said it before: what someone has to do
    (``_obligation``), or the deal a statement named with no issue named since ("The Initech expansion has been
    sitting with legal. Remind me Monday to check where it's at"). Empty: the issue of the thread, as always."""
    if ctx.said_obligation is not None:
        return dict(ctx.said_obligation)
    record = ctx.last_record
    if (
        ctx.last_key is None
        and not (ctx.last_kind or "").startswith("jira.")
        and record is not None
        and record.account
        and record.opportunity
        and ctx.lexicon.account(record.account)
    ):
        return {"account": record.account, "opportunity": record.opportunity}
    return {}


def _when(match: re.Match[str], ctx: Ctx) -> dict[str, Any] | None:
    """The due date, delay or recurrence a match names (none named, or none that can be pinned down: empty); None
    for a delay of no time at all."""
    groups = match.groupdict()
    date = _without_clock(groups.get("date") or groups.get("bare_date") or "")
    if date:
        # a date no one can pin down ("the end of next week" said on a Sunday) is left for grounding to ask
        due_date = parse_date(date, today=ctx.today, order=ctx.order)
        if due_date is not None and _either_way(date, due_date, ctx):
            return {"_unclear": date}
        return {} if due_date is None else {"due_date": due_date}
    if groups.get("half_hour"):
        return {"due_in_minutes": 30}
    if groups.get("n"):
        count = _count(groups["n"]) + (0.5 if groups.get("and_half") else 0)
        minutes = round(count * _MINUTES[groups["unit"].lower()])
        return {"due_in_minutes": minutes} if minutes >= 1 else None
    every = (
        groups.get("every")
        or groups.get("weekly_on")
        or groups.get("weekly_on2")
        or _CADENCE.get((groups.get("cadence") or "").lower())
    )
    if every:
        every_days, first = _recurrence(every, ctx.today)
        return {"every_days": every_days, "due_date": first}
    return {}  # none said, or too loosely to be one ("some time next month"): grounding asks when


def _either_way(written: str, read: dt.date, ctx: Ctx) -> bool:
    """Whether a numeric date is one day read the workspace's way and a sooner one read the other way ("on 4/1" on 2
    December: 1 April month first, 4 January day first): a writer who puts the day first may mean the sooner one, so
    which is asked. Read the workspace's way, the sooner day is taken ("3/5" on 17 February: 5 March)."""
    numeric = written.strip().lower()
    if not re.fullmatch(r"\d{1,2}/\d{1,2}", numeric):
        return False
    other = parse_date(numeric, today=ctx.today, order="MD" if ctx.order == "DM" else "DM")
    return other is not None and other < read


_CADENCE = {"daily": "day", "weekly": "week", "biweekly": "2 weeks", "fortnightly": "2 weeks"}


def _count(written: str) -> float:
    words = " ".join(written.lower().split())
    return _NUMBERS.get(words) or float(words)


def _recurrence(every: str, today: dt.date) -> tuple[int, dt.date]:
    """Every how many days a nudge repeats, and its first day: "friday" is 7 from the next Friday, "other day" 2 from
    the day after tomorrow."""
    words = every.lower().split()
    weekday = WEEKDAYS.get(words[-1], WEEKDAY_ABBREVIATIONS.get(words[-1]))
    if weekday is not None:
        return 7, _next_weekday(today, weekday)
    if words[0] == "other":
        count = 2
    elif len(words) > 1:
        count = int(_count(words[0]))
    else:
        count = 1
    every_days = count * (7 if words[-1].startswith("week") and words[-1] != "weekday" else 1)
    return every_days, today + dt.timedelta(days=every_days)


def _until_status(written: str, ctx: Ctx) -> str | None:
    """``until_status`` for "until it's <written>": "" when that is resolved (closed, done, ships), None when it is
    not a status at all (the frame does not read it)."""
    words = " ".join(written.lower().split())
    if words in _DONE_WITHOUT_STATUS:
        return ""
    status = ctx.lexicon.status(words)
    if status is None:
        return None
    return "" if status == "Done" else written


def _status_reached(state: str, ctx: Ctx) -> str | None:
    """The status a record is to be checked for having reached ("is in review", "has moved to in progress"); None
    for resolved (done, closed) and for what is no status ("got picked up", "is still blocked")."""
    reached = re.fullmatch(
        r"(?:is|has\s+been|has|got|gets|went|goes)(?:\s+(?:moved|put|set))?(?:\s+back)?(?:\s+(?:to|into))?\s+(?P<status>.+)|"
        r"(?:moved|made\s+it)\s+(?:to|into)\s+(?P<moved>.+)",
        state,
        _I,
    )
    if reached is None:
        return None
    written = reached["status"] or reached["moved"]
    status = ctx.lexicon.status(written)
    return None if status in (None, "Done") else written


_DELAY_CORRECTION = re.compile(
    r"^(?:(?:no|nope|wait|actually|sorry|oops|scratch\s+that|i\s+mean(?:t)?|or\s+rather)\b[\s,:;.!-]*)*"
    r"(?:(?:make|change)\s+(?:it|that)(?:\s+to)?\s+)?(?:in\s+)?(?P<n>\d+(?:\.\d+)?)\s*"
    r"(?P<unit>minute|min|hour|hr|h|m|day|d)?s?(?:\s+(?:instead|then))?[\s.!]*$",
    _I,
)


def delay_corrected(requests: Sequence[ActionRequest], correction: str, text: str) -> list[ActionRequest] | None:
    """ "check back on PAY-6 in 45m, no wait make it 90": a correction that is one number, where the message's one
    request is a follow-up in so many minutes (or hours, days), is that delay, in the unit said before unless it says
    its own. None for anything else, and for a number the delay said before can't be changed to with some sense (a
    tenfold change or more: "in 2h, no wait make it 90" is 90 minutes to some, 90 hours to others)."""
    said = _DELAY_CORRECTION.match(correction.strip())
    if said is None or len(requests) != 1:
        return None
    request = requests[0]
    if not isinstance(request, FollowUpRequest) or not request.due_in_minutes:
        return None
    before = [m for m in re.finditer(_DURATION, text, _I) if m["n"]]
    if not before or _minutes(before[-1]) != request.due_in_minutes:
        return None  # the delay read is not the one written last before the correction
    unit = (said["unit"] or before[-1]["unit"]).lower()
    minutes = round(float(said["n"]) * _MINUTES[unit])
    if not minutes or not request.due_in_minutes / 10 < minutes < request.due_in_minutes * 10:
        return None
    return [request.model_copy(update={"due_in_minutes": minutes})]


def _minutes(duration: re.Match[str]) -> int:
    count = _count(duration["n"]) + (0.5 if duration["and_half"] else 0)
    return round(count * _MINUTES[duration["unit"].lower()])


def _next_weekday(today: dt.date, weekday: int) -> dt.date:
    ahead = (weekday - today.weekday()) % 7 or 7
    return today + dt.timedelta(days=ahead)


__all__ = ["delay_corrected", "follow_up"]
