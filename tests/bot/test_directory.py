"""The Slack directory against the sandbox's Slack and a real Redis: people looked up one at a time, answers shared
by every process through Redis with a time-to-live and a size bound, user groups read group by group, names from an
index the background fills, and nothing on a request path that lists the workspace (the sandbox counts the calls).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
import redis
from slack_sdk import WebClient

from approvals.flow.runtime import PolicySource
from bot import action_ids
from bot.directory import DirectoryKeys, DirectoryLimits, SlackDirectory
from sandbox.harness import Sandbox
from sandbox.processes import REPO
from sandbox.redis_server import RedisServer
from tests.e2e.helpers import ask, is_card, start_thread
from tests.flow import Flow

NORTHWIND = REPO / "policies" / "northwind.yml"
POLICY_GROUPS = 6  # support, eng, eng-leads, sales, sales-managers, admins
DANA, ALICE, BOB, GRACE = "U0DANA001", "U0ALICE01", "U0BOB0001", "U0GRACE01"
FAST = DirectoryLimits(listing_pace=0.001, group_pace=0.001, group_ids_every=0.001)
LISTINGS = "users.list"
DIRECTORY_METHODS = ("users.", "usergroups.", "team.profile")


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def policy() -> PolicySource:
    return PolicySource(NORTHWIND)


@pytest.fixture
def connect(
    sandbox: Sandbox, redis_server: RedisServer, redis_db: redis.Redis, policy: PolicySource
) -> Iterator[object]:
    """Build a directory as a process would: its own Slack client and its own Redis connection."""
    opened: list[redis.Redis] = []

    def make(*, limits: DirectoryLimits | None = None, clock: Clock | None = None) -> SlackDirectory:
        env = sandbox.slack.environment()
        client = WebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"])
        connection = redis_server.client()
        opened.append(connection)
        return SlackDirectory(client, policy, connection, limits=limits, clock=clock or time.time)

    yield make
    for connection in opened:
        connection.close()


def calls(sandbox: Sandbox, since: float | None = None) -> dict[str, int]:
    return sandbox.slack.driver.api_calls(since=since)


def directory_calls(sandbox: Sandbox, since: float | None = None) -> dict[str, int]:
    return {m: n for m, n in calls(sandbox, since).items() if m.startswith(DIRECTORY_METHODS)}


def list_everyone(directory: SlackDirectory) -> None:
    """Run the background listing to its end (a worker does it a page every few seconds)."""
    for _ in range(1000):
        directory.warm()
        if "finished" in directory.listing_state():
            return
        time.sleep(0.002)  # past the (test-sized) pace of one page
    raise AssertionError("the listing never finished")


def run_background(directory: SlackDirectory) -> None:
    """A worker's maintenance passes until the workspace is listed and every group the policy names is read."""
    list_everyone(directory)
    for _ in range(POLICY_GROUPS + 1):
        time.sleep(0.002)
        directory.warm()


# -- on demand ---------------------------------------------------------------------------------------------------


def test_a_person_is_looked_up_by_id_once_and_then_read_from_redis(sandbox: Sandbox, connect) -> None:
    directory = connect()
    dana = directory.person(DANA)
    assert dana is not None and (dana.real_name, dana.email, dana.tz) == (
        "Dana Reyes",
        "dana@northwind.example",
        "America/New_York",
    )
    assert directory.person(DANA) == dana
    assert calls(sandbox) == {"users.info": 1}


def test_an_email_is_looked_up_once_and_its_person_comes_with_it(sandbox: Sandbox, connect) -> None:
    directory = connect()
    alice = directory.person_by_email("Alice@northwind.example")
    assert alice is not None and alice.slack_user_id == ALICE
    assert directory.person_by_email("alice@northwind.example") == alice
    assert directory.person(ALICE) == alice
    assert directory.person_by_email("nobody@northwind.example") is None
    assert directory.person_by_email("nobody@northwind.example") is None
    assert calls(sandbox) == {"users.lookupByEmail": 2}


def test_an_unknown_user_is_a_guest_with_no_rights_and_the_answer_is_remembered(sandbox: Sandbox, connect) -> None:
    directory = connect()
    assert directory.person("U0NOBODY1") is None
    principal = directory.principal("U0NOBODY1")
    assert principal.is_guest and not principal.groups
    assert calls(sandbox) == {"users.info": 1}


def test_the_principal_reads_each_group_the_policy_names_by_group_never_the_workspace(
    sandbox: Sandbox, connect
) -> None:
    directory = connect()
    dana = directory.principal(DANA)
    assert dana.groups == {"support"} and dana.email == "dana@northwind.example" and not dana.is_guest
    assert directory.principal(GRACE).groups == {"admins"}
    assert calls(sandbox) == {"usergroups.list": 1, "usergroups.users.list": POLICY_GROUPS, "users.info": 2}


