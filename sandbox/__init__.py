"""Local stand-ins for Slack, Jira, Salesforce and OpenAI, for tests, benchmarks and the demo.

Product code never imports this package. Start everything with ``python -m sandbox --env-file PATH`` or, in
Python, ``with Sandbox() as sb: ...`` (``sandbox.harness.Sandbox``).
"""
