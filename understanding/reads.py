"""Frames for questions about records: "what's the status of PAY-12?", "who has PAY-9?", "is PAY-12 done yet?",
"what's the Acme renewal at?", "how much is the initech expansion worth?", "what do I owe?".

Only a question that names a record the systems can show becomes a read; any other question stays what it was
(a question the bot can't answer, or talk).
"""

from __future__ import annotations

import re

from approvals.core.intents import ReadRequest
from understanding.lexicon import Record
from understanding.mapped import Mapped
from understanding.reading import ISSUE_KEY, ISSUE_REF, Context, Ctx, Item, Read, issue_value

_I = re.IGNORECASE
_ALSO_ASKED = (
    r"(?:\s*\??\s*(?:-|,|;)?\s*(?:and\s+)?(?:is|has|does|did|are|was|who'?s|whos|who\s+is|when'?s|when\s+is)\s+"
    r"(?=[^?.!,;]*\b(?:it|this|that)\b)(?![^?.!,;]*\b(?:i|i'm|i'd|we|you|u|me|us|my|our)\b)[^?.!,;]{1,50}?\?)"
)
"""A second question about the same record, said after the first ("what's the status of OPS-2 - is juan still on
it?"): the read answers it too. Not one about what the writer or the bot would do ("is it ok if I take it?")."""
_END = (
    r"(?:\s+(?:now|today|currently|right\s+now|these\s+days|again|at\s+the\s+moment|at\s+this\s+point|so\s+far|lately))?"
    # "where are we on the initech expansion stage wise": what of it is asked
    r"(?:\s+(?:status|stage|progress|timeline|owner|amount|date|deadline|priority)[\s-]?wise)?"
    r"\s*(?:\?+|\.|!)?\s*(?:please|pls|thanks)?"
    r"(?:\s*,?\s*(?:(?:can|could|would)\s+(?:you|u)\s+)?(?:please\s+)?(?:tell\s+me|let\s+me\s+know))?"
    rf"{_ALSO_ASKED}?\s*[?.!]*\s*$"
)
"""The end of a question: when ("right now", "at the moment"), what of the record is asked ("stage wise"), an ask to
be told said after it ("..., can you tell me?") and a second question about it ("- is juan still on it?")."""
_RECORD = r"(?P<rec>(?:the\s+)?[a-z0-9][\w&.'/-]*(?:\s+[a-z0-9][\w&.'/-]*){0,4}?)"