def test_members_of_a_role_come_from_its_groups_and_emails(sandbox: Sandbox, connect) -> None:
    directory = connect()
    assert directory.members_of(["eng-leads"]) == [BOB, "U0CAROL01"]
    assert directory.members_of(["admins"]) == [GRACE]
    assert directory.members_of(["admins", "eng-leads"]) == [GRACE, BOB, "U0CAROL01"]
    assert LISTINGS not in calls(sandbox)


def test_the_manager_field_is_read_once_per_person(sandbox: Sandbox, connect) -> None:
    directory = connect()
    assert directory.manager_of(DANA) == "U0HANK001"
    assert directory.manager_of(DANA) == "U0HANK001"
    assert calls(sandbox) == {"team.profile.get": 1, "users.profile.get": 1}


# -- shared between processes ------------------------------------------------------------------------------------


def test_what_one_process_looked_up_another_reads_without_asking_slack(sandbox: Sandbox, connect) -> None:
    bot, worker = connect(), connect()  # two processes' worth: their own Slack clients and Redis connections
    assert bot.principal(DANA).groups == {"support"}
    assert bot.members_of(["admins"]) == [GRACE]
    before = calls(sandbox)

    assert worker.principal(DANA) == bot.principal(DANA)
    assert worker.person(DANA) == bot.person(DANA)
    assert worker.person_by_email("grace@northwind.example") == bot.person(GRACE)
    assert worker.members_of(["admins", "support"]) == [GRACE, DANA, "U0HANK001"]
    assert calls(sandbox) == before, "the second process asked Slack again"


def test_a_listing_run_by_a_worker_lets_the_bot_find_people_by_name(sandbox: Sandbox, connect) -> None:
    bot, worker = connect(), connect(limits=FAST)
    assert bot.find_people("Alice") == [], "nothing is known by name before the background has listed anyone"
    list_everyone(worker)
    since = time.time()
    (alice,) = bot.find_people("Alice")
    assert alice.slack_user_id == ALICE and alice.email == "alice@northwind.example"
    assert [p.slack_user_id for p in bot.find_people("sam")] == ["U0SAMLEE1", "U0SAMTOR1"]
    assert [p.slack_user_id for p in bot.find_people("Sam  LEE")] == ["U0SAMLEE1"]
    assert bot.find_people("followthrough") == [], "the bot is no candidate"
    assert "Alice Chen" in bot.people_names() and "sam.lee" in bot.people_names()
    assert calls(sandbox, since) == {}, "names are read from the index, never from Slack"


def test_people_names_are_read_again_only_when_they_changed(sandbox: Sandbox, connect, redis_db) -> None:
    worker, bot = connect(limits=FAST), connect()
    list_everyone(worker)
    names = bot.people_names()
    version = redis_db.get(DirectoryKeys.spoken_version)
    redis_db.delete(DirectoryKeys.listing)
    list_everyone(worker)  # a new pass finds the same people: nothing changed
    assert calls(sandbox)["users.list"] == 2
    assert redis_db.get(DirectoryKeys.spoken_version) == version
    assert bot.people_names() is names
    sandbox.slack.workspace.users[DANA]["real_name"] = "Dana Reyes-Ortiz"
    sandbox.slack.workspace.users[DANA]["profile"]["real_name"] = "Dana Reyes-Ortiz"
    worker.connection.delete(DirectoryKeys.user(DANA))
    worker.person(DANA)
    assert "Dana Reyes-Ortiz" in bot.people_names() and "Dana Reyes" not in bot.people_names()
    assert [p.slack_user_id for p in bot.find_people("dana reyes-ortiz")] == [DANA]
    assert bot.find_people("Dana Reyes") == [], "the old name is dropped from the index once seen stale"


def test_a_name_looked_up_by_email_is_found_before_any_listing(sandbox: Sandbox, connect) -> None:
    directory = connect()
    directory.person_by_email("juan@northwind.example")
    assert [p.slack_user_id for p in directory.find_people("Juan Alvarez")] == ["U0JUAN001"]
    assert [p.slack_user_id for p in directory.find_people("juan")] == ["U0JUAN001"]
    assert LISTINGS not in calls(sandbox)


# -- time-to-live and size bound ---------------------------------------------------------------------------------


