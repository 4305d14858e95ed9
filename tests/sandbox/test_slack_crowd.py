"""A 10,000-member workspace with 500 user groups beside the seed (sandbox.slack.crowd), served by the real Web API
methods, and the count of Web API calls per method the benchmarks and the directory's tests read."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from slack_sdk import WebClient

from sandbox.slack import DriverError, SlackEmulator
from sandbox.slack.crowd import crowd_names

SEED_MEMBERS = 14  # 13 people and the bot


@pytest.fixture
def bot(slack: SlackEmulator) -> WebClient:
    env = slack.environment()
    return WebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"])


def control(slack: SlackEmulator, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        slack.base_url + "/_sandbox/slack" + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_ten_thousand_members_and_five_hundred_groups_are_served_as_slack_serves_a_large_workspace(
    slack: SlackEmulator, bot: WebClient
) -> None:
    crowd = slack.driver.populate(members=10_000, groups=500)
    assert len(crowd.members) == 10_000 and len(crowd.groups) == 500
    assert len(slack.driver.users()) == SEED_MEMBERS + 10_000

    page = bot.users_list(limit=200)
    assert len(page["members"]) == 200 and page["response_metadata"]["next_cursor"]
    member = bot.users_info(user=crowd.members[9_999])["user"]
    assert member["profile"]["email"].endswith("@northwind.example") and not member["is_bot"]
    assert bot.users_lookupByEmail(email=member["profile"]["email"])["user"]["id"] == member["id"]

    groups = bot.usergroups_list()["usergroups"]
    assert len(groups) == 6 + 500
    rosters = [bot.usergroups_users_list(usergroup=g)["users"] for g in crowd.groups[:50]]
    assert all(rosters) and sum(len(r) for r in rosters) > 50 * 20  # each member is in two of the 500
    assert set(crowd.members) <= set(slack.workspace.conversation("C0GENERAL").members)


def test_names_are_unique_deterministic_and_leave_the_seeds_first_names_to_the_seed(slack: SlackEmulator) -> None:
    names = crowd_names(10_000, taken_first_names={"alice", "sam"})
    assert len({real for real, _ in names}) == len({handle for _, handle in names}) == 10_000
    assert not any(real.split(" ")[0].lower() in {"alice", "sam"} for real, _ in names)
    assert names == crowd_names(10_000, taken_first_names={"alice", "sam"})
    slack.driver.populate(members=300, groups=20)
    people = slack.driver.users()
    seed_firsts = {"dana", "hank", "alice", "bob", "carol", "juan", "sam", "erin", "ivy", "frank", "kara", "grace"}
    crowd_firsts = {u["profile"]["first_name"].lower() for u in people if u["id"].startswith("U1")}
    assert not crowd_firsts & seed_firsts


def test_join_puts_the_first_generated_members_in_a_seed_group(slack: SlackEmulator, bot: WebClient) -> None:
    crowd = slack.driver.populate(members=100, groups=10, join={"support": 3})
    assert crowd.joined == {"support": crowd.members[:3]}
    support = bot.usergroups_users_list(usergroup="S0SUPPORT")["users"]
    assert support == ["U0DANA001", "U0HANK001", *crowd.members[:3]]
    slack.reset()
    with pytest.raises(DriverError, match="no user group @nope"):
        slack.driver.populate(members=10, groups=2, join={"nope": 1})
    assert len(slack.driver.users()) == SEED_MEMBERS, "a refused crowd adds no one"


def test_reset_brings_back_the_normal_seed(slack: SlackEmulator) -> None:
    slack.driver.populate(members=500, groups=50)
    with pytest.raises(DriverError, match="already has a crowd"):
        slack.driver.populate(members=5, groups=2)
    slack.reset()
    assert len(slack.driver.users()) == SEED_MEMBERS
    assert len(slack.workspace.usergroups) == 6
    assert slack.driver.populate(members=5, groups=2).members[-1] == "U10000005"


def test_web_api_calls_are_counted_per_method_and_by_time(slack: SlackEmulator, bot: WebClient) -> None:
    bot.users_info(user="U0DANA001")
    bot.users_info(user="U0HANK001")
    middle = time.time()
    bot.usergroups_users_list(usergroup="S0SUPPORT")
    assert slack.driver.api_calls() == {"usergroups.users.list": 1, "users.info": 2}
    assert slack.driver.api_calls(since=middle) == {"usergroups.users.list": 1}
    assert slack.driver.api_calls(until=middle) == {"users.info": 2}


def test_the_crowd_and_the_counts_over_http(slack: SlackEmulator, bot: WebClient) -> None:
    status, body = control(slack, "POST", "/crowd", {"members": 1_000, "groups": 40, "join": {"eng": 2}})
    assert status == 201 and body["members"] == 1_000 and body["groups"] == 40
    assert body["joined"] == {"eng": ["U10000001", "U10000002"]}
    assert control(slack, "POST", "/crowd", {"members": "many"})[0] == 400
    assert control(slack, "POST", "/crowd", {"members": 1})[0] == 409
    bot.users_info(user="U10000001")
    assert control(slack, "GET", "/api_calls") == (200, {"users.info": 1})
    assert control(slack, "GET", f"/api_calls?since={time.time() + 60}") == (200, {})
