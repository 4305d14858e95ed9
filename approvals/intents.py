"""What a request asks for, as extracted from the thread: words, not yet identifiers.

The offline parser and the LLM both produce an ``Understanding``. Nothing in it is trusted: people are names as
written ("Alice", "<@U0ALICE01>", "me"), projects are keys as typed. Grounding (``approvals.grounding``) checks every
value against the real systems and turns a request into an ``Action`` or into a question. An understanding can
name no requester and no approver: who asks is decided by the code from the Slack event, not by the text.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class JiraCreateIssueRequest(_Model):
    kind: Literal["jira.create_issue"] = "jira.create_issue"
    project: str | None = None
    issue_type: str | None = None
    summary: str | None = None
    description: str | None = None
    assignee: str | None = None
    priority: str | None = None
    labels: tuple[str, ...] = ()
    due_date: dt.date | None = None


ActionRequest = Annotated[JiraCreateIssueRequest, Field(discriminator="kind")]


class Understanding(_Model):
    """The extractor's reading of one request.

    ``requests`` empty and ``question`` None means no action was asked for. A ``question`` means the extractor
    could not tell what to do; ``understood`` says what it did get, so the reply never pretends to more.
    """

    requests: tuple[ActionRequest, ...] = ()
    question: str | None = None
    missing: tuple[str, ...] = ()
    understood: str = ""
    extractor: str = ""
    usage: dict[str, int] = Field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.requests and self.question is None