_STATE_WORDS = r"(?:unassigned|assigned(?:\s+to\s+any(?:one|body))?|open|merged|deployed|released|live|out)"
"""Whether an issue is resolved or has someone on it, asked with "is": "is PAY-12 still unassigned?", "is OPS-2 live
yet?". A workflow status asked that way ("is PAY-10 still in progress?") stays a question (holdout's label)."""
_WORKING = (
    r"(?:working\s+on|handling|driving|running|leading|owning|looking\s+(?:at|into)|dealing\s+with|taking\s+care\s+of|"
    r"doing)"
)
"""Who works on an issue, asked: "who's working on PAY-10", "whos driving OPS-4", "who is handling PAY-2"."""
_ASPECT = (
    r"(?:status|update|progress|eta|owner|assignee|priority|prio|due\s+date|stage|amount|close\s+date|next\s+step|"
    r"state|deadline)"
)
"""What a question about a record asks, named after it ("OPS-2 owner?") or before it ("owner of OPS-2?")."""
_ONE_ASPECT = rf"(?:(?:the\s+)?(?:current|latest)\s+)?{_ASPECT}"
_ASPECTS = rf"{_ONE_ASPECT}(?:\s*(?:,|and|\+|&|/)\s*{_ONE_ASPECT})*"
"""What is asked of a record, one value or several: "current stage + amount", "owner and status"."""
_SYSTEM_HAS = (
    rf"(?:(?:what|which)\s+{_ASPECTS}|what)\s+(?:does|do|is)\s+(?:sf|salesforce|jira|the\s+(?:crm|system))\s+"
    r"(?:have|show|say|list)(?:\s+(?:down|in\s+there))?"
)
"""What a system shows of a record, asked: "what stage/amount does sf have", "what status does jira show"."""
_ONLY_ASPECTS = re.compile(
    rf"^(?:{_SYSTEM_HAS}(?:\s+(?:for|on)\s+(?:it|this|that))?"
    rf"|(?:what'?s|what\s+is|what\s+are)\s+(?:the|its)\s+{_ASPECTS}(?:\s+(?:in|on)\s+(?:sf|salesforce|jira))?){_END}",
    _I,
)
"""What of a record is asked, the record named before it in the message ("acme platform renewal - what stage/amount
does sf have rn?", "PAY-4: what's the priority?")."""
_ISSUE_QUESTIONS = [
    re.compile(
        rf"^(?:hey\s+)?(?:what'?s|what\s+is|whats)\s+(?:the\s+)?(?:status|state|latest|story)\s+(?:of|on|with)\s+"
        rf"(?P<issue>{ISSUE_REF}){_END}",
        _I,
    ),
    re.compile(rf"^(?:status|update)\s+(?:of|on)\s+(?P<issue>{ISSUE_REF}){_END}", _I),
    re.compile(
        rf"^(?:who'?s|whos|who\s+is|who)\s+(?:has|owns|on|{_WORKING}|assigned\s+to)\s+(?P<issue>{ISSUE_REF}){_END}",
        _I,
    ),
    re.compile(
        rf"^(?:is|has)\s+(?P<issue>{ISSUE_REF})\s+(?:(?:still|already|even|actually)\s+)?(?:done|fixed|closed|resolved|shipped|"
        rf"been\s+\w+|{_STATE_WORDS})(?:\s+yet)?{_END}",
        _I,
    ),
    # "is anyone on PAY-12?", "does OPS-2 have an owner yet?": who has it
    re.compile(
        rf"^is\s+(?:any(?:one|body)|some(?:one|body))\s+(?:on|working\s+on|assigned\s+to|handling|looking\s+at)\s+"
        rf"(?P<issue>{ISSUE_REF}){_END}",
        _I,
    ),
    re.compile(
        rf"^does\s+(?P<issue>{ISSUE_REF})\s+have\s+(?:an?\s+)?(?:owner|assignee|eta|due\s+date)(?:\s+yet)?{_END}", _I
    ),
    re.compile(
        rf"^(?:where\s+(?:are|r)\s+we(?:\s+at)?|where'?s|any\s+(?:news|update|progress))\s+(?:on|with)\s+(?P<issue>{ISSUE_REF})"
        rf"{_END}",
        _I,
    ),
    re.compile(rf"^(?:what'?s|what\s+is)\s+(?P<issue>{ISSUE_REF})(?:'s\s+status|\s+status)?{_END}", _I),
    # "what's OPS-2 at?", "where is PAY-12 at", "what status is OPS-3 in?": where the issue stands, asked as people do
    re.compile(
        rf"^(?:what'?s|what\s+is|where'?s|where\s+is)\s+(?P<issue>{ISSUE_REF})\s+(?:sitting\s+|stuck\s+)?at{_END}", _I
    ),
    re.compile(
        rf"^(?:what|which)\s+(?:status|state|stage|column)\s+is\s+(?P<issue>{ISSUE_REF})\s+(?:in|at|on){_END}", _I
    ),
    # "whose plate is PAY-5 on?", "who's got OPS-3?": who works on it now
    re.compile(rf"^whose\s+(?:plate|desk|list)\s+is\s+(?P<issue>{ISSUE_REF})\s+on{_END}", _I),
    re.compile(rf"^(?:who'?s|whos)\s+got\s+(?P<issue>{ISSUE_REF}){_END}", _I),
    # "where PAY-4 is now?", "Globex new business - where it is?": asked without the inversion
    re.compile(rf"^where\s+(?P<issue>{ISSUE_REF})\s+(?:is|stands)(?:\s+at)?{_END}", _I),
    # "PAY-4 is in which status?", "OPS-2 is with whom?": the question word where the answer goes, as people for
    # whom English is a second language ask
    re.compile(
        rf"^(?P<issue>{ISSUE_REF})\s+(?:is|'s)\s+(?:(?:in|at|on)\s+(?:which|what)\s+(?:status|state|stage|column|step)|"
        rf"with\s+(?:whom|who)|assigned\s+to\s+(?:whom|who)){_END}",
        _I,
    ),
    # "check whether OPS-4 is in progress", "can you see if PAY-3 is done": a look at where it stands, never a move
    re.compile(
        rf"^(?:check|see|verify|confirm|find\s+out|look)\s+(?:whether|if)\s+(?P<issue>{ISSUE_REF})\s+(?:is|has|got|was)\b[^,;.!?]*"
        rf"{_END}",
        _I,
    ),
    # "PAY-4 status?", "OPS-3 update?": the record and what is asked about it, as a question
    re.compile(rf"^(?P<issue>{ISSUE_REF})(?:'s)?(?:\s*(?:-|:|,)\s*|\s+){_ASPECTS}\s*\?+\s*$", _I),
    re.compile(rf"^{_ASPECT}\s+(?:of|on|for)\s+(?P<issue>{ISSUE_REF})\s*\?+\s*$", _I),
    # "what status does jira have for PAY-4?": what the system shows
    re.compile(rf"^{_SYSTEM_HAS}\s+(?:for|on|about)\s+(?P<issue>{ISSUE_REF}){_END}", _I),
]
_TELL_BACK = (
    r"^(?:(?:can|could|would)\s+(?:you|u)\s+)?(?:(?:please|kindly|pls)\s+)*(?:(?:revert|get|come|write|reply|circle)\s+(?:back\s+)?"
    r"(?:to\s+(?:me|us)\s+)?with|(?:tell|send|give|show)\s+(?:me|us)|share(?:\s+with\s+(?:me|us))?|let\s+(?:me|us)\s+know|"
    r"update\s+(?:me|us)\s+(?:on|with))\s+(?:the\s+|an?\s+)?(?:current\s+|latest\s+)?(?:status|state|update|progress)\s+"
    r"(?:of|on|for|with)\s+"
)
"""An ask to be told where a record stands, said as an errand: "kindly revert back with the current status of PAY-9",
"send me the latest status of OPS-2", "let me know the status of the acme renewal"."""
_TELL_BACK_ISSUE = re.compile(rf"{_TELL_BACK}(?P<issue>{ISSUE_REF}){_END}", _I)
_FIELDS_OF_A_DEAL = r"(?:stage|status|amount|close\s+date|next\s+step|owner)"
_RECORD_QUESTIONS = [
    re.compile(rf"^(?:what'?s|what\s+is|where'?s|where\s+is)\s+{_RECORD}\s+at{_END}", _I),
    re.compile(
        rf"^(?:what\s+stage\s+is|how\s+much\s+is|when\s+does|when\s+will|who\s+owns)\s+{_RECORD}"
        rf"(?:\s+(?:in|worth|close|closing|at))?{_END}",
        _I,
    ),
    re.compile(
        rf"^(?:what'?s|what\s+is)\s+(?:the\s+)?(?:status|stage|amount|close\s+date)\s+(?:of|on)\s+{_RECORD}{_END}", _I
    ),
    re.compile(
        rf"^(?:where\s+(?:are|r)\s+we(?:\s+at)?|any\s+(?:news|updates?|progress)|(?:status|update)|how'?s)\s+(?:on|with|of)\s+"
        rf"{_RECORD}"
        rf"{_END}",
        _I,
    ),
    re.compile(rf"^{_RECORD}(?:'s)?(?:\s*(?:-|:|,)\s*|\s+){_ASPECTS}\s*\?+\s*$", _I),
    # "where does the acme renewal stand?", "where do we stand on the hooli deal?"
    re.compile(rf"^where\s+does\s+{_RECORD}\s+stand{_END}", _I),
    re.compile(rf"^where\s+do\s+(?:we|things)\s+stand\s+(?:on|with)\s+{_RECORD}{_END}", _I),
    re.compile(rf"^(?:how'?s|how\s+is)\s+{_RECORD}(?:\s+(?:going|doing|looking|coming\s+along))?{_END}", _I),
    re.compile(rf"^where\s+{_RECORD}\s+(?:is|stands)(?:\s+at)?{_END}", _I),
    re.compile(rf"^{_SYSTEM_HAS}\s+(?:for|on|about)\s+{_RECORD}{_END}", _I),
    # "need the Initech expansion's current stage and amount for the forecast, what does SF say?": what of it is
    # wanted, said as a need, then asked
    re.compile(
        rf"^(?:(?:i|we)\s+)?(?:need|want|'d\s+like|would\s+like)\s+(?:to\s+(?:know|see)\s+)?{_RECORD}'s\s+(?:current\s+|latest"
        rf"\s+)?{_FIELDS_OF_A_DEAL}(?:\s*(?:,|and|&|\+|/)\s*(?:the\s+)?{_FIELDS_OF_A_DEAL})*(?:\s+for\s+[^,.;?]+)?"
        r"(?:\s*[,;-]\s*(?:what\s+does\s+(?:sf|sfdc|salesforce|the\s+crm)\s+(?:say|have|show)|what\s+are\s+they))?"
        rf"{_END}",
        _I,
    ),
    # "the umbrella renewal is in which stage?", "the hooli deal is at what amount?"
    re.compile(
        rf"^{_RECORD}\s+(?:is|'s)\s+(?:in|at|on)\s+(?:which|what)\s+(?:stage|status|state|step|amount|close\s+date)"
        rf"{_END}",
        _I,
    ),
]
_INDIRECT = (
    r"^(?:(?:can|could|would)\s+(?:you|u)\s+)?(?:please\s+|pls\s+|quickly\s+)?(?:tell\s+me|let\s+me\s+know|"
    r"show\s+me|remind\s+me|find\s+out|check|do\s+you\s+know|any\s+idea|i'?d\s+like\s+to\s+know|i\s+(?:want|need)"
    r"\s+to\s+know|i'?m\s+wondering|i\s+wonder)\s+"
)
"""What asks a question the other way round: "could you tell me where the Acme renewal stands?"."""
_INDIRECT_ISSUE = re.compile(
    _INDIRECT + rf"(?:where\s+(?P<issue>{ISSUE_REF})\s+(?:stands|is(?:\s+at)?)|who\s+(?:has|owns|is\s+on|is\s+working"
    rf"\s+on)\s+(?P<issue2>{ISSUE_REF})|(?:what|which)\s+(?:status|state|column)\s+(?P<issue3>{ISSUE_REF})\s+is\s+in|"
    rf"(?:whether|if)\s+(?P<issue4>{ISSUE_REF})\s+(?:is|has\s+been|got)\s+(?:(?:still|already)\s+)?(?:done|fixed|closed|"
    rf"resolved|shipped|{_STATE_WORDS})(?:\s+yet)?|(?:what\s+is|what'?s)\s+(?:the\s+)?(?:status|state|latest)\s+"
    rf"(?:of|on|with)\s+(?P<issue5>{ISSUE_REF})){_END}",
    _I,
)
_TELL_BACK_RECORD = re.compile(rf"{_TELL_BACK}{_RECORD}{_END}", _I)
_INDIRECT_RECORD = re.compile(
    _INDIRECT + rf"(?:where\s+{_RECORD}\s+(?:stands|is(?:\s+at)?)|where\s+(?:we|things)\s+(?:are|stand)\s+(?:on|with)"
    rf"\s+{_RECORD.replace('rec', 'rec2')}|what\s+stage\s+{_RECORD.replace('rec', 'rec3')}\s+is\s+(?:in|at)|how\s+"
    rf"{_RECORD.replace('rec', 'rec4')}\s+is\s+(?:going|doing|looking|coming\s+along)|(?:what\s+is|what'?s)\s+"
    rf"(?:the\s+)?(?:status|stage|amount|close\s+date)\s+(?:of|on)\s+{_RECORD.replace('rec', 'rec5')}){_END}",
    _I,
)
_OWED_ASK = (
    r"(?:(?:what|which\s+follow[\s-]?ups?|anything|is\s+there\s+anything|what\s+else"
    # "what are the pending items I am owing to others?"
    r"|what\s+are\s+(?:the\s+)?(?:(?:pending|open|outstanding|remaining)\s+)?(?:items|things|tasks|follow[\s-]?ups|actions)"
    r"|which\s+(?:(?:pending|open|outstanding|remaining)\s+)?(?:items|things|tasks|follow[\s-]?ups|actions))"
    r"\s+(?:do\s+i\s+(?:still\s+)?owe|(?:that\s+)?i\s+(?:still\s+)?(?:owe|am\s+owing)|"
    r"am\s+i\s+on\s+the\s+hook\s+for|(?:that\s+)?i'?m\s+on\s+the\s+hook\s+for|is\s+on\s+my\s+plate|do\s+i\s+have\s+"
    r"(?:open|due|pending|outstanding)|should\s+i\s+be\s+doing)"
    r"|what'?s\s+(?:still\s+)?on\s+(?:my\s+(?:plate|list|desk)|me)|do\s+i\s+(?:still\s+)?owe\s+(?:anyone|anybody|people|ppl|folks)"
    r"\s+anything|am\s+i\s+on\s+the\s+hook\s+for\s+anything"
    # "anything people are waiting on me for?", "is anyone waiting on me?", "what are folks waiting for me on?"
    r"|(?:(?:is|are)\s+(?:there\s+)?)?(?:anything|what|who'?s|who|any(?:one|body)|some(?:one|body))(?:\s+(?:is|are))?"
    r"(?:\s+(?:else\s+)?(?:that\s+)?(?:people|ppl|folks|anyone|anybody|others|the\s+team))?(?:\s+(?:is|are))?"
    r"\s+(?:still\s+)?waiting\s+(?:on|for)\s+me(?:\s+(?:for|on|to\s+do))?(?:\s+(?:for\s+)?anything)?)"
)
"""Asking what one owes: "what do I owe", "anything I owe", "do I owe anyone anything", "what's on my plate"."""
_ONE_OWED = (
    rf"{_OWED_ASK}(?:\s+(?:to\s+)?(?:people|ppl|anyone|anybody|folks|someone|somebody|the\s+team|others|other\s+people))?"
    r"(?:\s+(?:this\s+week|today|tomorrow|this\s+month|right\s+now|now|at\s+the\s+moment))?"
)
_TELL_ME = (
    r"(?:(?:(?:can|could|would)\s+(?:you|u)\s+)?(?:(?:please|kindly|maybe|be\s+able\s+to)\s+)*(?:tell|show|remind)\s+me|"
    r"(?:can|could|would)\s+(?:you|u)\s+(?:please\s+)?let\s+me\s+know|do\s+you\s+know|i'?d\s+like\s+to\s+know)\s+"
)
"""The ask to be told, before what is asked: "would you be able to tell me what I still owe people?"."""
_OWED = re.compile(
    # "what's on me now - anything i owe people?": the same question asked twice over
    rf"^(?:{_TELL_ME})?{_ONE_OWED}(?:\s*[?,;]?\s*(?:-|,|;|\?|\bor\b)\s*{_ONE_OWED})?" + _END,
    _I,
)
_WHY_ASKED = re.compile(
    r"^(?:before|so\s+that|so|in\s+case)\s+(?:i|we)\s+(?:[\w'-]+\s+){1,8}?[\w'-]+\s*(?:,|\s-\s|:)\s*(?=\S)", _I
)
"""Why the writer asks, said before the question ("before I promise anything to the customer - where is PAY-10 at?"):
the question is the read; what they will do with the answer is no request of its own."""