def test_a_record_older_than_fresh_for_is_read_again_for_rights(sandbox: Sandbox, connect) -> None:
    clock = Clock()
    directory = connect(clock=clock, limits=DirectoryLimits(fresh_for=60))
    directory.principal(DANA)
    clock.now += 59
    directory.principal(DANA)
    assert calls(sandbox)["users.info"] == 1
    sandbox.slack.workspace.users[DANA]["is_restricted"] = True  # Dana became a guest meanwhile
    clock.now += 2
    assert directory.principal(DANA).is_guest
    assert calls(sandbox)["users.info"] == 2


def test_a_group_membership_older_than_its_limit_is_read_again_group_by_group(sandbox: Sandbox, connect) -> None:
    clock = Clock()
    directory = connect(clock=clock, limits=DirectoryLimits(group_max_age=120, fresh_for=3600))
    assert directory.principal("U0HANK001").groups == {"support"}
    sandbox.slack.workspace.usergroups["S0ENGLEAD"]["users"].append("U0HANK001")
    clock.now += 100
    assert directory.principal("U0HANK001").groups == {"support"}, "within its limit the membership is reused"
    clock.now += 30
    assert directory.principal("U0HANK001").groups == {"support", "eng-leads"}
    assert calls(sandbox)["usergroups.users.list"] == 2 * POLICY_GROUPS
    assert calls(sandbox)["usergroups.list"] == 1, "the handles are kept, not read with every membership"


def test_redis_forgets_records_after_keep_for(connect, redis_db) -> None:
    directory = connect(limits=DirectoryLimits(keep_for=1))
    directory.person(DANA)
    ttl = redis_db.ttl(DirectoryKeys.user(DANA))
    assert 0 < ttl <= 1
    time.sleep(1.1)
    assert redis_db.get(DirectoryKeys.user(DANA)) is None


def test_every_key_the_directory_writes_expires(sandbox: Sandbox, connect, redis_db) -> None:
    directory = connect(limits=FAST)
    list_everyone(directory)
    directory.principal(DANA)
    directory.members_of(["admins"])
    directory.manager_of(DANA)
    keys = [k.decode() for k in redis_db.scan_iter(match=DirectoryKeys.prefix + "*")]
    without_ttl = sorted(k for k in keys if redis_db.ttl(k) == -1)
    # The bounded structures (the people set, the vocabulary and its version, the listing's state) are trimmed by
    # the size bound instead of expiring; everything else carries a time-to-live.
    assert set(without_ttl) <= {
        DirectoryKeys.people,
        DirectoryKeys.spoken,
        DirectoryKeys.spoken_version,
        DirectoryKeys.listing,
    }, without_ttl


def test_the_size_bound_drops_the_people_read_from_slack_longest_ago_with_their_names(
    sandbox: Sandbox, connect, redis_db
) -> None:
    clock = Clock()
    directory = connect(clock=clock, limits=DirectoryLimits(max_people=5))
    order = ["U0DANA001", "U0HANK001", "U0ALICE01", "U0BOB0001", "U0CAROL01", "U0JUAN001", "U0SAMLEE1"]
    for uid in order:
        clock.now += 1
        directory.person(uid)
    assert redis_db.zcard(DirectoryKeys.people) == 5
    assert redis_db.hlen(DirectoryKeys.spoken) == 5
    kept = sorted(uid.decode() for uid in redis_db.zrange(DirectoryKeys.people, 0, -1))
    assert kept == sorted(order[2:])
    assert redis_db.get(DirectoryKeys.user(DANA)) is None
    assert directory.find_people("Dana") == [] and directory.find_people("Hank Patel") == []
    assert [p.slack_user_id for p in directory.find_people("alice")] == [ALICE]
    assert "Dana Reyes" not in directory.people_names()


# -- the background ----------------------------------------------------------------------------------------------


def test_the_background_refreshes_one_group_at_a_time_and_paces_itself_across_processes(
    sandbox: Sandbox, connect
) -> None:
    clock = Clock()
    limits = DirectoryLimits(group_pace=3600, listing_pace=3600, group_ids_every=3600)
    first, second = connect(clock=clock, limits=limits), connect(clock=clock, limits=limits)
    first.warm()
    second.warm()  # another worker's maintenance pass a moment later: every slot is taken
    assert calls(sandbox) == {"usergroups.list": 1, "usergroups.users.list": 1, "users.list": 1}


def test_the_background_keeps_the_groups_fresh_so_requests_read_none(sandbox: Sandbox, connect) -> None:
    clock = Clock()
    worker = connect(clock=clock, limits=FAST)
    for _ in range(POLICY_GROUPS):
        worker.warm()
        time.sleep(0.002)
    assert calls(sandbox)["usergroups.users.list"] == POLICY_GROUPS
    clock.now += 30
    worker.warm()
    assert calls(sandbox)["usergroups.users.list"] == POLICY_GROUPS, "none is old enough to read again yet"
    since = time.time()
    bot = connect(clock=clock)
    assert bot.principal(DANA).groups == {"support"}
    assert directory_calls(sandbox, since) == {}, "the listing's record of Dana is fresh too"


