"""Jira and Salesforce behind the ``approvals.ports.Connector`` interface; vendor errors are translated here."""
