"""Telegram chatbot (python-telegram-bot): notifications, accept/reject/assign, queries, uploads."""