def test_a_listing_pass_goes_page_by_page_and_starts_again_after_listing_every(sandbox: Sandbox, connect) -> None:
    sandbox.slack.driver.populate(members=450, groups=10)
    clock = Clock()
    worker = connect(clock=clock, limits=DirectoryLimits(listing_pace=0.001, listing_every=3600))
    list_everyone(worker)
    assert calls(sandbox)["users.list"] == 3  # 450 + the seed's 14 members, 200 a page
    worker.warm()
    assert calls(sandbox)["users.list"] == 3, "a finished pass waits for listing_every"
    clock.now += 3601
    worker.warm()
    assert calls(sandbox)["users.list"] == 4
    assert len(worker.find_people("Aaron Abbott")) == 1


# -- the request path --------------------------------------------------------------------------------------------


def test_a_crowded_workspace_is_never_listed_on_a_request_path(sandbox: Sandbox, connect) -> None:
    crowd = sandbox.slack.driver.populate(members=2_000, groups=100, join={"support": 5})
    requester = crowd.joined["support"][0]
    directory = connect()
    since = time.time()
    assert directory.principal(requester).groups == {"support"}
    assert directory.person(requester) is not None
    directory.find_people("Aaron Abbott")
    directory.people_names()
    directory.members_of(["eng-leads", "admins"])
    directory.person_by_email("alice@northwind.example")
    made = directory_calls(sandbox, since)
    assert LISTINGS not in made, made
    # One users.info (the requester), the groups one by one, two emails (the admins role names Grace's; Alice's).
    assert made == {
        "usergroups.list": 1,
        "usergroups.users.list": POLICY_GROUPS,
        "users.info": 1,
        "users.lookupByEmail": 2,
    }


def test_a_new_request_and_its_approval_make_no_listing_and_few_directory_calls(flow: Flow) -> None:
    sandbox = flow.sandbox
    directory = flow.runtime.directory
    assert isinstance(directory, SlackDirectory)
    # What the workers' maintenance passes do in the background (here without their pace), then one paced pass
    # as a worker makes it, which holds its slots: the background makes no call while the request is measured.
    run_background(SlackDirectory(directory.client, directory.policy, directory.connection, limits=FAST))
    flow.runtime.warm_caches()
    directory.connection.delete(DirectoryKeys.user(DANA), DirectoryKeys.user(BOB))  # not seen for a while

    since = time.time()
    thread = start_thread(sandbox)
    ask(sandbox, thread)
    flow.settle()
    (card,) = [m for m in flow.driver.thread("#support", thread) if is_card(m)]
    made = directory_calls(sandbox, since)
    assert LISTINGS not in made
    assert sum(made.values()) <= 3, made

    since = time.time()
    flow.driver.click("bob", card["channel"], card["ts"], action_ids.APPROVE)
    flow.settle()
    assert any("Created" in m.get("text", "") for m in flow.driver.thread("#support", thread))
    made = directory_calls(sandbox, since)
    assert LISTINGS not in made and sum(made.values()) <= 1, made

    since = time.time()
    thread = start_thread(sandbox)
    ask(sandbox, thread)
    flow.settle()
    assert directory_calls(sandbox, since) == {}, "a warm cache makes no directory call"


def test_upkeep_that_keeps_failing_warns_once_then_again_only_when_the_error_changes(
    sandbox: Sandbox, connect, caplog: pytest.LogCaptureFixture
) -> None:
    """A revoked token fails every maintenance pass (every few seconds): one WARNING, not one a pass."""
    worker = connect(limits=DirectoryLimits(listing_pace=0.001, group_pace=0.001, group_ids_every=0.001))
    revoked = sandbox.slack.inject(r"/api/", status=200, body={"ok": False, "error": "token_revoked"}, count=None)
    with caplog.at_level(logging.DEBUG, logger="bot.directory"):
        for _ in range(5):
            worker.warm()
            time.sleep(0.002)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert revoked.fired >= 5
    assert len(warnings) == len(set(warnings)), warnings
    assert "directory upkeep: _list_next_page failed: token_revoked" in warnings

    sandbox.slack.faults.clear()
    sandbox.slack.inject(r"/users\.list", status=200, body={"ok": False, "error": "ratelimited"}, count=1)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="bot.directory"):
        worker.warm()
        time.sleep(0.002)
        worker.warm()
    said = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert ("WARNING", "directory upkeep: _list_next_page failed: ratelimited") in said
    assert ("INFO", "directory upkeep: _list_next_page works again") in said
