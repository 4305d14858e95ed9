"""Understanding requests: from what a person wrote in Slack to ``approvals.core.intents`` requests, and nothing more.

The offline parser (``understanding.parser``) reads with rules over the words and the vocabulary of the connected
systems; the readers of dates and amounts are shared with the answers to questions. No module here calls a system,
posts to Slack or decides anything: an extractor returns data, grounding and the policy decide what it becomes.
"""
