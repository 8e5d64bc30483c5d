"""Figures for the dashboard and the period report (NĐ 30 Điều 24), the register books, and their exports."""
