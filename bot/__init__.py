"""The Slack surface: listeners, Block Kit cards, intent extraction and thread context."""