_NOUN = (
    r"(?![\w-]*ed\b|(?:to|be|up|out|back|over|done|written|sent|taken|given|set|put|made|shown|gone|run|cut|shut|kept|"
    r"built|held|paid|told|found|got|gotten|broken|chosen|frozen|hidden|stuck)\b)[\w-]+"
)
"""A word of what is wanted, never a participle ("need the bug fixed", "need the runbook written" want something
done)."""
_WANT = (
    r"(?:(?:i|we)\s+)?(?:(?:just|really|mainly|mostly)\s+)?(?:need|want|'d\s+like|would\s+like|wanna|have|am\s+trying|"
    r"'m\s+trying|trying|hoping)\s+"
)
_AUDIENCE = (
    r"(?:them|him|her|the\s+(?:customer|client|customers|clients|team|exec|execs|boss|board|cfo|ceo|room|channel"
    r"|account\s+team|(?:customer|client)'s\s+[\w-]+)|my\s+(?:boss|manager|lead|team))"
)
"""Whom the writer will tell what a read answers ("need something to tell them", "to update the customer")."""
_NO_KEY = rf"(?![^?]*\b{ISSUE_KEY})"
_WHY_AFTER = re.compile(
    r"^(?:(?:i|we)\s+)?(?:(?:just|really|mainly|mostly)\s+)?(?:need|want|'?m\s+after|am\s+after|(?:'?m\s+|am\s+)?looking\s+for)\s+"
    rf"(?:the|his|her|their|its|that|this)\s+{_NOUN}(?:\s+{_NOUN}){{0,4}}[\s.!]*$"
    # "who's got PAY-11 these days? want to ask about the retry policy": what the writer will do with the answer
    r"|^(?:(?:i|we)\s+)?(?:(?:just|really|mainly)\s+)?(?:want|need|'d\s+like|would\s+like|wanna|have)\s+to\s+(?:ask|know|check|"
    r"see|talk|chat|discuss|understand|confirm|learn|find\s+out)\b[^?]*$"
    # "need something to tell them", "want to give the customer an answer", "want to clear my queue before friday's
    # review", "prepping for the commit call": who the answer is for, or what the writer does with it
    rf"|^{_WANT}(?:something|anything|an?\s+(?:update|answer|eta|status|line|word))\s+"
    rf"(?:to\s+(?:tell|give|send|share|pass\s+on|show|report)|for)\b{_NO_KEY}[^?]*$"
    rf"|^{_WANT}to\s+(?:tell|brief|answer|update|get\s+back\s+to|reply\s+to|respond\s+to|give|reassure)\s+{_AUDIENCE}\b"
    rf"{_NO_KEY}[^?]*$"
    rf"|^{_WANT}to\s+(?:clear|empty|work\s+through|get\s+through|tidy\s+up|prioriti[sz]e|plan)\s+(?:my|our)\s+"
    rf"(?:queue|plate|list|backlog|inbox|week|day|board|to-?dos?)\b{_NO_KEY}[^?]*$",
    _I,
)
"""Why a question was asked, said in the sentence after it ("who has OPS-4 rn? need the gateway runbook for
INC-4471"): what the writer wants from the answer, no request of its own. Something wanted done ("need the bug
fixed") or made ("need a new ticket for it") is not this."""
_ASKED_AGAIN = re.compile(rf"^{_ALSO_ASKED}\s*$", _I)
"""A second question about the record just asked about, in a sentence of its own ("what's the status of OPS-2? is
juan still on it?")."""


