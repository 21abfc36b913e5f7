"""The outer layer: settings, the composition root, the CLI and the Telegram bot."""
