"""A local Jira for tests and the demo: the REST v2/v3 subset the ``jira`` library uses, over real sockets, as Jira
Cloud or as Jira Data Center / Server (``JiraEmulator(seed, deployment="Server")``; the seed says which by default).

``JiraEmulator`` (``sandbox.jira.emulator``) is the HTTP edge and the Python API; the site it serves is split by
concern: ``catalog`` (projects, types, workflow, users: fixed), ``state`` (issues and their writes), ``jql`` (JQL
syntax), ``search`` (JQL meaning), ``views`` (Jira's JSON shapes), ``messages`` (Jira's error texts), ``adf``
(Atlassian Document Format). Product code never imports this package.
"""

from sandbox.jira.emulator import JiraEmulator

__all__ = ["JiraEmulator"]
