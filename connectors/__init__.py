"""Jira and Salesforce behind the ``approvals.core.ports.Connector`` interface; vendor errors are translated here."""