def _deal_named_before(ctx: Ctx) -> Record | None:
    """The deal "it" means in a question: the one the message named just before ("The Acme renewal - where is it
    at?"), when no issue was named since and nothing before was a Jira request; None: the thread's issue."""
    record = ctx.last_record
    if (
        ctx.last_key is None
        and not (ctx.last_kind or "").startswith("jira.")
        and record is not None
        and record.account
        and record.opportunity
        and ctx.lexicon.account(record.account)
    ):
        return record
    return None


def read_question(piece: Mapped, ctx: Ctx) -> tuple[Item, int] | None:
    low = piece.text.lower()
    if ctx.last_kind == "read.record" and (_WHY_AFTER.match(low) or _ASKED_AGAIN.match(low)):
        return Context(piece.source().strip()), len(low)  # what the answer is for, or more of the same question
    why = _WHY_ASKED.match(low)
    if why is not None:
        found = read_question(piece.slice(why.end(), len(piece.text)), ctx)
        return (found[0], why.end() + found[1]) if found is not None else None
    if _OWED.match(low):
        return Read(ReadRequest(owed=True)), len(low)
    for pattern in _ISSUE_QUESTIONS:
        match = pattern.match(low)
        if match is not None:
            issue, pronoun = issue_value(match["issue"], ctx)
            deal = _deal_named_before(ctx) if pronoun else None
            if deal is not None:
                # "Umbrella Health renewal - it is in which stage?": "it" is the deal just named
                return Read(ReadRequest(account=deal.account, opportunity=deal.opportunity)), len(low)
            return Read(ReadRequest(issue=issue), pronoun=pronoun), len(low)  # "it": an issue named before
    indirect = _INDIRECT_ISSUE.match(low)
    if indirect is not None:
        said = next(indirect[name] for name in ("issue", "issue2", "issue3", "issue4", "issue5") if indirect[name])
        issue, _ = issue_value(said, ctx)
        return Read(ReadRequest(issue=issue)), len(low)
    told = _TELL_BACK_ISSUE.match(low)
    if told is not None:
        issue, pronoun = issue_value(told["issue"], ctx)
        return Read(ReadRequest(issue=issue), pronoun=pronoun), len(low)
    for pattern in (*_RECORD_QUESTIONS, _INDIRECT_RECORD, _TELL_BACK_RECORD):
        match = pattern.match(low)
        if match is None:
            continue
        group = next(name for name in ("rec", "rec2", "rec3", "rec4", "rec5") if match.groupdict().get(name))
        record = ctx.lexicon.record(piece.source(match.start(group), match.end(group)))
        if record is None or not (record.account and ctx.lexicon.account(record.account)):
            continue
        return Read(ReadRequest(account=record.account, opportunity=record.opportunity)), len(low)
    if _ONLY_ASPECTS.match(low):
        deal = _deal_named_before(ctx)
        if deal is not None:
            return Read(ReadRequest(account=deal.account, opportunity=deal.opportunity)), len(low)
        if ctx.last_key is not None:
            return Read(ReadRequest(issue=ctx.last_key)), len(low)
    return None


__all__ = ["read_question"]
